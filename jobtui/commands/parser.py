"""The parser: a command text to its syntax tree (:mod:`jobtui.commands.syntax`).

Each statement is PowerShell or a shell command started as a job, as
:mod:`jobtui.commands.statement_kind` decides. The shell's text is taken verbatim to the end of
the line, unless a ``;`` or ``&`` in it is followed by a PowerShell statement: ``a & b`` is one
job, ``make; Get-Job`` a job and a cmdlet. A trailing ``&`` is the background operator, not part
of the command. PowerShell that jobtui does not run (``foreach (...)``) is refused
(:mod:`jobtui.commands.powershell_only`) rather than started as a shell command.

PowerShell statements are chained with ``&&`` and ``||`` (PowerShell 7's pipeline chains), and
``exit [N]`` ends the session. A statement continues on the next line after a trailing backtick,
``|``, ``&&`` or ``||``, and while a brace, parenthesis, quote or ``<# #>`` comment is open: such
a text raises an *incomplete* error (:func:`is_complete` is False), which more lines can
complete.
"""

from __future__ import annotations

from dataclasses import replace

from jobtui.commands.errors import CommandError, parser_error
from jobtui.commands.lexer import (
    END_OF_STATEMENT,
    Token,
    TokenKind,
    expandable_parts,
    next_token,
    unescape,
)
from jobtui.commands.powershell_only import HASH_TABLE, refuse
from jobtui.commands.registry import find_cmdlet
from jobtui.commands.shell_text import EMPTY_PIPE, missing_after_chain, scan_shell_command
from jobtui.commands.statement_kind import (
    is_shell_start,
    powershell_follows,
    starts_statement,
)
from jobtui.commands.syntax import (
    ArrayLiteral,
    ChainLink,
    ChainOperator,
    CommandCall,
    CommandElement,
    CommandParameter,
    Constant,
    Exit,
    ExpandableString,
    Expression,
    IndexExpression,
    MemberExpression,
    Pipeline,
    PipelineElement,
    Redirection,
    RedirectStream,
    Script,
    ScriptBlockExpression,
    ShellCommand,
    Statement,
    SubExpression,
    VariableExpression,
)
from jobtui.commands.values import constant_value

_END_OF_STATEMENT = END_OF_STATEMENT
_END_OF_COMMAND = END_OF_STATEMENT | {
    TokenKind.PIPE,
    TokenKind.RPAREN,
    TokenKind.REDIRECT,
    TokenKind.OPERATOR,
}


#: The errors of constructs the parser refuses.
CHAIN_IN_PARENS = "A pipeline chain (&&, ||) cannot be used inside ( ) in jobtui."
CHAIN_ASSIGNMENT = (
    "A pipeline chain (&&, ||) cannot be assigned in jobtui: assign each pipeline on its own."
)
EXIT_AS_VALUE = "The exit statement ends the session: it cannot be assigned or used inside ( )."


def _is_exit(token: Token) -> bool:
    return token.kind is TokenKind.GENERIC and token.value.lower() == "exit"


def parse(line: str) -> Script:
    """The syntax tree of ``line``; raises :class:`CommandError` ("ParserError: ...")."""
    return _Parser(line).script()


def is_complete(text: str) -> bool:
    """Whether ``text`` is whole, or needs more lines (an open brace, quote, parenthesis or
    block comment; a trailing backtick, ``|``, ``&&`` or ``||``), as PowerShell's ``>>``
    prompt asks for them. A text with an error is complete: running it reports the error."""
    try:
        parse(text)
    except CommandError as error:
        return not error.incomplete
    return True


class _Parser:
    """A recursive-descent parser over tokens scanned on demand from the line."""

    def __init__(self, line: str, start: int = 0, end: int | None = None) -> None:
        self.line = line if end is None else line[:end]
        self.pos = start
        self.previous: Token | None = None
        self._peeked: Token | None = None

    # -- tokens -----------------------------------------------------------------------------

    def peek(self) -> Token:
        if self._peeked is None:
            self._peeked = next_token(self.line, self.pos, self.previous)
        return self._peeked

    def take(self) -> Token:
        token = self.peek()
        self._peeked = None
        self.pos = token.end
        self.previous = token
        return token

    def unexpected(self, token: Token) -> CommandError:
        if token.kind is TokenKind.EOF:
            return parser_error("Unexpected end of line.")
        text = token.text(self.line)
        if token.kind is TokenKind.RBRACE:
            return parser_error("Unexpected token '}' in expression or statement.")
        if text == "<":
            return parser_error("The '<' operator is reserved for future use.")
        if token.kind is TokenKind.OPERATOR and token.value == "@{":
            return parser_error(HASH_TABLE)
        return parser_error(f"Unexpected token '{text}' in expression or statement.")

    # -- statements -------------------------------------------------------------------------

    def script(self) -> Script:
        statements: list[Statement] = []
        while True:
            token = self.peek()
            if token.kind is TokenKind.EOF:
                return Script(tuple(statements))
            if token.kind in (TokenKind.SEMI, TokenKind.NEWLINE):
                self.take()
                continue
            statements.append(self.statement())

    def statement(self, *, inside_parens: bool = False) -> Statement:
        """A statement and the rest of its pipeline chain (``a && b || c``), its terminator
        taken (except inside parentheses, whose ``)`` the caller takes)."""
        start = self.peek().start
        first = self._statement_part(inside_parens=inside_parens)
        if isinstance(first.body, ShellCommand):
            return first  # the shell's text ran to its terminator and took it
        links: list[ChainLink] = []
        last = first
        while True:
            operator = self.peek()
            if operator.kind is not TokenKind.OPERATOR or operator.value not in ("&&", "||"):
                break
            if inside_parens:
                raise parser_error(CHAIN_IN_PARENS)
            self.take()
            self._skip_newlines()
            if self.peek().kind is TokenKind.EOF:
                raise parser_error(missing_after_chain(operator.value), incomplete=True)
            last = self._statement_part(inside_parens=False)
            if last.assign_to is not None or first.assign_to is not None:
                raise parser_error(CHAIN_ASSIGNMENT)
            links.append(ChainLink(ChainOperator(operator.value), last))
            if isinstance(last.body, ShellCommand):
                break
        end = self.pos
        if not isinstance(last.body, ShellCommand):
            self._end_statement(inside_parens=inside_parens)
        if not links:
            return first
        text = self.line[start:end].strip().rstrip(";&").rstrip()
        return replace(first, text=text, chain=tuple(links))

    def _end_statement(self, *, inside_parens: bool) -> None:
        terminator = self.peek()
        if terminator.kind is TokenKind.AMP:
            raise parser_error(
                "Only a shell command can run in the background with '&'; the job cmdlets and "
                "variables act on this session's jobs."
            )
        if terminator.kind not in _END_OF_STATEMENT and not (
            inside_parens and terminator.kind is TokenKind.RPAREN
        ):
            raise self.unexpected(terminator)
        if terminator.kind is not TokenKind.EOF and not inside_parens:
            self.take()

    def _skip_newlines(self) -> None:
        while self.peek().kind is TokenKind.NEWLINE:
            self.take()

    def _statement_part(self, *, inside_parens: bool) -> Statement:
        """``[$var =] pipeline [redirections]``, ``exit [N]``, or a shell command (which takes
        its terminator); the terminator of the others is left to the caller."""
        start = self.peek().start
        first = self.peek()
        assign_to: VariableExpression | None = None
        body_start = first
        if first.kind is TokenKind.VARIABLE and self._assignment_follows(first):
            self.take()
            self.take()  # "="
            assign_to = VariableExpression(first.value)
            if self.peek().kind in _END_OF_COMMAND:
                raise parser_error(
                    "You must provide a value expression following the '=' operator."
                )
            body_start = self.peek()
        if _is_exit(body_start):
            if assign_to is not None or inside_parens:
                raise parser_error(EXIT_AS_VALUE)
            return self._exit(start)
        self._refuse_what_is_not_ours(body_start)
        if is_shell_start(self.line, body_start, after_assignment=assign_to is not None):
            if inside_parens:
                raise self._shell_in_parens(body_start)
            return self._shell_statement(start, body_start.start, assign_to)
        pipeline, redirections = self.pipeline()
        return Statement(
            pipeline,
            self.line[start : self.pos].strip(),
            assign_to=assign_to,
            redirections=tuple(redirections),
        )

    def _exit(self, start: int) -> Statement:
        self.take()  # exit
        code: Expression | None = None
        if self.peek().kind not in _END_OF_COMMAND:
            code = self.argument()
        return Statement(Exit(code), self.line[start : self.pos].strip())

    def _refuse_what_is_not_ours(self, token: Token) -> None:
        """A ParserError for PowerShell that jobtui does not run (``foreach (...)``,
        ``[void](...)``, ``@{ }``) where a shell command would otherwise start."""
        if token.kind is TokenKind.OPERATOR and token.value == "@{":
            raise parser_error(HASH_TABLE)
        if token.kind is TokenKind.GENERIC:
            # Before the cmdlets: at the start of a statement, foreach is PowerShell's keyword
            # even where ForEach-Object has it as an alias.
            refuse(self.line, token.start, starts_statement)

    def _assignment_follows(self, variable: Token) -> bool:
        after = next_token(self.line, variable.end, variable)
        return after.kind is TokenKind.EQUALS and not self.line.startswith("==", after.start)

    def _shell_in_parens(self, token: Token) -> CommandError:
        return parser_error(
            f"'{token.text(self.line)}' is not a cmdlet: only the job cmdlets and variables can "
            "be used inside ( ); start shell commands with Start-Job { ... }."
        )

    def _shell_statement(
        self, start: int, body_start: int, assign_to: VariableExpression | None
    ) -> Statement:
        scan = scan_shell_command(self.line, body_start, powershell_follows)
        text = scan.command(self.line, body_start)
        self.pos = scan.end
        self.previous = None
        self._peeked = None
        if scan.terminator:
            self.take()
        if not text:
            raise parser_error(EMPTY_PIPE)
        return Statement(
            ShellCommand(text),
            self.line[start : scan.end].strip(),
            assign_to=assign_to,
        )

    # -- pipelines --------------------------------------------------------------------------

    def pipeline(self) -> tuple[Pipeline, list[Redirection]]:
        elements: list[PipelineElement] = []
        redirections: list[Redirection] = []
        while True:
            token = self.peek()
            if token.kind in _END_OF_COMMAND and token.kind is not TokenKind.REDIRECT:
                if token.kind is TokenKind.OPERATOR and token.value not in ("&&", "||", "<"):
                    raise self.unexpected(token)
                if token.kind in (TokenKind.PIPE, TokenKind.EOF) or elements:
                    raise parser_error(EMPTY_PIPE)
                raise self.unexpected(token)
            if redirections:
                raise parser_error(
                    "A redirection (> file) can only end a pipeline: put it after the last command."
                )
            if token.kind is TokenKind.GENERIC and find_cmdlet(
                token.value, after_pipe=bool(elements)
            ):
                elements.append(self.command(redirections))
            elif elements:
                if token.kind is TokenKind.GENERIC:
                    raise parser_error(
                        f"'{token.value}' is not a cmdlet of jobtui: after '|' come its cmdlets "
                        "(the job cmdlets, Where-Object, Select-Object, Sort-Object, "
                        "Format-Table, ConvertTo-Json...). A shell pipeline goes inside the "
                        f"job: Start-Job {{ ... | {token.value} }}."
                    )
                raise parser_error(
                    "Expressions are only allowed as the first element of a pipeline."
                )
            else:
                elements.append(self.argument())
                while self.peek().kind is TokenKind.REDIRECT:
                    redirections.append(self.redirection())
                after = self.peek()
                if after.kind not in _END_OF_COMMAND:
                    raise self.unexpected(after)
            if self.peek().kind is TokenKind.PIPE:
                self.take()
                self._skip_newlines()  # a line that ends with '|' goes on on the next
                if self.peek().kind is TokenKind.EOF:
                    raise parser_error(EMPTY_PIPE, incomplete=True)
                continue
            operator = self.peek()
            if operator.kind is TokenKind.OPERATOR and operator.value not in ("&&", "||"):
                raise self.unexpected(operator)
            return Pipeline(tuple(elements)), redirections

    def command(self, redirections: list[Redirection]) -> CommandCall:
        name_token = self.take()
        elements: list[CommandElement] = []
        while True:
            token = self.peek()
            if token.kind is TokenKind.REDIRECT:
                redirections.append(self.redirection())
                continue
            if token.kind in _END_OF_COMMAND:
                break
            if token.kind is TokenKind.PARAMETER:
                self.take()
                argument: Expression | None = None
                if token.colon:
                    if self.peek().kind in _END_OF_COMMAND | {TokenKind.PARAMETER}:
                        raise parser_error(
                            f"Missing an argument for parameter '{token.value}' after ':'."
                        )
                    argument = self.argument()
                elements.append(
                    CommandParameter(token.value, argument, token.text(self.line), token.colon)
                )
                continue
            if token.kind in (TokenKind.RBRACE, TokenKind.EQUALS, TokenKind.COMMA):
                raise self.unexpected(token)
            elements.append(self.argument())
        text = self.line[name_token.start : self.pos].strip()
        name = name_token.value
        if find_cmdlet(name) is None:  # a pipeline alias (Get-Job | sort): the cmdlet's name
            cmdlet = find_cmdlet(name, after_pipe=True)
            name = cmdlet.name if cmdlet is not None else name
        return CommandCall(name, tuple(elements), text)

    def redirection(self) -> Redirection:
        op = self.take().value
        stream = {"2": RedirectStream.ERROR, "*": RedirectStream.ALL}.get(
            op[0], RedirectStream.OUTPUT
        )
        append = op.endswith(">>")
        if op == "2>&1":
            return Redirection(RedirectStream.ERROR, False, None)
        target = self.peek()
        if target.kind not in (TokenKind.GENERIC, TokenKind.STRING, TokenKind.EXPANDABLE_STRING):
            raise parser_error("Missing file specification after redirection operator.")
        self.take()
        path = (
            target.value
            if target.kind is not TokenKind.EXPANDABLE_STRING
            else unescape(target.value)
        )
        return Redirection(stream, append, path)

    # -- arguments and expressions ----------------------------------------------------------

    def argument(self) -> Expression:
        """A primary, or a comma list of primaries (``1,3`` or ``Job1, Job3``)."""
        first = self.primary()
        if self.peek().kind is not TokenKind.COMMA:
            return first
        items = [first]
        while self.peek().kind is TokenKind.COMMA:
            self.take()
            if self.peek().kind in _END_OF_COMMAND | {TokenKind.PARAMETER, TokenKind.COMMA}:
                raise parser_error("Missing argument in parameter list.")
            items.append(self.primary())
        return ArrayLiteral(tuple(items))

    def primary(self) -> Expression:
        token = self.take()
        kind = token.kind
        expression: Expression
        if kind is TokenKind.GENERIC:
            return Constant(constant_value(token.value), token.text(self.line))
        if kind is TokenKind.STRING:
            return Constant(token.value, token.text(self.line))
        if kind is TokenKind.EXPANDABLE_STRING:
            return self.expandable(token)
        if kind is TokenKind.SCRIPT_BLOCK:
            return ScriptBlockExpression(token.value)
        if kind is TokenKind.VARIABLE:
            expression = VariableExpression(token.value)
        elif kind is TokenKind.LPAREN:
            self._skip_newlines()
            statement = self.statement(inside_parens=True)
            self._skip_newlines()
            close = self.peek()
            if close.kind is not TokenKind.RPAREN:
                raise parser_error(
                    "Missing closing ')' in expression.",
                    incomplete=close.kind is TokenKind.EOF,
                )
            self.take()
            expression = SubExpression(statement, array=token.value == "@(")
        else:
            raise self.unexpected(token)
        return self.postfix(expression)

    def postfix(self, expression: Expression) -> Expression:
        while True:
            token = self.peek()
            if token.kind is TokenKind.MEMBER:
                self.take()
                expression = MemberExpression(expression, token.value)
            elif token.kind is TokenKind.INDEX:
                self.take()
                if not token.value.strip():
                    raise parser_error("Array index expression is missing or not valid.")
                inner = _Parser(token.value)
                index = inner.argument()
                if inner.peek().kind is not TokenKind.EOF:
                    raise parser_error("Array index expression is missing or not valid.")
                expression = IndexExpression(expression, index)
            else:
                return expression

    def expandable(self, token: Token) -> ExpandableString:
        """``"text $var $(pipeline)"`` split into text and expressions."""
        parts: list[str | Expression] = []
        for part in expandable_parts(token.value):
            if isinstance(part, str):
                parts.append(part)
            elif part.subexpression:
                inner = _Parser(part.text)
                statement = inner.statement(inside_parens=True)
                if inner.peek().kind is not TokenKind.EOF:
                    raise inner.unexpected(inner.peek())
                parts.append(SubExpression(statement))
            else:
                parts.append(VariableExpression(part.text))
        return ExpandableString(tuple(parts), token.text(self.line))
