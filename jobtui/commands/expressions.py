"""Script blocks as PowerShell expressions: the parser (the tree is
:mod:`jobtui.commands.expression_tree`).

Where-Object and ForEach-Object evaluate their block (``{ $_.State -eq 'Failed' }``) instead of
starting it as a shell job. The language is the part of PowerShell that such blocks use:
literals, ``$_``/``$PSItem`` and variables, members, indexes and a few string methods, the
comparison, logical and arithmetic operators with PowerShell's precedence, casts to simple
types, ``$( )``/``@( )``, ``if``/``elseif``/``else`` and assignments to variables. Anything
else is a one-line ParserError before the line runs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from jobtui.commands.comparison import Operator
from jobtui.commands.errors import CommandError, parser_error
from jobtui.commands.expression_tree import (
    CAST_TYPES,
    ArrayItems,
    Assignment,
    Binary,
    Block,
    Cast,
    CommandStatement,
    Comparison,
    Expandable,
    If,
    Index,
    Literal,
    Member,
    MethodCall,
    Node,
    SubExpression,
    Unary,
    Variable,
)
from jobtui.commands.exprtokens import Kind, Scanner, Token
from jobtui.commands.lexer import Token as LineToken
from jobtui.commands.lexer import TokenKind as LineKind
from jobtui.commands.lexer import expandable_parts, next_token
from jobtui.commands.parser import parse as parse_line
from jobtui.commands.preflight import check_line
from jobtui.commands.registry import find_cmdlet
from jobtui.commands.syntax import Pipeline

#: Keywords of PowerShell's statements that these blocks do not run.
_UNSUPPORTED_KEYWORDS = frozenset({
    "foreach", "for", "while", "do", "until", "switch", "function", "filter", "return", "break",
    "continue", "param", "begin", "process", "end", "try", "catch", "finally", "throw", "trap",
    "data", "class", "enum", "using", "workflow", "parallel", "sequence", "inlinescript",
    "dynamicparam", "exit", "hidden", "static", "configuration",
})  # fmt: skip
#: PowerShell operators these blocks do not evaluate (told apart from unknown ones).
_UNSUPPORTED_OPERATORS = frozenset({
    "is", "isnot", "as", "band", "bor", "bxor", "bnot", "shl", "shr",
})  # fmt: skip
#: The deepest nesting of operands (parentheses, unary operators) a block may have.
MAX_NESTING = 32
_ASSIGNMENTS = frozenset({"=", "+=", "-=", "*=", "/=", "%="})
_LOGICAL = frozenset({"and", "or", "xor"})
_TEXT_OPERATORS = frozenset({"replace", "split", "join"})
#: Mistakes from other languages, with PowerShell's way.
_FOREIGN = {
    "==": "-eq",
    "!=": "-ne",
    ">": "-gt",
    ">=": "-ge",
    "<": "-lt",
    "<=": "-le",
    "&&": "-and",
    "||": "-or",
}


@functools.lru_cache(maxsize=512)
def parse_block(source: str) -> Block:
    """The syntax tree of a script block's text; raises CommandError ("ParserError: ...").

    Cached: a block is parsed when its line is checked and again for every object it meets.
    """
    return _Parser(source).statements(until=None)


class _Parser:
    """A recursive-descent parser with PowerShell's operator precedence, lowest first:
    ``-and -or -xor``; comparison and text operators; ``+ -``; ``* / %``; ``-f``; ``..``;
    ``,``; unary operators and casts; members and indexes."""

    def __init__(self, source: str, nesting: int = 0) -> None:
        self.source = source
        self.scan = Scanner(source)
        self.pos = 0
        #: Inside ( ) or [ ], new lines do not end statements.
        self.depth = 0
        #: In method arguments, ``,`` separates arguments instead of making a list.
        self.comma_separates = False
        #: How deeply operands nest (each level takes a dozen Python frames).
        self.nesting = nesting

    # -- tokens -----------------------------------------------------------------------------

    def peek(self, offset: int = 0) -> Token:
        i = self.pos
        skipped = 0
        while True:
            token = self.scan.at(i)
            if self.depth > 0 and token.kind is Kind.NEWLINE:
                i += 1
                continue
            if skipped == offset:
                return token
            skipped += 1
            i += 1

    def take(self) -> Token:
        while self.depth > 0 and self.scan.at(self.pos).kind is Kind.NEWLINE:
            self.pos += 1
        token = self.scan.at(self.pos)
        if token.kind is not Kind.EOF:
            self.pos += 1
        return token

    def at(self, kind: Kind, value: str | None = None) -> bool:
        token = self.peek()
        return token.kind is kind and (value is None or token.value == value)

    def accept(self, kind: Kind, value: str) -> bool:
        if self.at(kind, value):
            self.take()
            return True
        return False

    def skip_newlines(self) -> None:
        while self.scan.at(self.pos).kind is Kind.NEWLINE:
            self.pos += 1

    def expect(self, value: str, message: str, *, incomplete: bool = False) -> None:
        if not self.accept(Kind.PUNCT, value):
            raise parser_error(message, incomplete=incomplete and self.at(Kind.EOF))

    def unexpected(self, token: Token) -> CommandError:
        if token.kind is Kind.EOF:
            return parser_error("Unexpected end of the script block.")
        written = token.text(self.source)
        if token.kind is Kind.PUNCT and written in _FOREIGN:
            return parser_error(
                f"The '{written}' operator is not PowerShell's: write {_FOREIGN[written]}."
            )
        return parser_error(f"Unexpected token '{written}' in expression or statement.")

    # -- statements -------------------------------------------------------------------------

    def statements(self, until: str | None) -> Block:
        """Statements up to ``until`` (``}`` or ``)``) or the end of the text."""
        items: list[Node] = []
        saved_depth, self.depth = self.depth, 0
        saved_comma, self.comma_separates = self.comma_separates, False
        try:
            while True:
                token = self.scan.at(self.pos)
                if token.kind is Kind.NEWLINE or (token.kind is Kind.PUNCT and token.value == ";"):
                    self.pos += 1
                    continue
                if token.kind is Kind.EOF:
                    if until is not None:
                        raise parser_error(
                            f"Missing closing '{until}' in statement block or type definition."
                            if until == "}"
                            else f"Missing closing '{until}' in subexpression.",
                            incomplete=True,
                        )
                    return Block(tuple(items))
                if until is not None and token.kind is Kind.PUNCT and token.value == until:
                    return Block(tuple(items))
                items.append(self.statement())
                end = self.scan.at(self.pos)
                if end.kind in (Kind.NEWLINE, Kind.EOF) or (
                    end.kind is Kind.PUNCT and end.value in (";", until)
                ):
                    continue
                raise self.unexpected(end)
        finally:
            self.depth = saved_depth
            self.comma_separates = saved_comma

    def statement(self) -> Node:
        self.enter()
        try:
            return self._statement()
        finally:
            self.nesting -= 1

    def _statement(self) -> Node:
        token = self.peek()
        if token.kind is Kind.WORD:
            word = token.value.lower()
            if word == "if":
                return self.if_statement()
            if find_cmdlet(word) is not None:
                return self.command(token)
            if word in _UNSUPPORTED_KEYWORDS:
                raise parser_error(
                    f"The '{word}' statement is not supported in the script blocks of "
                    "Where-Object and ForEach-Object: they take expressions, assignments and "
                    "if/elseif/else."
                )
        if token.kind is Kind.VARIABLE:
            after = self.peek(1)
            if after.kind is Kind.PUNCT and after.value in _ASSIGNMENTS:
                self.take()
                self.take()
                self.skip_newlines()
                if self.peek().kind is Kind.EOF or self.at(Kind.PUNCT, "}"):
                    raise parser_error(
                        f"You must provide a value expression following the '{after.value}' "
                        "operator."
                    )
                return Assignment(token.value, after.value, self.statement())
            if after.kind is Kind.PUNCT and after.value in ("++", "--"):
                self.take()
                self.take()
                return Assignment(token.value, "+=" if after.value == "++" else "-=", Literal(1))
        node = self.expression()
        if self.at(Kind.PUNCT, "|"):
            raise parser_error(
                "A pipeline inside Where-Object or ForEach-Object script blocks is not "
                "supported: pipe into the next cmdlet after the block instead."
            )
        if self.at(Kind.PUNCT, "=") or (
            self.at(Kind.PUNCT) and self.peek().value in _ASSIGNMENTS - {"="}
        ):
            raise parser_error(
                "The assignment expression is not valid. The input to an assignment operator "
                "must be an object that is able to accept assignments, such as a variable."
            )
        return node

    def command(self, first: Token) -> CommandStatement:
        """A cmdlet's statement: its text up to the end of the statement (``;``, a new line, or
        the ``}`` or ``)`` around it), parsed and checked as a line of its own."""
        end = _command_end(self.source, first.start)
        text = self.source[first.start : end]
        script = parse_line(text)
        if len(script.statements) != 1:
            raise parser_error(f"Unexpected token in '{text.strip()}'.")
        statement = script.statements[0]
        if not isinstance(statement.body, Pipeline) or statement.chain or statement.redirections:
            raise parser_error(
                f"'{text.strip()}': a chain (&&, ||), a redirection or exit cannot be used in a "
                "script block of Where-Object or ForEach-Object."
            )
        check_line(script)
        # Scanning goes on after the command's text (its arguments are the line's syntax).
        while self.scan.at(self.pos).start < first.start:
            self.pos += 1
        self.scan.resume(self.pos, end)
        return CommandStatement(statement, text.strip())

    def if_statement(self) -> If:
        clauses: list[tuple[Node, Block]] = []
        otherwise: Block | None = None
        keyword = "if"
        while True:
            self.take()  # if / elseif
            self.skip_newlines()
            self.expect("(", f"Missing '(' after '{keyword}' in if statement.")
            self.depth += 1
            if self.at(Kind.PUNCT, ")"):
                raise parser_error(f"Missing condition in {keyword} statement after '{keyword} ('.")
            condition = self.statement()
            self.expect(")", "Missing closing ')' after expression in 'if' statement.")
            self.depth -= 1
            self.skip_newlines()
            clauses.append(
                (condition, self.braced(f"Missing statement block after {keyword} ( condition )."))
            )
            mark = self.pos
            self.skip_newlines()
            token = self.peek()
            word = token.value.lower() if token.kind is Kind.WORD else ""
            if word == "elseif":
                keyword = "elseif"
                continue
            if word == "else":
                self.take()
                self.skip_newlines()
                otherwise = self.braced("Missing statement block after 'else' keyword.")
            else:
                self.pos = mark
            return If(tuple(clauses), otherwise)

    def braced(self, message: str) -> Block:
        if not self.at(Kind.PUNCT, "{"):
            raise parser_error(message, incomplete=self.at(Kind.EOF))
        self.take()
        block = self.statements(until="}")
        self.take()  # }
        return block

    # -- expressions, lowest precedence first -----------------------------------------------

    def expression(self) -> Node:
        node = self.comparison()
        while self.at(Kind.DASH) and self.peek().value in _LOGICAL:
            operator = self.take().value
            node = Binary(operator, node, self.operand_after(f"-{operator}", self.comparison))
        return node

    def operand_after(self, operator: str, parse: Callable[[], Node]) -> Node:
        """The right side of a binary operator (new lines may come first)."""
        self.skip_newlines()
        token = self.peek()
        if token.kind is Kind.EOF or (token.kind is Kind.PUNCT and token.value in ")}];,|"):
            raise parser_error(
                f"You must provide a value expression following the '{operator}' operator."
            )
        return parse()

    def comparison(self) -> Node:
        node = self.additive()
        while self.at(Kind.DASH):
            word = self.peek().value
            if word in _LOGICAL:
                break
            parsed = Operator.parse(word)
            base = word[1:] if word[:1] in ("c", "i") and word[1:] in _TEXT_OPERATORS else word
            if parsed is None and base not in _TEXT_OPERATORS:
                if word in _UNSUPPORTED_OPERATORS:
                    raise parser_error(
                        f"The '-{word}' operator is not supported in jobtui's script blocks."
                    )
                raise parser_error(f"Unexpected token '-{word}' in expression or statement.")
            self.take()
            right = self.operand_after(f"-{word}", self.additive)
            if parsed is not None:
                node = Comparison(parsed[0], parsed[1], node, right)
            else:
                node = Binary(base, node, right, word.startswith("c"))
        return node

    def additive(self) -> Node:
        node = self.multiplicative()
        while self.at(Kind.PUNCT) and self.peek().value in ("+", "-"):
            operator = self.take().value
            node = Binary(operator, node, self.operand_after(operator, self.multiplicative))
        return node

    def multiplicative(self) -> Node:
        node = self.formatted()
        while self.at(Kind.PUNCT) and self.peek().value in ("*", "/", "%"):
            operator = self.take().value
            node = Binary(operator, node, self.operand_after(operator, self.formatted))
        return node

    def formatted(self) -> Node:
        node = self.range()
        while self.at(Kind.DASH, "f"):
            self.take()
            node = Binary("f", node, self.operand_after("-f", self.range))
        return node

    def range(self) -> Node:
        node = self.array()
        if self.accept(Kind.PUNCT, ".."):
            node = Binary("..", node, self.operand_after("..", self.array))
        return node

    def array(self) -> Node:
        first = self.unary()
        if self.comma_separates or not self.at(Kind.PUNCT, ","):
            return first
        items = [first]
        while self.accept(Kind.PUNCT, ","):
            self.skip_newlines()
            token = self.peek()
            if token.kind is Kind.EOF or (token.kind is Kind.PUNCT and token.value in ")};,"):
                raise parser_error("Missing expression after ','.")
            items.append(self.unary())
        return ArrayItems(tuple(items))

    def unary(self) -> Node:
        self.enter()
        try:
            return self._unary()
        finally:
            self.nesting -= 1

    def enter(self) -> None:
        """One level deeper (an operand, a block); too deep is an error, not a crash."""
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise parser_error(f"The script block nests too deeply (at most {MAX_NESTING} levels).")

    def _unary(self) -> Node:
        token = self.peek()
        if token.kind is Kind.DASH and token.value in ("not", "join", "split"):
            self.take()
            return Unary(token.value, self.operand_after(f"-{token.value}", self.unary))
        if token.kind is Kind.DASH and token.value == "bnot":
            raise parser_error("The '-bnot' operator is not supported in jobtui's script blocks.")
        if token.kind is Kind.PUNCT and token.value in ("!", "-", "+"):
            self.take()
            operator = "not" if token.value == "!" else token.value
            return Unary(operator, self.operand_after(token.value, self.unary))
        if token.kind is Kind.PUNCT and token.value == "[":
            return self.cast()
        return self.postfix(self.primary())

    def cast(self) -> Node:
        self.take()  # [
        name_parts: list[str] = []
        while not self.at(Kind.PUNCT, "]"):
            token = self.take()
            if token.kind is Kind.EOF:
                raise parser_error("Missing ']' at the end of a type name.", incomplete=True)
            name_parts.append(token.text(self.source))
        self.take()  # ]
        written = "".join(name_parts).strip()
        if not written:
            raise parser_error("Missing type name after '['.")
        type_name = CAST_TYPES.get(written.lower())
        if type_name is None:
            raise parser_error(f"Unable to find type [{written}].")
        if self.at(Kind.PUNCT, "::"):
            raise parser_error(
                f"Static members ([{written}]::Name) are not supported in jobtui's script blocks."
            )
        token = self.peek()
        if (
            token.kind in (Kind.NEWLINE, Kind.EOF)
            or (token.kind is Kind.PUNCT and token.value in ")};,|")
            or (token.kind is Kind.DASH and token.value not in ("not", "join", "split"))
        ):
            raise parser_error(
                f"A type literal ([{written}]) is not a value in jobtui's script blocks: cast a "
                f"value with [{written}]$value."
            )
        return Cast(type_name, self.unary())

    def primary(self) -> Node:
        token = self.take()
        kind = token.kind
        if kind is Kind.NUMBER:
            return Literal(token.number)
        if kind is Kind.STRING:
            return Literal(token.value)
        if kind is Kind.EXPANDABLE:
            return expandable(token.value, self.nesting + 1)
        if kind is Kind.VARIABLE:
            constants = {"true": True, "false": False, "null": None}
            if token.value.lower() in constants:
                return Literal(constants[token.value.lower()])
            return Variable(token.value)
        if kind is Kind.PUNCT and token.value in ("(", "$(", "@("):
            if token.value == "(":
                self.depth += 1
                saved_comma, self.comma_separates = self.comma_separates, False
                if self.at(Kind.PUNCT, ")"):
                    raise parser_error("An expression was expected after '('.")
                inner = self.statement()
                self.comma_separates = saved_comma
                self.expect(")", "Missing closing ')' in expression.", incomplete=True)
                self.depth -= 1
                return SubExpression(Block((inner,)))
            body = self.statements(until=")")
            self.take()  # )
            return SubExpression(body, array=token.value == "@(")
        if kind is Kind.PUNCT and token.value == "@{":
            raise parser_error("Hash tables (@{ }) are not supported in jobtui's script blocks.")
        if kind is Kind.PUNCT and token.value == "{":
            raise parser_error("A script block inside a script block is not supported.")
        if kind is Kind.WORD:
            raise parser_error(
                f"Unexpected token '{token.value}' in expression or statement: it is not a "
                f"cmdlet of jobtui; a string needs quotes ('{token.value}') and a shell command "
                f"runs as a job (Start-Job {{ {token.value} }})."
            )
        if kind is Kind.EOF:
            raise parser_error("An expression was expected.", incomplete=False)
        raise self.unexpected(token)

    def postfix(self, node: Node) -> Node:
        while True:
            token = self.peek()
            if token.spaced or token.kind is not Kind.PUNCT:
                return node
            if token.value in (".", "::"):
                self.take()
                name = self.take()
                if name.kind is not Kind.WORD or name.spaced:
                    raise parser_error("Missing property name after the reference operator '.'.")
                if token.value == "::":
                    raise parser_error(
                        "Static members (::) are not supported in jobtui's script blocks."
                    )
                if self.at(Kind.PUNCT, "(") and not self.peek().spaced:
                    node = MethodCall(node, name.value, self.arguments())
                else:
                    node = Member(node, name.value)
            elif token.value == "[":
                self.take()
                self.depth += 1
                if self.at(Kind.PUNCT, "]"):
                    raise parser_error("Array index expression is missing or not valid.")
                saved_comma, self.comma_separates = self.comma_separates, False
                index = self.expression()
                self.comma_separates = saved_comma
                self.expect("]", "Missing ']' after array index expression.", incomplete=True)
                self.depth -= 1
                node = Index(node, index)
            else:
                return node

    def arguments(self) -> tuple[Node, ...]:
        self.take()  # (
        self.depth += 1
        saved_comma, self.comma_separates = self.comma_separates, True
        items: list[Node] = []
        try:
            if self.accept(Kind.PUNCT, ")"):
                return ()
            while True:
                items.append(self.expression())
                if self.accept(Kind.PUNCT, ")"):
                    return tuple(items)
                if not self.accept(Kind.PUNCT, ","):
                    if self.at(Kind.EOF):
                        raise parser_error("Missing closing ')' in method call.", incomplete=True)
                    raise self.unexpected(self.peek())
        finally:
            self.comma_separates = saved_comma
            self.depth -= 1


def expandable(raw: str, nesting: int = 0) -> Expandable:
    """A "double-quoted string"'s text split into text and the variables and ``$( )`` in it
    (``"$_.Name"`` expands ``$_`` only, as in PowerShell; ``$($_.Name)`` the member)."""
    parts: list[str | Node] = []
    for part in expandable_parts(raw):
        if isinstance(part, str):
            parts.append(part)
        elif part.subexpression:
            inner = _Parser(part.text, nesting + 1).statements(until=None)
            parts.append(SubExpression(inner))
        else:
            parts.append(_variable_node(part.text))
    return Expandable(tuple(parts))


def _command_end(source: str, start: int) -> int:
    """Where the cmdlet statement at ``start`` ends: at ``;``, a new line, or a ``}`` or ``)``
    that closes what holds it (the line's lexer skips the braces and quotes inside it)."""
    depth = 0
    previous: LineToken | None = None
    pos = start
    while True:
        token = next_token(source, pos, previous)
        kind = token.kind
        if kind is LineKind.EOF:
            return len(source)
        if depth == 0 and kind in (LineKind.SEMI, LineKind.NEWLINE, LineKind.RBRACE):
            return token.start
        if kind is LineKind.LPAREN:
            depth += 1
        elif kind is LineKind.RPAREN:
            if depth == 0:
                return token.start
            depth -= 1
        pos = token.end
        previous = token


def _variable_node(name: str) -> Node:
    constants = {"true": True, "false": False, "null": None}
    if name.lower() in constants:
        return Literal(constants[name.lower()])
    return Variable(name)
