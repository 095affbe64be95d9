"""Makes a line of program output safe to draw: colours stay, every other escape goes.

A job's output is untrusted. Drawn raw, it could set the window title, write the clipboard
(OSC 52), move the cursor, switch to the alternate screen or ring the bell. Only SGR sequences
(colours and text attributes) survive, and Rich turns them into styles; nothing else can reach
the terminal.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

#: Characters of one line drawn at most; the rest is summarised (a 100 MB line stays cheap).
MAX_LINE_CHARS = 4000
TAB_SIZE = 8

_ESCAPES = re.compile(
    r"""
    \x1b\[[0-?]*[\x20-/]*[@-~]          # CSI: cursor moves, erases, modes... and SGR
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)? # OSC: title, clipboard, hyperlinks (maybe cut short)
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?      # DCS, SOS, PM, APC strings
    | \x1b[\x20-/]*[0-~]                 # two-byte escapes: ESC c (reset), ESC 7, ESC ( B...
    | \x1b                               # a lone ESC
    | \x9b[0-?]*[\x20-/]*[@-~]           # 8-bit CSI
    | [\x00-\x08\x0a-\x1f\x7f-\x9f]      # C0 and C1 controls but tab: BEL, BS, SI, NUL...
    """,
    re.VERBOSE,
)
_SGR = re.compile(r"\x1b\[[0-9;]*m")
_SGR_SPLIT = re.compile(r"(\x1b\[[0-9;]*m)")


def _keep_sgr(match: re.Match[str]) -> str:
    text = match.group()
    return text if _SGR.fullmatch(text) else ""


def sanitize(line: str) -> str:
    """``line`` with SGR sequences kept and every other escape or control character removed.

    A carriage return shows what a terminal would end up showing: the text after the last one
    (a progress bar that redraws itself). A line terminator's trailing CR is dropped.
    """
    if "\r" in line:
        line = line.rstrip("\r")
        line = line[line.rfind("\r") + 1 :]
    if len(line) > MAX_LINE_CHARS:
        hidden = len(line) - MAX_LINE_CHARS
        line = f"{line[:MAX_LINE_CHARS]}… [{hidden:,} more characters]"
    return _ESCAPES.sub(_keep_sgr, line)


def to_text(line: str, style: Style | None = None) -> Text:
    """A sanitised line as Rich ``Text``: SGR colours become styles over ``style``, tabs spaces."""
    clean = sanitize(line)
    if "\t" in clean:
        clean = _expand_tabs(clean)
    if "\x1b" in clean:
        text = Text.from_ansi(clean, no_wrap=True, end="")
    else:
        text = Text(clean, no_wrap=True, end="")
    if style:
        # A span under the others (Text.render ignores a base style), so colours from the
        # program still win over the line's kind (stderr).
        text.stylize_before(style)
    return text


def _expand_tabs(line: str) -> str:
    """Tabs to spaces, counting columns of visible text only (SGR sequences take none)."""
    parts = _SGR_SPLIT.split(line)
    column = 0
    out: list[str] = []
    for part in parts:
        if part.startswith("\x1b"):
            out.append(part)
            continue
        for chunk_index, chunk in enumerate(part.split("\t")):
            if chunk_index:
                spaces = TAB_SIZE - column % TAB_SIZE
                out.append(" " * spaces)
                column += spaces
            out.append(chunk)
            column += cell_len(chunk)
    return "".join(out)


@lru_cache(maxsize=1024)
def plain(line: str) -> str:
    """A line with every escape sequence removed (for searches, sorting, titles)."""
    return _ESCAPES.sub("", sanitize(line))


def plain_lines(text: str) -> str:
    """Text of one or more lines with every escape removed from each; the line breaks stay.

    For what the UI draws outside the output views (names, commands, Reasons in labels and
    notifications): a job's name and command may hold any character, its Reason quotes stderr.
    """
    return "\n".join(plain(line) for line in text.split("\n"))
