"""Parameter binding: a parsed command call to its cmdlet's parameters, as PowerShell binds.

Named parameters first (exact names, aliases, unique prefixes), then positional arguments by
type (``3`` binds -Id, ``Job3`` binds -Name, a job object binds -Job), then the parameter set
and its mandatory parameters. :func:`check_line` runs everything that does not depend on
variables before anything runs, so a line with a wrong parameter starts nothing.
"""

from __future__ import annotations

import re
import shlex
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jobtui.commands.cmdlets import Cmdlet, Parameter, ParamType, find_cmdlet, resolve_parameter
from jobtui.commands.errors import CommandError
from jobtui.commands.syntax import (
    ArrayLiteral,
    CommandCall,
    CommandParameter,
    Constant,
    Expression,
    Pipeline,
    Script,
    ScriptBlockExpression,
    ShellCommand,
    SubExpression,
)
from jobtui.commands.values import PathInfo, ScriptBlock, to_text, type_name
from jobtui.engine import Job, JobState
from jobtui.engine.local import builtins as engine_builtins

Evaluator = Callable[[Expression], object]


class NotConstant(Exception):
    """Raised by the static evaluator for an expression that needs the session (a variable)."""


@dataclass
class BoundCommand:
    """A command with its parameters bound: the set chosen and each parameter's value."""

    cmdlet: Cmdlet
    set_name: str
    values: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        """The value of a parameter (by canonical name), or ``default`` if not given."""
        return self.values.get(name, default)

    def has(self, name: str) -> bool:
        """Whether the parameter was given."""
        return name in self.values

    def switch(self, name: str) -> bool:
        """Whether a switch is on."""
        return bool(self.values.get(name, False))


@dataclass(frozen=True)
class _Named:
    parameter: Parameter
    expression: Expression | None  # None: a switch written without a value
    written: str


def bind(call: CommandCall, evaluate: Evaluator, *, has_input: bool) -> BoundCommand:
    """Bind ``call``'s arguments, evaluating them with ``evaluate``; raises CommandError.

    ``has_input`` says whether a command before it in the pipeline sends it objects, which then
    bind to the parameter that takes pipeline input (-Job, -InputObject).
    """
    cmdlet = find_cmdlet(call.name)
    if cmdlet is None:
        raise CommandError(call.name, not_recognized(call.name))
    named, positional = _split(cmdlet, call)
    sets = _sets_for(cmdlet, [n.parameter for n in named.values()])
    values: dict[str, Any] = {}
    for name, item in named.items():
        if item.expression is None:
            values[name] = True
            continue
        values[name] = convert(cmdlet, item.parameter, evaluate(item.expression))
    for expression in positional:
        value = evaluate(expression)
        parameter, converted = _bind_positional(cmdlet, sets, values, value, expression)
        values[parameter.name] = converted
        sets = [s for s in sets if parameter.in_set(s)]
    set_name = _choose_set(cmdlet, sets, values, has_input)
    _check_mandatory(cmdlet, set_name, values, has_input)
    bound = BoundCommand(cmdlet, set_name, values)
    _validate(bound)
    return bound


def _split(cmdlet: Cmdlet, call: CommandCall) -> tuple[dict[str, _Named], list[Expression]]:
    """Named parameters (resolved, with their argument expressions) and positional arguments."""
    named: dict[str, _Named] = {}
    positional: list[Expression] = []
    elements = list(call.elements)
    i = 0
    while i < len(elements):
        element = elements[i]
        i += 1
        if not isinstance(element, CommandParameter):
            positional.append(element)
            continue
        parameter = resolve_parameter(cmdlet, element.name)
        if parameter.name in named:
            raise CommandError(
                cmdlet.name,
                f"Cannot bind parameter because parameter '{parameter.name}' is specified more "
                "than once. To provide multiple values to parameters that can accept multiple "
                'values, use the array syntax. For example, "-parameter value1,value2,value3".',
            )
        if parameter.unsupported is not None:
            raise CommandError(
                cmdlet.name,
                f"The {parameter.name} parameter is not supported on this system: "
                f"{parameter.unsupported}",
            )
        expression = element.argument
        if expression is None and not parameter.is_switch:
            if i >= len(elements) or isinstance(elements[i], CommandParameter):
                raise CommandError(
                    cmdlet.name,
                    f"Missing an argument for parameter '{parameter.name}'. Specify a parameter "
                    f"of type '{parameter.type.value}' and try again.",
                )
            next_element = elements[i]
            assert not isinstance(next_element, CommandParameter)
            expression = next_element
            i += 1
        named[parameter.name] = _Named(parameter, expression, element.text)
    return named, positional


def _sets_for(cmdlet: Cmdlet, parameters: list[Parameter]) -> list[str]:
    sets = [s for s in cmdlet.sets if all(p.in_set(s) for p in parameters)]
    if not sets:
        raise CommandError(cmdlet.name, _SET_ERROR)
    return sets


_SET_ERROR = (
    "Parameter set cannot be resolved using the specified named parameters. One or more "
    "parameters issued cannot be used together or an insufficient number of parameters were "
    "provided."
)


def _bind_positional(
    cmdlet: Cmdlet, sets: list[str], values: dict[str, Any], value: object, expression: Expression
) -> tuple[Parameter, object]:
    """The parameter a positional value binds to: the lowest free position, by type."""
    free = [
        p
        for p in cmdlet.parameters
        if p.position is not None and p.name not in values and any(p.in_set(s) for s in sets)
    ]
    if not free:
        raise CommandError(
            cmdlet.name,
            "A positional parameter cannot be found that accepts argument "
            f"'{_describe(value, expression)}'.",
        )
    lowest = min(p.position for p in free if p.position is not None)
    candidates = [p for p in free if p.position == lowest]
    for parameter in candidates:
        if _exact(value, parameter.type):
            return parameter, convert(cmdlet, parameter, value)
    first_error: CommandError | None = None
    for parameter in candidates:
        try:
            return parameter, convert(cmdlet, parameter, value)
        except CommandError as error:
            first_error = first_error or error
    assert first_error is not None
    raise first_error


def _describe(value: object, expression: Expression) -> str:
    if isinstance(expression, Constant):
        return expression.text
    return to_text(value)


def _exact(value: object, ptype: ParamType) -> bool:
    """Whether ``value`` is already of the type (PowerShell binds without coercion first)."""
    items = value if isinstance(value, list) else [value]
    if not items:
        return False

    def all_are(kind: type | tuple[type, ...]) -> bool:
        return all(isinstance(v, kind) and not isinstance(v, bool) for v in items)

    if ptype in (ParamType.INT, ParamType.INT_ARRAY):
        return all_are(int)
    if ptype is ParamType.DOUBLE:
        return all_are((int, float))
    if ptype in (ParamType.STRING, ParamType.STRING_ARRAY):
        return all_are(str)
    if ptype is ParamType.JOB_ARRAY:
        return all_are(Job)
    if ptype is ParamType.GUID_ARRAY:
        return all_are(uuid.UUID)
    if ptype is ParamType.JOB_STATE:
        return all_are(JobState)
    if ptype is ParamType.SCRIPT_BLOCK:
        return all_are(ScriptBlock)
    return False


def _choose_set(cmdlet: Cmdlet, sets: list[str], values: dict[str, Any], has_input: bool) -> str:
    if has_input:
        fed = [
            s
            for s in sets
            if any(
                p.from_pipeline and p.in_set(s) and p.name not in values for p in cmdlet.parameters
            )
        ]
        if fed:
            sets = fed
    # A set whose own (set-specific) parameter was given beats the default.
    specific = [
        s
        for s in sets
        if any(p.sets and s in p.sets and p.name in values for p in cmdlet.parameters)
    ]
    if len(specific) == 1:
        return specific[0]
    if cmdlet.default_set in sets:
        return cmdlet.default_set
    return sets[0]


def _check_mandatory(
    cmdlet: Cmdlet, set_name: str, values: dict[str, Any], has_input: bool
) -> None:
    missing = [
        p.name
        for p in cmdlet.parameters
        if set_name in p.mandatory and p.name not in values and not (has_input and p.from_pipeline)
    ]
    if missing:
        raise CommandError(
            cmdlet.name,
            "Cannot process command because of one or more missing mandatory parameters: "
            f"{' '.join(missing)}.",
        )


def _validate(bound: BoundCommand) -> None:
    """Rules between parameters that PowerShell checks before the cmdlet runs."""
    name = bound.cmdlet.name
    if name == "Receive-Job":
        if bound.switch("Wait") and bound.switch("Keep"):
            raise CommandError(
                name, "The Wait and Keep parameters cannot be used together in the same command."
            )
        if not bound.switch("Wait"):
            for switch, message in (
                (
                    "WriteEvents",
                    "The WriteEvents parameter cannot be used without the Wait parameter.",
                ),
                (
                    "AutoRemoveJob",
                    "The -AutoRemoveJob parameter cannot be used without the -Wait parameter",
                ),
                ("Force", "The -Force parameter cannot be used without the -Wait parameter."),
                (
                    "WriteJobInResults",
                    "The -WriteJobInResults parameter cannot be used without the -Wait parameter",
                ),
            ):
                if bound.switch(switch):
                    raise CommandError(name, message)
    if name == "Send-JobInput" and not bound.has("InputObject") and not bound.switch("Close"):
        raise CommandError(
            name,
            "Cannot process command because of one or more missing mandatory parameters: "
            "InputObject. Give the lines to send, -Close to end the job's input, or both.",
        )
    directory = bound.get("WorkingDirectory")
    if directory is not None and not str(directory).strip():
        raise CommandError(
            name,
            "Cannot validate argument on parameter 'WorkingDirectory'. The argument is null, "
            "empty, or consists of only white-space characters. Provide an argument that "
            "contains non white-space characters, and then try the command again.",
        )


# -- conversion -------------------------------------------------------------------------------


def convert(cmdlet: Cmdlet, parameter: Parameter, value: object) -> object:
    """``value`` converted to the parameter's type (PowerShell's messages when it cannot be)."""
    ptype = parameter.type
    if value is None and ptype not in (ParamType.OBJECT, ParamType.SWITCH, ParamType.BOOL):
        raise CommandError(
            cmdlet.name, f"Cannot bind argument to parameter '{parameter.name}' because it is null."
        )
    if ptype is ParamType.SWITCH:
        return _to_bool(cmdlet, parameter, value)
    if ptype is ParamType.BOOL:
        return _to_bool(cmdlet, parameter, value)
    if ptype is ParamType.OBJECT:
        return value
    if ptype is ParamType.OBJECT_ARRAY:
        return list(value) if isinstance(value, list | tuple) else [value]
    if ptype.value.endswith("[]"):
        items = list(value) if isinstance(value, list | tuple) else [value]
        if not items:
            raise CommandError(
                cmdlet.name,
                f"Cannot bind argument to parameter '{parameter.name}' because it is an empty "
                "array.",
            )
        return [_scalar(cmdlet, parameter, item) for item in items]
    if isinstance(value, list | tuple):
        if len(value) == 1:
            value = value[0]
        else:
            raise CommandError(
                cmdlet.name,
                f"Cannot convert '{type_name(value)}' to the type '{ptype.value}' required by "
                f"parameter '{parameter.name}'. Specified method is not supported.",
            )
    converted = _scalar(cmdlet, parameter, value)
    if isinstance(converted, int | float) and not isinstance(converted, bool):
        _check_range(cmdlet, parameter, converted)
    return converted


def _scalar(cmdlet: Cmdlet, parameter: Parameter, value: object) -> object:
    ptype = parameter.type
    if ptype in (ParamType.INT, ParamType.INT_ARRAY):
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, Job):
            return value.id  # Get-Job $job: the job by its Id
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
            return int(value)
        raise _cannot_convert(cmdlet, parameter, value, ptype)
    if ptype is ParamType.DOUBLE:
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                pass
        raise _cannot_convert(cmdlet, parameter, value, ptype)
    if ptype in (ParamType.STRING, ParamType.STRING_ARRAY):
        if isinstance(value, str | int | float | JobState | ScriptBlock | PathInfo | uuid.UUID):
            return to_text(value)
        raise _incompatible(cmdlet, parameter, value, ptype)
    if ptype is ParamType.JOB_ARRAY:
        if isinstance(value, Job):
            return value
        raise _incompatible(cmdlet, parameter, value, ParamType.JOB_ARRAY, element=True)
    if ptype is ParamType.GUID_ARRAY:
        if isinstance(value, uuid.UUID):
            return value
        if isinstance(value, Job):
            return value.instance_id
        try:
            return uuid.UUID(str(value))
        except ValueError:
            raise _cannot_convert(
                cmdlet,
                parameter,
                value,
                ptype,
                detail="Guid should contain 32 digits with 4 dashes "
                "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).",
            ) from None
    if ptype is ParamType.JOB_STATE:
        if isinstance(value, JobState):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return JobState(value)
            except ValueError:
                pass
        names = ", ".join(s.name for s in JobState)
        try:
            return JobState.parse(to_text(value))
        except ValueError:
            raise _cannot_convert(
                cmdlet,
                parameter,
                value,
                ptype,
                detail=f"Unable to match the identifier name {to_text(value)} to a valid "
                f"enumerator name. Specify one of the following enumerator names and try again: "
                f"{names}",
            ) from None
    if ptype is ParamType.SCRIPT_BLOCK:
        if isinstance(value, ScriptBlock):
            return value
        raise _incompatible(cmdlet, parameter, value, ptype)
    if ptype is ParamType.DATETIME:
        if isinstance(value, datetime):
            return value
        try:
            return datetime.fromisoformat(to_text(value).strip())
        except ValueError:
            raise _cannot_convert(cmdlet, parameter, value, ptype) from None
    raise _incompatible(cmdlet, parameter, value, ptype)


def _to_bool(cmdlet: Cmdlet, parameter: Parameter, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    kind = "SwitchParameter" if parameter.is_switch else "Boolean"
    raise CommandError(
        cmdlet.name,
        f"Cannot process argument transformation on parameter '{parameter.name}'. Cannot convert "
        f'value "{type_name(value)}" to type "System.{kind}". {kind} parameters accept only '
        "Boolean values and numbers, such as $True, $False, 1 or 0.",
    )


def _cannot_convert(
    cmdlet: Cmdlet, parameter: Parameter, value: object, ptype: ParamType, detail: str = ""
) -> CommandError:
    target = ptype.value.removesuffix("[]")
    tail = f' Error: "{detail}"' if detail else ""
    return CommandError(
        cmdlet.name,
        f"Cannot bind parameter '{parameter.name}'. Cannot convert value \"{to_text(value)}\" to "
        f'type "{target}".{tail}',
    )


def _incompatible(
    cmdlet: Cmdlet, parameter: Parameter, value: object, ptype: ParamType, *, element: bool = False
) -> CommandError:
    target = ptype.value.removesuffix("[]") if element else ptype.value
    return CommandError(
        cmdlet.name,
        f"Cannot bind parameter '{parameter.name}'. Cannot convert the \"{to_text(value)}\" value "
        f'of type "{type_name(value)}" to type "{target}".',
    )


def _check_range(cmdlet: Cmdlet, parameter: Parameter, value: float) -> None:
    shown = _number(value)
    if parameter.minimum is not None and value < parameter.minimum:
        least = _number(parameter.minimum)
        raise CommandError(
            cmdlet.name,
            f"Cannot validate argument on parameter '{parameter.name}'. The {shown} argument is "
            f"less than the minimum allowed range of {least}. Supply an argument that is greater "
            f"than or equal to {least} and then try the command again.",
        )
    if parameter.maximum is not None and value > parameter.maximum:
        most = _number(parameter.maximum)
        raise CommandError(
            cmdlet.name,
            f"Cannot validate argument on parameter '{parameter.name}'. The {shown} argument is "
            f"greater than the maximum allowed range of {most}. Supply an argument that is less "
            f"than or equal to {most} and then try the command again.",
        )


def _number(value: float) -> str:
    """A number as PowerShell prints it: ``5``, not ``5.0``."""
    return str(int(value)) if float(value).is_integer() else str(value)


# -- checking a whole line before it runs -----------------------------------------------------


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
        check_body(statement.body)


def check_body(body: Pipeline | ShellCommand) -> None:
    """The checks of :func:`check_line` for one statement's body."""
    if isinstance(body, ShellCommand):
        check_shell_command(body.text)
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
        named, _ = _split(cmdlet, call)
        _sets_for(cmdlet, [n.parameter for n in named.values()])
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


def not_recognized(name: str) -> str:
    """PowerShell's message for a command it cannot find."""
    return (
        f"The term '{name}' is not recognized as a name of a cmdlet, function, script file, or "
        "executable program. Check the spelling of the name, or if a path was included, verify "
        "that the path is correct and try again."
    )


def check_shell_command(text: str) -> None:
    """Refuse a shell command whose first word is a PowerShell-style cmdlet name that exists
    nowhere (``Get-Jbo``, ``Select-Object``): a typo, not a program to start as a job."""
    try:
        words = shlex.split(text, comments=False)
    except ValueError:
        return  # the shell reports its own syntax errors, as the job's Reason
    if not words:
        return
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
