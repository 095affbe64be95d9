"""The shell's side of a command text: where script blocks and bare shell commands end.

Their text is the shell's, taken verbatim: quotes, backslashes, ``$( )`` and braces are the
shell's, so a brace inside quotes (``{ awk '{print $1}' }``) does not close a block. A bare
shell command (one that is not inside ``{ }``) still follows PowerShell's line rules: it goes on
after a trailing backtick (written for the shell as ``\\``), ``|``, ``&&`` or ``||``, and a
``<# #>`` block comment is taken out of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from jobtui.commands.errors import parser_error

#: The error of a line that ends with the continuation backtick (more input completes it).
LINE_CONTINUES = "The line ends with '`', which continues it on the next line."


def block_comment_end(line: str, pos: int) -> int:
    """The index after the ``#>`` that closes the ``<#`` block comment at ``pos``."""
    close = line.find("#>", pos + 2)
    if close < 0:
        raise parser_error("Missing closing '#>' of the block comment '<#'.", incomplete=True)
    return close + 2


def scan_script_block(line: str, open_pos: int) -> tuple[str, int]:
    """The text between ``{`` at ``open_pos`` and its matching ``}``, verbatim; and the end.

    The content is shell text, so its quotes and backslashes are the shell's: a brace inside
    quotes (``{ awk '{print $1}' }``) does not close the block.
    """
    end = _scan_shell(line, open_pos + 1, stop_at_brace=True)
    if end >= len(line) or line[end] != "}":
        raise parser_error(
            "Missing closing '}' in statement block or type definition.", incomplete=True
        )
    return line[open_pos + 1 : end], end + 1


@dataclass(frozen=True)
class ShellScan:
    """Where a bare shell command ends: the index after its text and what ended it; and where
    its command ends (before a trailing background ``&``, which is not part of the command)."""

    end: int
    terminator: str  # "&", ";", "\n" or "" (end of line)
    command_end: int
    #: PowerShell's syntax inside the text, rewritten for the shell: ``(start, end, text)``
    #: (a continuation backtick becomes ``\``, a ``<# #>`` block comment a space).
    edits: tuple[tuple[int, int, str], ...] = ()

    def command(self, line: str, start: int) -> str:
        """The shell's text of the command that starts at ``start``, edits applied."""
        parts: list[str] = []
        pos = start
        for edit_start, edit_end, text in self.edits:
            if edit_start >= self.command_end:
                break
            parts.append(line[pos:edit_start])
            parts.append(text)
            pos = edit_end
        parts.append(line[pos : self.command_end])
        return "".join(parts).strip()


#: The error of a shell command that ends with the shell's continuation backslash.
SHELL_LINE_CONTINUES = "The shell command ends with '\\', which continues it on the next line."
#: PowerShell's errors for a pipe or a chain operator with nothing after it.
EMPTY_PIPE = "An empty pipe element is not allowed."


def missing_after_chain(operator: str) -> str:
    """PowerShell's error for ``a &&`` with nothing after the operator."""
    return f"Missing expression after '{operator}' in pipeline chain."


def scan_shell_command(
    line: str, pos: int, powershell_follows: Callable[[str, int], bool]
) -> ShellScan:
    """The extent of a shell command that starts at ``pos``.

    The shell's text runs to the end of the line (or a new line), except that a ``;`` or a
    lone ``&`` (not ``&&``, ``>&``, ``&>``) ends it when ``powershell_follows(line, i)`` says a
    PowerShell statement starts after it, at ``i``: ``make; Get-Job`` and ``sleep 5 & Get-Job``
    are two statements, while ``a & b`` and ``for i in 1 2; do sleep 5 & done`` are one shell
    command each. A lone ``&`` that ends the text is the background operator: ``sleep 30 &``
    runs ``sleep 30``. Quotes, ``$( )``, ``( )``, ``{ }`` and backslashes are the shell's. A
    line that ends with ``|``, ``&&``, ``||`` or PowerShell's continuation backtick goes on
    on the next line.
    """
    edits: list[tuple[int, int, str]] = []
    end = _scan_shell(
        line, pos, stop_at_brace=False, powershell_follows=powershell_follows, edits=edits
    )
    terminator = line[end] if end < len(line) else ""
    command_end = len(line[:end].rstrip(" \t\r"))
    amp = command_end - 1
    if (
        amp >= pos
        and line[amp] == "&"
        and _is_background_amp(line, amp)
        and not _escaped(line, amp)
    ):
        command_end = amp
    return ShellScan(end, terminator, command_end, tuple(edits))


def _scan_shell(
    line: str,
    pos: int,
    *,
    stop_at_brace: bool,
    powershell_follows: Callable[[str, int], bool] | None = None,
    edits: list[tuple[int, int, str]] | None = None,
) -> int:
    n = len(line)
    i = pos
    depth = 0  # ( and { nesting inside the command
    word_start = True
    last = -1  # the last character of the text that is not a blank or a comment
    while i < n:
        ch = line[i]
        if ch == "\\":
            if i + 1 >= n and not stop_at_brace:
                raise parser_error(SHELL_LINE_CONTINUES, incomplete=True)
            i += 2
            word_start = False
            last = min(i, n) - 1
            continue
        if ch == "`" and edits is not None and _continues(line, i):
            if not line.startswith("\n", i + 1):
                raise parser_error(LINE_CONTINUES, incomplete=True)
            edits.append((i, i + 1, "\\"))  # PowerShell's continuation, written the shell's way
            i += 2
            continue
        if ch in "'`":  # 'verbatim' and `command`: to the same character, no escapes
            close = line.find(ch, i + 1)
            if close < 0:
                raise parser_error(f"The string is missing the terminator: {ch}.", incomplete=True)
            i = close + 1
            word_start = False
            last = i - 1
            continue
        if ch == '"':
            i = _shell_double_quoted_end(line, i)
            word_start = False
            last = i - 1
            continue
        if ch == "<" and word_start and edits is not None and line.startswith("<#", i):
            end = block_comment_end(line, i)
            edits.append((i, end, " "))
            i = end
            continue
        if ch == "#" and word_start:
            while i < n and line[i] != "\n":
                i += 1
            continue
        if ch in "({":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == "}":
            if depth == 0 and stop_at_brace:
                return i
            depth = max(0, depth - 1)
        elif depth == 0 and not stop_at_brace:
            if ch == "\n":
                if _open_operator(line, last) is None:
                    return i
            else:
                ends_here = ch == ";" or (ch == "&" and _is_background_amp(line, i))
                if ends_here and powershell_follows is not None and powershell_follows(line, i + 1):
                    return i
        if ch not in " \t\r\n":
            last = i
        word_start = ch in " \t\n;|&()"
        i += 1
    if depth > 0 and not stop_at_brace:
        raise parser_error("Missing closing ')' or '}' in the shell command.", incomplete=True)
    if not stop_at_brace:
        operator = _open_operator(line, last)
        if operator is not None:
            message = EMPTY_PIPE if operator == "|" else missing_after_chain(operator)
            raise parser_error(message, incomplete=True)
    return i


def _continues(line: str, i: int) -> bool:
    """Whether the backtick at ``i`` ends its line (PowerShell's line continuation): right
    before the new line, or at the end of the text."""
    return line.startswith("\n", i + 1) or line[i + 1 :].strip(" \t\r") == ""


def _open_operator(line: str, last: int) -> str | None:
    """``|``, ``&&`` or ``||`` if the text's last character ends one (the command goes on
    on the next line), else None."""
    if last < 0:
        return None
    if line[last] == "|":
        return "||" if last > 0 and line[last - 1] == "|" else "|"
    if line[last] == "&" and last > 0 and line[last - 1] == "&":
        return "&&"
    return None


def _shell_double_quoted_end(line: str, pos: int) -> int:
    i = pos + 1
    n = len(line)
    while i < n:
        ch = line[i]
        if ch == "\\":
            i += 2
            continue
        if ch == '"':
            return i + 1
        i += 1
    raise parser_error('The string is missing the terminator: ".', incomplete=True)


def _is_background_amp(line: str, i: int) -> bool:
    """A lone ``&`` (PowerShell's and the shell's background operator), not ``&&`` ``>&`` ``&>``."""
    before = line[i - 1] if i > 0 else " "
    after = line[i + 1] if i + 1 < len(line) else " "
    return before not in "&><|" and after not in "&>"


def _escaped(line: str, i: int) -> bool:
    """Whether the character at ``i`` follows an odd number of backslashes."""
    slashes = 0
    while i - slashes - 1 >= 0 and line[i - slashes - 1] == "\\":
        slashes += 1
    return slashes % 2 == 1
