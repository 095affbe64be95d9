"""Tokens of a command line, scanned as PowerShell scans arguments ("argument mode").

The parser drives the scanner token by token (:func:`next_token`) because a line mixes two
languages: PowerShell's for the job cmdlets, and the shell's inside script blocks and bare shell
commands, whose text is taken verbatim (:mod:`jobtui.commands.shell_text`). Blanks, ``#``
comments, ``<# #>`` block comments and a backtick that ends a line are skipped between tokens.

Strings and variables are PowerShell's in both modes, so their scanners here (:func:`single_quoted`,
:func:`expandable_end`, :func:`expandable_parts`, :func:`variable_name`) also serve the script
blocks' expression tokens (:mod:`jobtui.commands.exprtokens`) and the check for PowerShell-only
statements (:mod:`jobtui.commands.powershell_only`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from jobtui.commands.errors import parser_error
from jobtui.commands.shell_text import LINE_CONTINUES, block_comment_end, scan_script_block


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


#: The tokens that end a statement.
END_OF_STATEMENT = frozenset({TokenKind.SEMI, TokenKind.AMP, TokenKind.NEWLINE, TokenKind.EOF})
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
        value, end = single_quoted(line, pos)
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


def _redirection(line: str, pos: int) -> str | None:
    for op in ("2>&1", "*>>", "2>>", "1>>", "*>", "2>", "1>", ">>", ">"):
        if line.startswith(op, pos):
            if op[0] in "12*" and pos > 0 and line[pos - 1] not in " \t|;&(":
                continue  # "a2>" is a word followed by ">", not the error stream
            return op
    return None


def single_quoted(source: str, pos: int) -> tuple[str, int]:
    """A 'single-quoted' string ('' is a quote): its value and its end."""
    out: list[str] = []
    i = pos + 1
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "'":
            if i + 1 < n and source[i + 1] == "'":
                out.append("'")
                i += 2
                continue
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise parser_error("The string is missing the terminator: '.", incomplete=True)


#: How deeply strings and ``$( )`` may nest inside each other.
MAX_STRING_NESTING = 32


def _too_deep() -> Exception:
    return parser_error(
        f"Strings and subexpressions nest too deeply (at most {MAX_STRING_NESTING} levels)."
    )


def expandable_end(source: str, pos: int, depth: int = 0) -> int:
    """The index after the ``"`` that closes the string opened at ``pos`` (backtick escapes,
    ``""`` and ``$( ... )`` with quotes of their own inside)."""
    if depth > MAX_STRING_NESTING:
        raise _too_deep()
    i = pos + 1
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "`":
            i += 2
            continue
        if ch == '"':
            if i + 1 < n and source[i + 1] == '"':
                i += 2
                continue
            return i + 1
        if ch == "$" and i + 1 < n and source[i + 1] == "(":
            i = subexpression_end(source, i + 1, depth + 1)
            continue
        i += 1
    raise parser_error('The string is missing the terminator: ".', incomplete=True)


def subexpression_end(source: str, open_pos: int, nesting: int = 0) -> int:
    """The index after the ``)`` that closes the ``(`` at ``open_pos``."""
    if nesting > MAX_STRING_NESTING:
        raise _too_deep()
    depth = 0
    i = open_pos
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        elif ch == "'":
            _, i = single_quoted(source, i)
            continue
        elif ch == '"':
            i = expandable_end(source, i, nesting + 1)
            continue
        i += 1
    raise parser_error("Missing closing ')' in subexpression.", incomplete=True)


def _double_quoted(line: str, pos: int) -> tuple[str, int]:
    """The raw content of a "string" (escapes kept: the parser expands it); and its end."""
    end = expandable_end(line, pos)
    return line[pos + 1 : end - 1], end


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


@dataclass(frozen=True)
class Expansion:
    """What a "string" expands: a ``$variable`` (its name) or a ``$( subexpression )`` (its
    text, for the caller's own parser)."""

    text: str
    subexpression: bool = False


def expandable_parts(raw: str) -> list[str | Expansion]:
    """A "string"'s raw content (between its quotes) split into its text, with escapes resolved
    and ``""`` a quote, and what expands into it: ``$name``, ``${name}``, ``$?``, ``$$``,
    ``$^`` and ``$( ... )`` (``"$x.Name"`` expands ``$x`` only, as in PowerShell). The line's
    parser and the script blocks' both read strings through this."""
    parts: list[str | Expansion] = []
    text: list[str] = []
    i = 0
    n = len(raw)

    def flush() -> None:
        if text:
            parts.append("".join(text))
            text.clear()

    while i < n:
        ch = raw[i]
        if ch == "`" and i + 1 < n:
            text.append(unescape(raw[i : i + 2]))
            i += 2
            continue
        if ch == '"' and raw.startswith('""', i):
            text.append('"')
            i += 2
            continue
        if ch == "$" and i + 1 < n:
            nxt = raw[i + 1]
            if nxt == "(":
                end = subexpression_end(raw, i + 1)
                flush()
                parts.append(Expansion(raw[i + 2 : end - 1], subexpression=True))
                i = end
                continue
            if nxt == "{":
                close = raw.find("}", i)
                if close < 0:
                    raise parser_error("Missing closing '}' in variable name.")
                flush()
                parts.append(Expansion(raw[i + 2 : close]))
                i = close + 1
                continue
            found = variable_name(raw, i) if is_name_char(nxt) or nxt in "?$^" else None
            if found is not None:
                flush()
                parts.append(Expansion(found[0]))
                i = found[1]
                continue
        text.append(ch)
        i += 1
    flush()
    return parts


def variable_name(source: str, pos: int) -> tuple[str, int] | None:
    """The name of the variable whose ``$`` is at ``pos`` (``$name``, ``${any name}``,
    ``$env:NAME``, ``$?``, ``$$``, ``$^``) and where it ends; None when no name follows the
    ``$``. The line's lexer, the script blocks' and the strings' splitter all read names so."""
    n = len(source)
    nxt = source[pos + 1] if pos + 1 < n else ""
    if nxt == "{":
        close = source.find("}", pos + 2)
        if close < 0:
            raise parser_error("Missing closing '}' in variable name.", incomplete=True)
        return source[pos + 2 : close], close + 1
    if nxt and nxt in "?$^":
        return nxt, pos + 2
    end = pos + 1
    while end < n and (is_name_char(source[end]) or source[end] == ":"):
        if source[end] == ":" and not (end + 1 < n and is_name_char(source[end + 1])):
            break  # "$x:" is $x followed by ':' (only "scope:name" keeps the colon)
        end += 1
    if end == pos + 1:
        return None
    return source[pos + 1 : end], end


def _variable(line: str, pos: int) -> Token | None:
    if line.startswith("$(", pos):
        return Token(TokenKind.LPAREN, "$(", pos, pos + 2)
    found = variable_name(line, pos)
    if found is None:
        return None  # a lone "$" is a word
    name, end = found
    return Token(TokenKind.VARIABLE, name, pos, end)


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
            if line[i + 1] == "\n":
                break  # the line continues: the word ends here
            out.append(_ESCAPES.get(line[i + 1], line[i + 1]))
            i += 2
            continue
        if ch == "'" and i > pos:
            value, i = single_quoted(line, i)
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
