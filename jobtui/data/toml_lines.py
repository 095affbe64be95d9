"""Where each key of a TOML file is written: the line numbers that messages about it quote.

``tomllib`` gives values, not positions. This reads the lines for table headers and
``key = value`` assignments, which is all a configuration file uses; a key it cannot place (a
key inside an inline table, say) is simply reported without a line. It runs only when a message
or ``jobtui config show`` needs a line, never on a clean start.
"""

from __future__ import annotations

import re

#: A key's full path in the file: ``("keymap", "jobs", "stop")``.
KeyPath = tuple[str, ...]

_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_PART = rf"(?:{_BARE}|{_QUOTED})"
_DOTTED = rf"{_PART}(?:\s*\.\s*{_PART})*"
_HEADER = re.compile(rf"^\s*\[\[?\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(rf"^\s*({_DOTTED})\s*=")
_PARTS = re.compile(rf"\s*({_PART})\s*(?:\.|$)")


def _split(dotted: str) -> KeyPath:
    """``a."b.c".d`` as ``("a", "b.c", "d")``."""
    parts = []
    for match in _PARTS.finditer(dotted):
        part = match.group(1)
        if part[0] in "\"'":
            part = part[1:-1]
        parts.append(part)
    return tuple(parts)


def key_lines(text: str) -> dict[KeyPath, int]:
    """Each table's and key's full path -> the number (from 1) of the line that writes it."""
    lines: dict[KeyPath, int] = {}
    table: KeyPath = ()
    open_quote: str | None = None  # inside a multi-line string
    for number, line in enumerate(text.splitlines(), 1):
        if open_quote is not None:
            if line.count(open_quote) % 2:
                open_quote = None
            continue
        header = _HEADER.match(line)
        if header:
            table = _split(header.group(1))
            lines.setdefault(table, number)
            continue
        assign = _ASSIGN.match(line)
        if assign:
            path = table + _split(assign.group(1))
            for end in range(len(table) + 1, len(path) + 1):
                lines.setdefault(path[:end], number)
        for quote in ('"""', "'''"):
            if line.count(quote) % 2:
                open_quote = quote
                break
    return lines


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    """The line of ``path``, or of the nearest table above it that has one."""
    for end in range(len(path), 0, -1):
        number = lines.get(path[:end])
        if number is not None:
            return number
    return None
