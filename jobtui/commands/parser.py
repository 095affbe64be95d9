"""The parser: a command line to its syntax tree (:mod:`jobtui.commands.syntax`).

A statement that starts with a cmdlet, an alias, a variable, a quoted string or ``(`` followed by
one of those is PowerShell; any other statement is a shell command, started as a job (exactly as
``COMMAND &``). The shell's text is taken verbatim to the end of the line, unless a ``;`` or
``&`` in it is followed by a PowerShell statement (:func:`powershell_follows`): ``a & b`` is one
job, ``make; Get-Job`` a job and a cmdlet. A trailing ``&`` is the background operator, not part
of the command.
"""

from __future__ import annotations

import re

from jobtui.commands.errors import CommandError, parser_error
from jobtui.commands.lexer import (
    Token,
    TokenKind,
    is_name_char,
    next_token,
    scan_shell_command,
    unescape,
)
from jobtui.commands.registry import find_cmdlet
from jobtui.commands.syntax import (
    ArrayLiteral,
    CommandCall,
    CommandElement,
    CommandParameter,
    Constant,
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
from jobtui.engine.local import builtins as engine_builtins

_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+)$")
_RANGE = re.compile(r"^([+-]?\d+)\.\.([+-]?\d+)$")
#: A range longer than this is refused (PowerShell's own limit is 50,000,000; ours is smaller
#: because nothing in the job cmdlets needs more).
MAX_RANGE = 10_000
_END_OF_STATEMENT = {TokenKind.SEMI, TokenKind.AMP, TokenKind.NEWLINE, TokenKind.EOF}
_END_OF_COMMAND = _END_OF_STATEMENT | {
    TokenKind.PIPE,
    TokenKind.RPAREN,
    TokenKind.REDIRECT,
    TokenKind.OPERATOR,
}


def parse(line: str) -> Script:
    """The syntax tree of ``line``; raises :class:`CommandError` ("ParserError: ...")."""
    return _Parser(line).script()


def constant_value(word: str) -> object:
    """What a bare word means: an int, a float, a range's list of ints, or the word itself."""
    if _INT.match(word):
        return int(word)
    if _FLOAT.match(word):
        return float(word)
    match = _RANGE.match(word)
    if match:
        start, stop = int(match.group(1)), int(match.group(2))
        if abs(stop - start) >= MAX_RANGE:
            raise parser_error(f"The range {word} is too long (at most {MAX_RANGE} numbers).")
        step = 1 if stop >= start else -1
        return list(range(start, stop + step, step))
    return word


#: Aliases that are also the shell's own commands. Inside a shell command's text
#: (``for d in a b; do cd $d; make; done``), in a ``&&``/``||`` chain (``cd src && make``) and
#: in the background (``pwd -P &``) they are the shell's, and the statement is a job; anywhere
#: else, the session's cmdlets.
SHELL_WORDS = frozenset({"cd", "chdir", "pwd", "echo"})


def starts_statement(word: str) -> bool:
    """Whether ``word`` at the start of a statement makes it PowerShell (a cmdlet or alias)."""
    return find_cmdlet(word) is not None


def _names_our_cmdlet(token: Token) -> bool:
    """Whether ``token`` is a cmdlet's name that is not also the shell's (``cd``, ``pwd``)."""
    return (
        token.kind is TokenKind.GENERIC
        and starts_statement(token.value)
        and token.value.lower() not in SHELL_WORDS
    )


#: What may follow ``$name`` in a PowerShell statement that a shell's text gives way to.
_AFTER_VARIABLE = _END_OF_STATEMENT | {
    TokenKind.EQUALS,
    TokenKind.PIPE,
    TokenKind.MEMBER,
    TokenKind.INDEX,
}


def powershell_follows(line: str, pos: int) -> bool:
    """Whether a PowerShell statement starts at ``pos`` (after a ``;`` or ``&`` in shell text).

    It does with a cmdlet or alias (``make; Get-Job``), a variable used as PowerShell uses one
    (``sleep 5 & $job = Get-Job``, ``make; $job.State``; not ``cd x; $EDITOR file``, which is
    the shell's) or a ``(`` subexpression of a cmdlet (``sleep 5 & (Get-Job).Count``).
    """
    try:
        token = next_token(line, pos)
        if token.kind is TokenKind.GENERIC:
            return _names_our_cmdlet(token)
        if token.kind is TokenKind.VARIABLE:
            after = next_token(line, token.end, token)
            if after.kind is TokenKind.EQUALS and line.startswith("==", after.start):
                return False
            return after.kind in _AFTER_VARIABLE
        if token.kind is TokenKind.LPAREN:
            return _names_our_cmdlet(next_token(line, token.end, token))
    except CommandError:
        return False  # an open quote or brace: not a statement of ours
    return False


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
        start = self.peek().start
        first = self.peek()
        assign_to: VariableExpression | None = None
        if first.kind is TokenKind.VARIABLE and self._assignment_follows(first):
            self.take()
            self.take()  # "="
            assign_to = VariableExpression(first.value)
            if self.peek().kind in _END_OF_COMMAND:
                raise parser_error(
                    "You must provide a value expression following the '=' operator."
                )
            body_start = self.peek()
            if self._is_shell_start(body_start, after_assignment=True):
                if inside_parens:
                    raise self._shell_in_parens(body_start)
                return self._shell_statement(start, body_start.start, assign_to)
        elif self._is_shell_start(first, after_assignment=False):
            if inside_parens:
                raise self._shell_in_parens(first)
            return self._shell_statement(start, first.start, None)
        pipeline, redirections = self.pipeline()
        end = self.pos
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
        return Statement(
            pipeline,
            self.line[start:end].strip(),
            assign_to=assign_to,
            redirections=tuple(redirections),
        )

    def _assignment_follows(self, variable: Token) -> bool:
        after = next_token(self.line, variable.end, variable)
        return after.kind is TokenKind.EQUALS and not self.line.startswith("==", after.start)

    def _is_shell_start(self, token: Token, *, after_assignment: bool) -> bool:
        """Whether the statement starting with ``token`` is a shell command."""
        kind = token.kind
        if kind in (TokenKind.VARIABLE, TokenKind.PARAMETER):
            return False
        if kind is TokenKind.LPAREN:
            return not self._parens_hold_powershell(token)
        if kind is TokenKind.GENERIC:
            if starts_statement(token.value):
                return self._runs_in_a_job(token)
            # A number or a range is a value ("$x = 5", "1..5 | Measure-Object -Sum"); any
            # other word starts a shell command.
            return isinstance(constant_value_or_none(token.value), str)
        if after_assignment:
            return kind not in (
                TokenKind.STRING,
                TokenKind.EXPANDABLE_STRING,
                TokenKind.SCRIPT_BLOCK,
            )
        # A quoted string is a value, as in PowerShell ('Job1' | Stop-Job); "{ a; b; } &" is
        # the shell's group.
        return kind in (TokenKind.SCRIPT_BLOCK, TokenKind.OPERATOR) and token.value not in (
            "&&",
            "||",
            "<",
        )

    def _runs_in_a_job(self, first: Token) -> bool:
        """Whether a statement that starts with a cmdlet's name runs in a job instead: a shell
        word in a ``&&``/``||`` chain or before ``&`` (``cd src && make``, ``pwd -P &``), or a
        cmdlet the engine also runs in jobs, before ``&`` (``Start-Sleep 10 &``)."""
        word = first.value.lower()
        if word not in SHELL_WORDS and word not in engine_builtins.BUILTINS:
            return False
        previous = first
        try:
            while True:
                token = next_token(self.line, previous.end, previous)
                if token.kind in _END_OF_STATEMENT:
                    return token.kind is TokenKind.AMP
                if token.kind is TokenKind.OPERATOR and token.value in ("&&", "||"):
                    return word in SHELL_WORDS
                previous = token
        except CommandError:
            return False  # an open quote or brace: the statement's parse will say so

    def _parens_hold_powershell(self, lparen: Token) -> bool:
        inner = next_token(self.line, lparen.end, lparen)
        if inner.kind in (TokenKind.VARIABLE, TokenKind.LPAREN):
            return True
        if inner.kind is TokenKind.GENERIC and not isinstance(
            constant_value_or_none(inner.value), str
        ):
            return True  # (1..5), (3)
        return _names_our_cmdlet(inner)  # (cd /tmp; ls) is the shell's subshell

    def _shell_in_parens(self, token: Token) -> CommandError:
        return parser_error(
            f"'{token.text(self.line)}' is not a cmdlet: only the job cmdlets and variables can "
            "be used inside ( ); start shell commands with Start-Job { ... }."
        )

    def _shell_statement(
        self, start: int, body_start: int, assign_to: VariableExpression | None
    ) -> Statement:
        scan = scan_shell_command(self.line, body_start, powershell_follows)
        text = self.line[body_start : scan.command_end].strip()
        self.pos = scan.end
        self.previous = None
        self._peeked = None
        if scan.terminator:
            self.take()
        if not text:
            raise parser_error("An empty pipe element is not allowed.")
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
                    raise parser_error("An empty pipe element is not allowed.")
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
                continue
            operator = self.peek()
            if operator.kind is TokenKind.OPERATOR:
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
            statement = self.statement(inside_parens=True)
            close = self.peek()
            if close.kind is not TokenKind.RPAREN:
                raise parser_error("Missing closing ')' in expression.", incomplete=True)
            self.take()
            expression = SubExpression(statement)
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
        raw = token.value
        parts: list[str | Expression] = []
        text: list[str] = []
        i = 0
        while i < len(raw):
            ch = raw[i]
            if ch == "`" and i + 1 < len(raw):
                text.append(unescape(raw[i : i + 2]))
                i += 2
                continue
            if ch == '"' and raw.startswith('""', i):
                text.append('"')
                i += 2
                continue
            if ch == "$" and i + 1 < len(raw):
                nxt = raw[i + 1]
                if nxt == "(":
                    depth, j = 0, i + 1
                    while j < len(raw):
                        depth += {"(": 1, ")": -1}.get(raw[j], 0)
                        if depth == 0:
                            break
                        j += 1
                    inner = _Parser(raw[i + 2 : j])
                    statement = inner.statement(inside_parens=True)
                    if inner.peek().kind is not TokenKind.EOF:
                        raise inner.unexpected(inner.peek())
                    parts.append("".join(text))
                    text = []
                    parts.append(SubExpression(statement))
                    i = j + 1
                    continue
                if nxt == "{" and "}" in raw[i:]:
                    close = raw.index("}", i)
                    parts.append("".join(text))
                    text = []
                    parts.append(VariableExpression(raw[i + 2 : close]))
                    i = close + 1
                    continue
                if is_name_char(nxt) or nxt in "?":
                    j = i + 1
                    while j < len(raw) and (
                        is_name_char(raw[j])
                        or (raw[j] == ":" and j + 1 < len(raw) and is_name_char(raw[j + 1]))
                    ):
                        j += 1
                    if nxt == "?":
                        j = i + 2
                    parts.append("".join(text))
                    text = []
                    parts.append(VariableExpression(raw[i + 1 : j]))
                    i = j
                    continue
            text.append(ch)
            i += 1
        parts.append("".join(text))
        return ExpandableString(tuple(p for p in parts if p != ""), token.text(self.line))


def constant_value_or_none(word: str) -> object:
    """Like :func:`constant_value`, but a too-long range is just the word (never raises)."""
    try:
        return constant_value(word)
    except CommandError:
        return word
