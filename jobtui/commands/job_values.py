"""Values into jobs: ``$using:name`` and ``$env:NAME`` inside a script block, for the shell.

A script block's text is shell text, given to the shell as written, except for the two ways
PowerShell passes values into a job:

- ``$using:name`` (or ``${using:name}``) becomes the value of the session's variable, quoted
  for the shell: ``{ ping $using:host }`` with ``$host = 'a b'`` runs ``ping 'a b'``; a list
  gives one word per item. Inside "double quotes" the value is escaped for them instead. An
  unset variable is PowerShell's error, and the job does not start.
- ``$env:NAME`` (or ``${env:NAME}``) reads the job's environment variable: it becomes the
  shell's ``${NAME}``.

In 'single quotes' both stay as written, as the shell (and PowerShell) keep them.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable

from jobtui.commands.errors import CommandError
from jobtui.commands.values import to_string

_REFERENCE = re.compile(r"\$(?:\{(using|env):(\w+)\}|(using|env):(\w+))", re.IGNORECASE)
_DOUBLE_QUOTED_SPECIAL = re.compile(r'([\\"$`])')

#: ``lookup(name)`` is ``(True, value)`` for a variable of the session, ``(False, None)`` if
#: it is not set.
Lookup = Callable[[str], "tuple[bool, object]"]


def expand(text: str, lookup: Lookup, source: str) -> str:
    """``text`` with its ``$using:`` and ``$env:`` references replaced; raises CommandError
    (from ``source``, the cmdlet) for a ``$using:`` variable that is not set."""
    if "$" not in text:
        return text
    out: list[str] = []
    i = 0
    n = len(text)
    quote = ""  # "'" or '"' while inside quotes
    while i < n:
        ch = text[i]
        if ch == "\\" and quote != "'":
            out.append(text[i : i + 2])
            i += 2
            continue
        if ch in "'\"" and quote in ("", ch):
            quote = "" if quote else ch
        elif ch == "$" and quote != "'":
            match = _REFERENCE.match(text, i)
            if match is not None:
                out.append(_replacement(match, lookup, source, inside_double=quote == '"'))
                i = match.end()
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _replacement(match: re.Match[str], lookup: Lookup, source: str, *, inside_double: bool) -> str:
    scope = (match.group(1) or match.group(3)).lower()
    name = match.group(2) or match.group(4)
    if scope == "env":
        return "${" + name + "}"
    found, value = lookup(name)
    if not found:
        raise CommandError(
            source,
            f"The value of the using variable '$using:{name}' cannot be retrieved because it has "
            "not been set in the local session.",
        )
    items = value if isinstance(value, list | tuple) else [value]
    words = [to_string(item) for item in items]
    if inside_double:
        return _DOUBLE_QUOTED_SPECIAL.sub(r"\\\1", " ".join(words))
    return " ".join(shlex.quote(word) for word in words) if words else "''"
