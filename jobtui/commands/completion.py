"""Tab completion for the command bar: cmdlets, parameters, job ids and names, variables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobtui.commands.declaration import Cmdlet, ParamType, resolve_parameter
from jobtui.commands.errors import CommandError
from jobtui.commands.lexer import Token, TokenKind, tokenize
from jobtui.commands.registry import command_names, find_cmdlet
from jobtui.engine import Job, JobState

if TYPE_CHECKING:
    from jobtui.commands.session import CommandSession

#: Characters that end the word being completed.
_BREAKS = set(" \t|;&(){},=")
_COMMAND_RESET = {
    TokenKind.PIPE,
    TokenKind.SEMI,
    TokenKind.AMP,
    TokenKind.NEWLINE,
    TokenKind.LPAREN,
    TokenKind.EQUALS,
}


def complete(session: CommandSession, text: str) -> list[str]:
    """Every full replacement for ``text`` that completes its last word."""
    start = len(text)
    while start > 0 and text[start - 1] not in _BREAKS:
        start -= 1
    before, word = text[:start], text[start:]
    try:
        tokens = [t for t in tokenize(before) if t.kind is not TokenKind.EOF]
    except CommandError:
        return []  # inside an open quote or script block: nothing sensible to offer
    cmdlet, command_started, awaiting = _context(tokens)
    if word.startswith("$"):
        candidates = ["$" + name for name in list(session.variables)]
    elif not command_started:
        candidates = command_names()
    elif cmdlet is None:
        return []  # a shell command: the shell's words are not ours to guess
    elif word.startswith("-"):
        candidates = ["-" + p.name for p in cmdlet.parameters if p.unsupported is None]
    else:
        candidates = _values(session, cmdlet, awaiting)
    lowered = word.lower()
    matches = [c for c in candidates if c.lower().startswith(lowered) and c != word]
    return [before + m for m in dict.fromkeys(matches)]


def _context(tokens: list[Token]) -> tuple[Cmdlet | None, bool, str | None]:
    """The cmdlet of the command being typed, whether a command word was typed, and the
    parameter (as written) whose value the next word is; None for a positional word."""
    cmdlet: Cmdlet | None = None
    started = False
    awaiting: str | None = None  # a parameter written, its value not yet
    list_of: str | None = None  # the parameter whose value a following comma extends
    for token in tokens:
        if token.kind in _COMMAND_RESET or (
            token.kind is TokenKind.OPERATOR and token.value in ("&&", "||")
        ):
            cmdlet, started, awaiting, list_of = None, False, None, None
            continue
        if not started:
            if token.kind is TokenKind.VARIABLE:
                continue  # "$job = " or "$job |": the command comes later
            started = True
            cmdlet = find_cmdlet(token.value) if token.kind is TokenKind.GENERIC else None
            continue
        if token.kind is TokenKind.PARAMETER:
            awaiting = None if _is_switch(cmdlet, token.value) else token.value
            list_of = None
        elif token.kind is TokenKind.COMMA:
            awaiting = list_of
        else:
            list_of, awaiting = awaiting, None
    return cmdlet, started, awaiting


def _is_switch(cmdlet: Cmdlet | None, written: str) -> bool:
    if cmdlet is None:
        return False
    try:
        return resolve_parameter(cmdlet, written).is_switch
    except CommandError:
        return False


def _values(session: CommandSession, cmdlet: Cmdlet, awaiting: str | None) -> list[str]:
    jobs = session.engine.jobs  # top-level jobs: a child job is reached through its parent
    selects_jobs = cmdlet.acts_on_jobs and not cmdlet.name.startswith("Start-")
    if awaiting is None:
        # A positional argument of a job cmdlet: an Id or a Name.
        return [str(j.id) for j in jobs] + [j.name for j in jobs] if selects_jobs else []
    try:
        parameter = resolve_parameter(cmdlet, awaiting)
    except CommandError:
        return []
    if parameter.name == "Id":
        return [str(j.id) for j in jobs]
    if parameter.name == "Name" and selects_jobs:
        return [j.name for j in jobs]
    if parameter.name == "InstanceId":
        return [str(j.instance_id) for j in jobs]
    if parameter.name == "DependsOn":  # Start-Job's: the jobs it can wait for
        return [str(j.id) for j in jobs] + [j.name for j in jobs]
    if parameter.type is ParamType.JOB_ARRAY:
        return [
            "$" + name
            for name, value in list(session.variables.items())
            if isinstance(value, Job)
            or (isinstance(value, list) and value and all(isinstance(v, Job) for v in value))
        ]
    if parameter.type is ParamType.JOB_STATE:
        return [state.name for state in JobState]
    if parameter.type is ParamType.BOOL:
        return ["$true", "$false"]
    return []
