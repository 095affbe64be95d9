"""Which language a statement is in: PowerShell's (the cmdlets, variables, values) or the shell's.

A statement that starts with a cmdlet, an alias, a variable, a quoted string or ``(`` followed by
one of those is PowerShell; any other statement is a shell command, started as a job (exactly as
``COMMAND &``). A few words are both (``cd``, ``pwd``): they are the shell's in a ``&&`` chain
and before ``&``. Inside a shell command's text, a ``;`` or ``&`` followed by PowerShell
(:func:`powershell_follows`) ends the shell's part.
"""

from __future__ import annotations

from jobtui.commands.errors import CommandError
from jobtui.commands.lexer import END_OF_STATEMENT, Token, TokenKind, next_token
from jobtui.commands.powershell_only import powershell_only
from jobtui.commands.registry import find_cmdlet
from jobtui.commands.values import constant_value_or_none
from jobtui.engine.local import builtins as engine_builtins

#: Aliases that are also the shell's own commands. Inside a shell command's text
#: (``for d in a b; do cd $d; make; done``), in a ``&&``/``||`` chain (``cd src && make``) and
#: in the background (``pwd -P &``) they are the shell's, and the statement is a job; anywhere
#: else, the session's cmdlets.
SHELL_WORDS = frozenset({"cd", "chdir", "pwd", "echo"})


def starts_statement(word: str) -> bool:
    """Whether ``word`` at the start of a statement makes it PowerShell (a cmdlet or alias)."""
    return find_cmdlet(word) is not None


def names_our_cmdlet(token: Token) -> bool:
    """Whether ``token`` is a cmdlet's name that is not also the shell's (``cd``, ``pwd``)."""
    return (
        token.kind is TokenKind.GENERIC
        and starts_statement(token.value)
        and token.value.lower() not in SHELL_WORDS
    )


#: What may follow ``$name`` in a PowerShell statement that a shell's text gives way to.
_AFTER_VARIABLE = END_OF_STATEMENT | {
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
            return names_our_cmdlet(token) or (
                powershell_only(line, token.start, starts_statement) is not None
            )
        if token.kind is TokenKind.VARIABLE:
            after = next_token(line, token.end, token)
            if after.kind is TokenKind.EQUALS and line.startswith("==", after.start):
                return False
            return after.kind in _AFTER_VARIABLE
        if token.kind is TokenKind.LPAREN:
            return names_our_cmdlet(next_token(line, token.end, token))
    except CommandError:
        return False  # an open quote or brace: not a statement of ours
    return False


def is_shell_start(line: str, token: Token, *, after_assignment: bool) -> bool:
    """Whether the statement starting with ``token`` is a shell command."""
    kind = token.kind
    if kind in (TokenKind.VARIABLE, TokenKind.PARAMETER):
        return False
    if kind is TokenKind.LPAREN:
        return token.value == "(" and not _parens_hold_powershell(line, token)
    if kind is TokenKind.GENERIC:
        if starts_statement(token.value):
            return _runs_in_a_job(line, token)
        # A number or a range is a value ("$x = 5", "1..5 | Measure-Object -Sum"); any other
        # word starts a shell command.
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


def _runs_in_a_job(line: str, first: Token) -> bool:
    """Whether a statement that starts with a cmdlet's name runs in a job instead: a shell
    word in a ``&&``/``||`` chain or before ``&`` (``cd src && make``, ``pwd -P &``), or a
    cmdlet the engine also runs in jobs, before ``&`` (``Start-Sleep 10 &``)."""
    word = first.value.lower()
    if word not in SHELL_WORDS and word not in engine_builtins.BUILTINS:
        return False
    previous = first
    try:
        while True:
            token = next_token(line, previous.end, previous)
            if token.kind in END_OF_STATEMENT:
                return token.kind is TokenKind.AMP
            if token.kind is TokenKind.OPERATOR and token.value in ("&&", "||"):
                return word in SHELL_WORDS
            previous = token
    except CommandError:
        return False  # an open quote or brace: the statement's parse will say so


def _parens_hold_powershell(line: str, lparen: Token) -> bool:
    inner = next_token(line, lparen.end, lparen)
    if inner.kind in (TokenKind.VARIABLE, TokenKind.LPAREN):
        return True
    if inner.kind is TokenKind.GENERIC and not isinstance(constant_value_or_none(inner.value), str):
        return True  # (1..5), (3)
    return names_our_cmdlet(inner)  # (cd /tmp; ls) is the shell's subshell
