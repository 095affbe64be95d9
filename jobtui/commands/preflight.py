"""The checks of a whole line before anything of it runs, so a wrong line starts nothing.

Commands whose arguments are all constants are bound completely (names, sets, conversions and
each cmdlet's own rules); the others as far as names, sets and their constant values go, and
variables decide the rest at run time. A shell command whose first word looks like a cmdlet
that exists nowhere (``Get-Jbo``) is a typo, not a program to start.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import shlex
import shutil

from jobtui.commands.binding import bind, sets_for, split_arguments
from jobtui.commands.conversion import convert, exit_code
from jobtui.commands.errors import CommandError, not_recognized
from jobtui.commands.registry import find_cmdlet
from jobtui.commands.syntax import (
    ArrayLiteral,
    CommandCall,
    CommandParameter,
    Constant,
    Exit,
    Expression,
    Pipeline,
    Script,
    ScriptBlockExpression,
    ShellCommand,
    SubExpression,
)
from jobtui.commands.values import ScriptBlock
from jobtui.engine.local import builtins as engine_builtins


class NotConstant(Exception):
    """Raised by the static evaluator for an expression that needs the session (a variable)."""


def constant(expression: Expression) -> object:
    """The value of an expression that needs no session; raises NotConstant otherwise."""
    if isinstance(expression, Constant):
        return expression.value
    if isinstance(expression, ScriptBlockExpression):
        return ScriptBlock(expression.text)
    if isinstance(expression, ArrayLiteral):
        return [constant(item) for item in expression.items]
    raise NotConstant()


def check_line(script: Script) -> None:
    """Every error that can be found before the line runs (nothing has started yet).

    Commands whose arguments are all constants are bound completely; the others as far as
    names, sets and the constant values go.
    """
    for statement in script.statements:
        for part in statement.parts():
            check_body(part.body)


def check_body(body: Pipeline | ShellCommand | Exit) -> None:
    """The checks of :func:`check_line` for one statement's body."""
    if isinstance(body, ShellCommand):
        check_shell_command(body.text)
        return
    if isinstance(body, Exit):
        if body.code is not None:
            _check_nested(body.code)
            with contextlib.suppress(NotConstant):
                exit_code(constant(body.code))
        return
    for index, element in enumerate(body.elements):
        if isinstance(element, CommandCall):
            _check_call(element, has_input=index > 0)
            for item in element.elements:
                _check_nested(item)
        else:
            _check_nested(element)


def _check_nested(item: object) -> None:
    if isinstance(item, CommandParameter) and item.argument is not None:
        _check_nested(item.argument)
    elif isinstance(item, SubExpression):
        check_body(item.statement.body)
    elif isinstance(item, ArrayLiteral):
        for each in item.items:
            _check_nested(each)


def _check_call(call: CommandCall, *, has_input: bool) -> None:
    cmdlet = find_cmdlet(call.name)
    if cmdlet is None:
        raise CommandError(call.name, not_recognized(call.name))
    try:
        bind(call, constant, has_input=has_input)
    except NotConstant:
        # Variables decide the rest at run time; names and duplicates are checked already.
        named, _ = split_arguments(cmdlet, call)
        sets_for(cmdlet, [n.parameter for n in named.values()])
        for item in named.values():
            try:
                if item.expression is not None:
                    convert(cmdlet, item.parameter, constant(item.expression))
            except NotConstant:
                continue


#: PowerShell's approved verbs: a word "Verb-Noun" with one of them looks like a cmdlet.
_VERBS = frozenset({
    "add", "approve", "assert", "backup", "block", "build", "checkpoint", "clear", "close",
    "compare", "complete", "compress", "confirm", "connect", "convert", "convertfrom",
    "convertto", "copy", "debug", "deny", "deploy", "disable", "disconnect", "dismount", "edit",
    "enable", "enter", "exit", "expand", "export", "find", "format", "get", "grant", "group",
    "hide", "import", "initialize", "install", "invoke", "join", "limit", "lock", "measure",
    "merge", "mount", "move", "new", "open", "optimize", "out", "ping", "pop", "protect",
    "publish", "push", "read", "receive", "redo", "register", "remove", "rename", "repair",
    "request", "reset", "resize", "resolve", "restart", "restore", "resume", "revoke", "save",
    "search", "select", "send", "set", "show", "skip", "split", "start", "step", "stop", "submit",
    "suspend", "switch", "sync", "test", "trace", "unblock", "undo", "uninstall", "unlock",
    "unprotect", "unpublish", "unregister", "update", "use", "wait", "watch", "write",
})  # fmt: skip
#: PowerShell remoting (about_Jobs' remote computers): started as jobs, which fail.
_REMOTING = frozenset({"invoke-command", "enter-pssession", "new-pssession", "receive-pssession"})
_CMDLET_SHAPE = re.compile(r"^([A-Za-z]+)-[A-Za-z]+$")


def check_shell_command(text: str) -> None:
    """Refuse a shell command whose first word is a PowerShell-style cmdlet name that exists
    nowhere (``Get-Jbo``, ``Select-Objekt``): a typo, not a program to start as a job; and one
    that pipes into a cmdlet (``ls | Where-Object ...``), which the shell cannot run."""
    try:
        words = shlex.split(text, comments=False)
    except ValueError:
        return  # the shell reports its own syntax errors, as the job's Reason
    if not words:
        return
    _check_piped_into_cmdlet(text)
    head = words[0]
    match = _CMDLET_SHAPE.match(head)
    if match is None or match.group(1).lower() not in _VERBS:
        return
    if head.lower() in engine_builtins.BUILTINS or engine_builtins.lookup(text) is not None:
        return
    if head.lower() in _REMOTING:
        return  # a Windows-only cmdlet of about_Jobs: it fails as a job, with a Reason
    if shutil.which(head) is not None:
        return
    raise CommandError(head, not_recognized(head))


def _check_piped_into_cmdlet(text: str) -> None:
    """``ls | Where-Object ...`` and ``make && Receive-Job 1``: in PowerShell a native
    command's lines flow into the cmdlet, or its status decides whether the cmdlet runs. Here
    the shell command is a job, and its shell cannot run the cmdlet. Only a Verb-Noun name
    counts (``ls | sort`` is the shell's sort)."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.commenters = ""
    try:
        tokens = list(lexer)
    except ValueError:
        return
    for before, word in itertools.pairwise(tokens):
        if before not in ("|", "&&", "||") or "-" not in word:
            continue
        cmdlet = find_cmdlet(word)
        if cmdlet is None or shutil.which(word) is not None:
            continue
        raise CommandError(
            cmdlet.name, _cmdlet_in_shell_text(before, cmdlet.name, cmdlet.acts_on_jobs)
        )


def _cmdlet_in_shell_text(operator: str, name: str, acts_on_jobs: bool) -> str:
    problem = f"the whole line would be one shell job, and the shell cannot run {name}."
    if operator != "|":
        return (
            f"A shell command cannot be chained to {name} with {operator}: {problem} Write them "
            f"as two statements: ...; {name} ..."
        )
    if acts_on_jobs:
        instead = f"Start the command as a job and pipe the job: Start-Job {{ ... }} | {name}"
    else:
        instead = f"Pipe the job's output: Start-Job {{ ... }} | Receive-Job -Wait | {name}"
    return f"A shell command cannot be piped into {name}: {problem} {instead}"
