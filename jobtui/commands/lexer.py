"""Tokens of a command line, scanned as PowerShell scans arguments ("argument mode").

The parser drives the scanner token by token (:func:`next_token`) because a line mixes two
languages: PowerShell's for the job cmdlets, and the shell's inside script blocks and bare shell
commands, whose text is taken verbatim (:func:`scan_script_block`, :func:`scan_shell_command`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from jobtui.commands.errors import parser_error


class TokenKind(enum.Enum):
    """What a token is."""

    GENERIC = "generic"  # a bare word: 3, Job*, results.txt, -1
    PARAMETER = "parameter"  # -Name, -Name: (colon form)
    STRING = "string"  # 'verbatim'
    EXPANDABLE_STRING = "expandable"  # "with $variables"
    VARIABLE = "variable"  # $job, ${job}, $env:HOME, $?
    MEMBER = "member"  # .Name right after a value
    INDEX = "index"  # [0] right after a value (raw inner text)
    SCRIPT_BLOCK = "scriptblock"  # { ... } (raw inner text)
    LPAREN = "("  # ( or $( or @(
    RPAREN = ")"
    PIPE = "|"
    SEMI = ";"
    AMP = "&"
    NEWLINE = "newline"
    COMMA = ","
    EQUALS = "="
    REDIRECT = "redirect"  # > >> 2> 2>> 2>&1 *> *>> 1>
    OPERATOR = "operator"  # && || < and other tokens the language does not accept
    RBRACE = "}"
    EOF = "eof"


@dataclass(frozen=True)
class Token:
    """One token: its kind, its value (unquoted, unescaped) and where it lies in the line."""

    kind: TokenKind
    value: str
    start: int
    end: int
    #: For PARAMETER: written ``-Name:``, so the next token is its argument.
    colon: bool = False

    def text(self, line: str) -> str:
        """The token as written."""
        return line[self.start : self.end]


#: Characters that end a bare word in argument mode.
_WORD_END = set(" \t\r\n|;&,(){}<>")
#: Tokens after which ``.Name`` and ``[i]`` (with no space between) access a member.
_VALUE_KINDS = {TokenKind.VARIABLE, TokenKind.RPAREN, TokenKind.MEMBER, TokenKind.INDEX}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "a": "\a", "b": "\b", "e": "\x1b"}


def is_name_char(ch: str) -> bool:
    """A character of a variable or member name."""
    return ch.isalnum() or ch == "_"


def next_token(line: str, pos: int, previous: Token | None = None) -> Token:
    """The token at or after ``pos`` (blanks and comments skipped).

    ``previous`` is the token before, so that ``$job.State`` and ``$x[0]`` become member and
    index tokens while ``Get-Job .State`` stays a word.
    """
    n = len(line)
    adjacent = previous is not None and previous.end == pos and previous.kind in _VALUE_KINDS
    if adjacent and pos < n:
        ch = line[pos]
        if ch == "." and pos + 1 < n and (is_name_char(line[pos + 1])):
            end = pos + 1
            while end < n and is_name_char(line[end]):
                end += 1
            return Token(TokenKind.MEMBER, line[pos + 1 : end], pos, end)
        if ch == "[":
            close = line.find("]", pos)
            if close < 0:
                raise parser_error("Missing ']' after array index expression.")
            return Token(TokenKind.INDEX, line[pos + 1 : close], pos, close + 1)
    pos = _skip_blanks(line, pos)
    if pos >= n:
        return Token(TokenKind.EOF, "", n, n)
    ch = line[pos]
    nxt = line[pos + 1] if pos + 1 < n else ""
    if ch == "\n":
        return Token(TokenKind.NEWLINE, "\n", pos, pos + 1)
    if ch == "|":
        if nxt == "|":
            return Token(TokenKind.OPERATOR, "||", pos, pos + 2)
        return Token(TokenKind.PIPE, "|", pos, pos + 1)
    if ch == "&":
        if nxt == "&":
            return Token(TokenKind.OPERATOR, "&&", pos, pos + 2)
        return Token(TokenKind.AMP, "&", pos, pos + 1)
    if ch in ";,(){}=<":
        kind = {
            ";": TokenKind.SEMI,
            ",": TokenKind.COMMA,
            "(": TokenKind.LPAREN,
            ")": TokenKind.RPAREN,
            "}": TokenKind.RBRACE,
            "=": TokenKind.EQUALS,
            "<": TokenKind.OPERATOR,
        }.get(ch)
        if ch == "{":
            content, end = scan_script_block(line, pos)
            return Token(TokenKind.SCRIPT_BLOCK, content, pos, end)
        assert kind is not None
        return Token(kind, ch, pos, pos + 1)
    redirect = _redirection(line, pos)
    if redirect is not None:
        return Token(TokenKind.REDIRECT, redirect, pos, pos + len(redirect))
    if ch == "'":
        value, end = _single_quoted(line, pos)
        return Token(TokenKind.STRING, value, pos, end)
    if ch == '"':
        value, end = _double_quoted(line, pos)
        return Token(TokenKind.EXPANDABLE_STRING, value, pos, end)
    if ch == "$":
        token = _variable(line, pos)
        if token is not None:
            return token
    if ch == "@" and nxt == "(":
        return Token(TokenKind.LPAREN, "@(", pos, pos + 2)
    if ch == "@" and nxt == "{":
        # A hash table: not part of the language, but scanned whole (an open one asks for
        # more lines), so that the parser can name it in its error.
        _, end = scan_script_block(line, pos + 1)
        return Token(TokenKind.OPERATOR, "@{", pos, end)
    if ch == "-" and nxt and (nxt.isalpha() or nxt in "_?"):
        return _parameter(line, pos)
    return _generic(line, pos)


def tokenize(line: str) -> list[Token]:
    """Every token of ``line`` in argument mode, EOF last (for tests and completion)."""
    tokens: list[Token] = []
    pos = 0
    previous: Token | None = None
    while True:
        token = next_token(line, pos, previous)
        tokens.append(token)
        if token.kind is TokenKind.EOF:
            return tokens
        pos = token.end
        previous = token


def _skip_blanks(line: str, pos: int) -> int:
    n = len(line)
    while pos < n:
        ch = line[pos]
        if ch in " \t\r":
            pos += 1
        elif ch == "`" and pos + 1 < n and line[pos + 1] == "\n":
            pos += 2  # a backtick at the end of a line continues it
        elif ch == "`" and line[pos + 1 :].strip(" \t\r") == "":
            raise parser_error(LINE_CONTINUES, incomplete=True)
        elif ch == "<" and line.startswith("<#", pos):
            pos = block_comment_end(line, pos)
        elif ch == "#":
            while pos < n and line[pos] != "\n":
                pos += 1
        else:
            break
    return pos


#: The error of a line that ends with the continuation backtick (more input completes it).
LINE_CONTINUES = "The line ends with '`', which continues it on the next line."


def block_comment_end(line: str, pos: int) -> int:
    """The index after the ``#>`` that closes the ``<#`` block comment at ``pos``."""
    close = line.find("#>", pos + 2)
    if close < 0:
        raise parser_error("Missing closing '#>' of the block comment '<#'.", incomplete=True)
    return close + 2


def _redirection(line: str, pos: int) -> str | None:
    for op in ("2>&1", "*>>", "2>>", "1>>", "*>", "2>", "1>", ">>", ">"):
        if line.startswith(op, pos):
            if op[0] in "12*" and pos > 0 and line[pos - 1] not in " \t|;&(":
                continue  # "a2>" is a word followed by ">", not the error stream
            return op
    return None


def _single_quoted(line: str, pos: int) -> tuple[str, int]:
    out: list[str] = []
    i = pos + 1
    n = len(line)
    while i < n:
        ch = line[i]
        if ch == "'":
            if i + 1 < n and line[i + 1] == "'":
                out.append("'")
                i += 2
                continue
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise parser_error("The string is missing the terminator: '.", incomplete=True)


def _double_quoted(line: str, pos: int) -> tuple[str, int]:
    """The raw content of a "string" (escapes kept: the parser expands it); and its end."""
    i = pos + 1
    n = len(line)
    while i < n:
        ch = line[i]
        if ch == "`":
            i += 2
            continue
        if ch == '"':
            if i + 1 < n and line[i + 1] == '"':
                i += 2
                continue
            return line[pos + 1 : i], i + 1
        if ch == "$" and i + 1 < n and line[i + 1] == "(":
            i = _matching_paren(line, i + 1) + 1
            continue
        i += 1
    raise parser_error('The string is missing the terminator: ".', incomplete=True)


def _matching_paren(line: str, open_pos: int) -> int:
    """The index of the ``)`` that closes the ``(`` at ``open_pos``."""
    depth = 0
    i = open_pos
    n = len(line)
    while i < n:
        ch = line[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        elif ch == "'":
            _, i = _single_quoted(line, i)
            continue
        elif ch == '"':
            _, i = _double_quoted(line, i)
            continue
        i += 1
    raise parser_error("Missing closing ')' in subexpression.", incomplete=True)


def unescape(text: str) -> str:
    """PowerShell's backtick escapes (`` `n ``, `` `t ``, `` `$ ``...) resolved."""
    if "`" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "`" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _variable(line: str, pos: int) -> Token | None:
    n = len(line)
    nxt = line[pos + 1] if pos + 1 < n else ""
    if nxt == "(":
        return Token(TokenKind.LPAREN, "$(", pos, pos + 2)
    if nxt == "{":
        close = line.find("}", pos + 2)
        if close < 0:
            raise parser_error("Missing closing '}' in variable name.", incomplete=True)
        return Token(TokenKind.VARIABLE, line[pos + 2 : close], pos, close + 1)
    if nxt in ("?", "$", "^"):
        return Token(TokenKind.VARIABLE, nxt, pos, pos + 2)
    end = pos + 1
    while end < n and (is_name_char(line[end]) or line[end] == ":"):
        if line[end] == ":" and not (end + 1 < n and is_name_char(line[end + 1])):
            break  # "$x:" is $x followed by ':' (only "scope:name" keeps the colon)
        end += 1
    if end == pos + 1:
        return None  # a lone "$" is a word
    return Token(TokenKind.VARIABLE, line[pos + 1 : end], pos, end)


def _parameter(line: str, pos: int) -> Token:
    n = len(line)
    end = pos + 1
    while end < n and line[end] not in _WORD_END and line[end] not in ":'\"":
        end += 1
    name = line[pos + 1 : end]
    if end < n and line[end] == ":":
        return Token(TokenKind.PARAMETER, name, pos, end + 1, colon=True)
    return Token(TokenKind.PARAMETER, name, pos, end)


def _generic(line: str, pos: int) -> Token:
    """A bare word; quoted parts inside it (``Job"1"``) join it, unquoted."""
    n = len(line)
    out: list[str] = []
    i = pos
    while i < n:
        ch = line[i]
        if ch in _WORD_END:
            break
        if ch == "`" and i + 1 < n:
            out.append(_ESCAPES.get(line[i + 1], line[i + 1]))
            i += 2
            continue
        if ch == "'" and i > pos:
            value, i = _single_quoted(line, i)
            out.append(value)
            continue
        if ch == '"' and i > pos:
            value, i = _double_quoted(line, i)
            out.append(unescape(value))
            continue
        if ch == ">":
            break
        out.append(ch)
        i += 1
    if i == pos:  # a character no token starts with; take it alone so the parser can name it
        return Token(TokenKind.OPERATOR, line[pos], pos, pos + 1)
    return Token(TokenKind.GENERIC, "".join(out), pos, i)


# -- the shell's side -------------------------------------------------------------------------


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
