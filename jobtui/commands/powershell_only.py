"""PowerShell that jobtui does not run, told apart from shell commands that look like it.

A statement that does not start with a cmdlet, a variable or a value is a shell command, started
as a job. Some such statements are clearly PowerShell that the language does not have: a
``foreach (...)`` loop, a ``[void](...)`` cast, ``try { }``. Started as jobs they would fail in
the shell, out of sight, so they are refused with one line that says what to do instead. The
rule, keyword by keyword (a keyword is a whole word, in any case):

- ``foreach (``, ``param(``, ``switch (`` or ``switch -``, ``throw``, and ``using namespace``
  (``module``, ``assembly``): PowerShell only.
- ``for (`` and ``while (``, ``until (``, ``if (``, ``elseif (``, but not ``for ((`` (bash's
  arithmetic loop): PowerShell when ``)`` is followed by ``{``, or the condition starts with a
  ``$variable``, ``-not``, ``!`` or a cmdlet; the shell's when ``)`` is followed by ``then`` or
  ``do`` (``if (test -f x); then``).
- ``do {``, ``try {``, ``finally {``, ``else {``, ``begin {``, ``process {``, ``end {``,
  ``catch {`` or ``catch [``, ``trap {`` or ``trap [``: PowerShell (the shell's ``trap`` takes a
  quoted command).
- ``function NAME {`` or ``function NAME(``, ``filter`` likewise, ``class NAME {``,
  ``enum NAME {``: PowerShell (a shell function started as a job would only define itself).
- A type literal: ``[int]``, ``[void]``, ``[System.IO.Path]`` right before ``$``, ``(``, ``::``,
  a quote, a digit or the end (``[ -f x ]`` has a space, and stays the shell's test).

Everything else stays a shell command: ``if [ -f x ]; then ...; fi``, ``for i in 1 2; do``,
``while true; do``. A refused statement that is not closed yet (``foreach (...) {`` and more
lines to come) is incomplete, so a front end reads on to its end before it reports the error,
and none of its lines runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from jobtui.commands.errors import CommandError, parser_error
from jobtui.commands.lexer import expandable_end, single_quoted
from jobtui.commands.shell_text import block_comment_end

_WORD = re.compile(r"[A-Za-z]+(?![\w.-])")
_TYPE_LITERAL = re.compile(r"\[[A-Za-z_][\w.]*(?:\[\])?\]")
_AFTER_TYPE = re.compile(r"$|\$|\(|::|['\"@\[\d]")
_SHELL_CONDITION_END = re.compile(r"\s*(;\s*|\n\s*)?(then|do)\b")
_POWERSHELL_CONDITION = re.compile(r"\s*(!\s*)?(\$|-not\b|\()", re.IGNORECASE)
_NAMED_BLOCK = re.compile(r"[\w-]+\s*[({]")
_TYPE_DEFINITION = re.compile(r"\w+\s*(:\s*[\w.]+\s*)?\{")
_USING = re.compile(r"(namespace|module|assembly)\b", re.IGNORECASE)

_LOOP = (
    "The {word} loop is PowerShell's, which jobtui does not run: pipe jobs into the cmdlets "
    "(Get-Job | Receive-Job), wait with Wait-Job, or loop in the shell inside Start-Job {{ ... }}."
)
_BRANCH = (
    "The {word} statement is PowerShell's, which jobtui does not run: chain statements with && "
    "and || (Wait-Job 3 -Timeout 60 && Receive-Job 3), or test in the shell inside "
    "Start-Job {{ ... }}."
)
_DEFINITION = (
    "PowerShell's {word} is not part of jobtui's language, which runs the job cmdlets, "
    "variables and pipelines over them, and shell commands as jobs (a shell function goes "
    "inside Start-Job {{ f() {{ ...; }}; f }})."
)
_ERRORS = (
    "PowerShell's {word} is not part of jobtui's language: each error is one line, and $? "
    "(or && and ||) tells whether a statement failed."
)
TYPE_LITERAL = (
    "Type literals such as {word} are PowerShell's, which jobtui does not run: values convert "
    "to a parameter's type by themselves; to discard output, pipe it to Out-Null or assign it "
    "to $null."
)
HASH_TABLE = "Hash tables (@{ }) are PowerShell's, which jobtui does not run."


def refuse(line: str, pos: int, is_cmdlet: Callable[[str], bool]) -> None:
    """Raise a ParserError if the statement at ``pos`` is PowerShell that jobtui does not run
    (incomplete while its brackets or quotes are still open); return if it is the shell's.

    ``is_cmdlet`` says whether a word names a cmdlet (``if (Get-Job ...)`` is PowerShell).
    """
    message = powershell_only(line, pos, is_cmdlet)
    if message is not None:
        raise parser_error(message, incomplete=not _closed(line, pos))


def powershell_only(line: str, pos: int, is_cmdlet: Callable[[str], bool]) -> str | None:
    """The error for the PowerShell construct that starts at ``pos``; None if there is none."""
    cast = _TYPE_LITERAL.match(line, pos)
    if cast is not None:
        if _AFTER_TYPE.match(line, cast.end()):
            return TYPE_LITERAL.format(word=cast.group())
        return None
    match = _WORD.match(line, pos)
    if match is None:
        return None
    word = match.group()
    keyword = word.lower()
    rest_at = _skip_spaces(line, match.end())
    rest = line[rest_at:]
    if _construct(keyword, rest, line, rest_at, is_cmdlet):
        return _message(keyword).format(word=word)
    return None


def _construct(
    keyword: str, rest: str, line: str, rest_at: int, is_cmdlet: Callable[[str], bool]
) -> bool:
    if keyword in ("foreach", "param"):
        return rest.startswith("(")
    if keyword in ("for", "while", "until", "if", "elseif"):
        if not rest.startswith("(") or rest.startswith("(("):
            return False
        if keyword == "for":
            return True  # for (init; test; step): bash's own is for ((...))
        return _powershell_condition(line, rest_at, is_cmdlet)
    if keyword == "switch":
        return rest[:1] in ("(", "-", "{")
    if keyword in ("do", "try", "finally", "else", "begin", "process", "end", "dynamicparam"):
        return rest.startswith("{")
    if keyword in ("catch", "trap"):
        return rest[:1] in ("{", "[")
    if keyword in ("function", "filter", "workflow"):
        return _NAMED_BLOCK.match(rest) is not None
    if keyword in ("class", "enum"):
        return _TYPE_DEFINITION.match(rest) is not None
    if keyword == "throw":
        return True
    if keyword == "using":
        return _USING.match(rest) is not None
    return False


def _message(keyword: str) -> str:
    if keyword in ("foreach", "for", "while", "until", "do"):
        return _LOOP
    if keyword in ("if", "elseif", "else", "switch"):
        return _BRANCH
    if keyword in ("try", "catch", "finally", "trap", "throw"):
        return _ERRORS
    return _DEFINITION


def _powershell_condition(line: str, open_at: int, is_cmdlet: Callable[[str], bool]) -> bool:
    """Whether ``(condition)`` at ``open_at`` (after if, while...) is PowerShell's."""
    close = _matching(line, open_at)
    inner = line[open_at + 1 : len(line) if close is None else close]
    if close is not None:
        after = line[close + 1 :]
        if _SHELL_CONDITION_END.match(after):
            return False
        if after.lstrip(" \t\r\n").startswith("{"):
            return True
    if _POWERSHELL_CONDITION.match(inner):
        return True
    first = inner.split(None, 1)[0] if inner.strip() else ""
    return bool(first) and is_cmdlet(first)


def _skip_spaces(line: str, pos: int) -> int:
    while pos < len(line) and line[pos] in " \t":
        pos += 1
    return pos


_CLOSERS = {"(": ")", "{": "}", "[": "]"}


def _scan(line: str, pos: int, stop_at: int | None = None) -> tuple[int | None, bool]:
    """Scan PowerShell text from ``pos``: brackets, 'strings' and "strings", escapes and
    comments. Returns where the bracket opened at ``stop_at`` closes (None if it does not), and
    whether every bracket and string is closed by the end of the text."""
    stack: list[tuple[str, int]] = []
    i = pos
    n = len(line)
    while i < n:
        ch = line[i]
        if ch == "`":
            i += 2
            continue
        if ch in "'\"" or line.startswith("<#", i):
            try:
                i = _string_or_comment_end(line, i)
            except CommandError as error:
                if not error.incomplete:
                    raise
                return None, False  # the string or comment is still open
            continue
        if ch == "#":
            newline = line.find("\n", i)
            i = n if newline < 0 else newline
            continue
        if ch in _CLOSERS:
            stack.append((ch, i))
        elif ch in ")}]" and stack and _CLOSERS[stack[-1][0]] == ch:
            _, opened = stack.pop()
            if opened == stop_at:
                return i, False
        i += 1
    return None, not stack


def _string_or_comment_end(line: str, pos: int) -> int:
    """The end of the 'string', "string" or ``<# #>`` comment at ``pos``, by the lexer's rules."""
    if line[pos] == "'":
        return single_quoted(line, pos)[1]
    if line[pos] == '"':
        return expandable_end(line, pos)
    return block_comment_end(line, pos)


def _matching(line: str, open_at: int) -> int | None:
    close, _ = _scan(line, open_at, stop_at=open_at)
    return close


def _closed(line: str, pos: int) -> bool:
    """Whether every bracket and string from ``pos`` to the end of the text is closed."""
    _, closed = _scan(line, pos)
    return closed
