"""Tokens of a script block read as PowerShell ("expression mode"), for Where-Object and
ForEach-Object.

The line's own lexer (:mod:`jobtui.commands.lexer`) scans arguments, where ``-eq`` is a
parameter and ``1+2`` one word, and it takes a script block's text verbatim for the shell. In
expression mode ``-eq`` is an operator, numbers are numbers and ``+`` adds; so the blocks the
object cmdlets evaluate are scanned here, from that verbatim text.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from jobtui.commands.errors import parser_error
from jobtui.commands.lexer import expandable_end, is_name_char, single_quoted, variable_name


class Kind(enum.Enum):
    """What a token is."""

    NUMBER = "number"
    STRING = "string"  # 'verbatim' (value unquoted)
    EXPANDABLE = "expandable"  # "with $x and $(...)" (value: the raw text between the quotes)
    VARIABLE = "variable"  # $_ $name ${name} $env:NAME (value: the name)
    DASH = "dash"  # -eq -and -not -like... (value: the word, lower-cased, without the dash)
    WORD = "word"  # a bare word: a member name, a type name, a keyword, a command
    PUNCT = "punct"  # ( ) [ ] { } , ; . .. :: = += -= + - * / % ! | $( @( and the like
    NEWLINE = "newline"
    EOF = "eof"


@dataclass(frozen=True)
class Token:
    """One token, where it lies in the text, and whether blanks come before it (``$a [0]``
    is not an index, ``$a.b`` is a member and ``$a .b`` is not)."""

    kind: Kind
    value: str
    start: int
    end: int
    spaced: bool
    number: int | float = 0

    def text(self, source: str) -> str:
        """The token as written."""
        return source[self.start : self.end]


#: Punctuation, longest first.
_PUNCT = (
    "$(", "@(", "@{", "::", "..", "+=", "-=", "*=", "/=", "%=", "++", "--", "==", "!=", "&&",
    "||", ">=", "<=", "2>", ">", "<", "(", ")", "[", "]", "{", "}", ",", ";", ".", "=", "+",
    "-", "*", "/", "%", "!", "|", "&",
)  # fmt: skip
_MULTIPLIERS = {"kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4, "pb": 1024**5}
_WORD_CHARS = set("-_?\\/:")


def tokenize(source: str) -> list[Token]:
    """Every token of ``source``, EOF last; raises CommandError (ParserError) on bad text."""
    scanner = Scanner(source)
    i = 0
    while scanner.at(i).kind is not Kind.EOF:
        i += 1
    return scanner.tokens


class Scanner:
    """Tokens scanned as the parser asks for them, so that it can hand a stretch of the text
    to another scanner (a cmdlet's arguments are the line's own syntax) and go on after it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens: list[Token] = []
        self._pos = 0

    def at(self, index: int) -> Token:
        """The token at ``index`` (EOF past the end)."""
        while len(self.tokens) <= index:
            if self.tokens and self.tokens[-1].kind is Kind.EOF:
                return self.tokens[-1]
            self.tokens.append(self._scan())
        return self.tokens[index]

    def resume(self, index: int, pos: int) -> None:
        """Forget the tokens from ``index`` on; scan again from ``pos`` in the text."""
        del self.tokens[index:]
        self._pos = pos

    def _scan(self) -> Token:
        source = self.source
        start = _skip_blanks(source, self._pos)
        spaced = start > self._pos or not self.tokens
        if start >= len(source):
            self._pos = len(source)
            return Token(Kind.EOF, "", len(source), len(source), spaced)
        token = _next(source, start, spaced, self.tokens[-1] if self.tokens else None)
        self._pos = token.end
        return token


def _skip_blanks(source: str, pos: int) -> int:
    n = len(source)
    while pos < n:
        ch = source[pos]
        if ch in " \t\r\f\v":
            pos += 1
        elif ch == "`" and pos + 1 < n and source[pos + 1] in "\r\n":
            pos += 2  # a backtick at the end of a line continues the statement
        elif source.startswith("<#", pos):
            close = source.find("#>", pos + 2)
            if close < 0:
                raise parser_error(
                    "Missing the terminator '#>' of a block comment.", incomplete=True
                )
            pos = close + 2
        elif ch == "#":
            while pos < n and source[pos] != "\n":
                pos += 1
        else:
            break
    return pos


def _next(source: str, pos: int, spaced: bool, previous: Token | None) -> Token:
    ch = source[pos]
    nxt = source[pos + 1] if pos + 1 < len(source) else ""
    if ch == "\n":
        return Token(Kind.NEWLINE, "\n", pos, pos + 1, spaced)
    if ch == "'":
        value, end = single_quoted(source, pos)
        return Token(Kind.STRING, value, pos, end, spaced)
    if ch == '"':
        end = expandable_end(source, pos)
        return Token(Kind.EXPANDABLE, source[pos + 1 : end - 1], pos, end, spaced)
    if ch == "$" and nxt != "(":
        return _variable(source, pos, spaced)
    if (
        previous is not None
        and previous.kind is Kind.PUNCT
        and previous.value in (".", "::")
        and not spaced
        and (is_name_char(ch))
    ):
        end = pos
        while end < len(source) and is_name_char(source[end]):
            end += 1
        return Token(Kind.WORD, source[pos:end], pos, end, spaced)
    if ch.isdigit() or (ch == "." and nxt.isdigit() and not _after_value(previous, spaced)):
        return _number(source, pos, spaced)
    if ch == "-" and (nxt.isalpha()):
        end = pos + 1
        while end < len(source) and source[end].isalpha():
            end += 1
        return Token(Kind.DASH, source[pos + 1 : end].lower(), pos, end, spaced)
    if ch.isalpha() or ch == "_":
        end = pos
        while end < len(source) and (is_name_char(source[end]) or source[end] in _WORD_CHARS):
            end += 1
        return Token(Kind.WORD, source[pos:end], pos, end, spaced)
    for punct in _PUNCT:
        if source.startswith(punct, pos):
            return Token(Kind.PUNCT, punct, pos, pos + len(punct), spaced)
    raise parser_error(f"Unexpected token '{ch}' in expression or statement.")


def _after_value(previous: Token | None, spaced: bool) -> bool:
    """Whether a ``.`` here reads a member (``$a.5`` is odd but ``(1).x`` is not a number)."""
    if previous is None or spaced:
        return False
    return previous.kind in (Kind.VARIABLE, Kind.WORD) or previous.value in (")", "]")


def _variable(source: str, pos: int, spaced: bool) -> Token:
    found = variable_name(source, pos)
    if found is None:
        raise parser_error(
            "Variable reference is not valid. '$' was not followed by a valid variable name "
            "character. Consider using ${} to delimit the name."
        )
    name, end = found
    return Token(Kind.VARIABLE, name, pos, end, spaced)


def _number(source: str, pos: int, spaced: bool) -> Token:
    n = len(source)
    end = pos
    if source.startswith(("0x", "0X"), pos):
        end = pos + 2
        while end < n and source[end] in "0123456789abcdefABCDEF":
            end += 1
        value: int | float = int(source[pos + 2 : end] or "0", 16)
    else:
        while end < n and source[end].isdigit():
            end += 1
        is_float = False
        if end < n and source[end] == "." and not source.startswith("..", end):
            is_float = True
            end += 1
            while end < n and source[end].isdigit():
                end += 1
        if end < n and source[end] in "eE":
            mark = end + 1
            if mark < n and source[mark] in "+-":
                mark += 1
            if mark < n and source[mark].isdigit():
                is_float = True
                end = mark
                while end < n and source[end].isdigit():
                    end += 1
        written = source[pos:end]
        value = float(written) if is_float else int(written)
    suffix = source[end : end + 2].lower()
    if suffix in _MULTIPLIERS:
        value *= _MULTIPLIERS[suffix]
        end += 2
    if end < n and (source[end].isalpha() or source[end] == "_"):
        raise parser_error(
            f"Unexpected token '{source[pos : end + 1]}' in expression or statement."
        )
    return Token(Kind.NUMBER, source[pos:end], pos, end, spaced, value)
