"""Parameter binding: a parsed command call to its cmdlet's parameters, as PowerShell binds.

Named parameters first (exact names, aliases, unique prefixes), then positional arguments by
type (``3`` binds -Id, ``Job3`` binds -Name, a job object binds -Job), then the parameter set
and its mandatory parameters, then the cmdlet's own rules (its ``check``). Values are converted
by :mod:`jobtui.commands.conversion`; :mod:`jobtui.commands.preflight` binds a whole line
before anything of it runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jobtui.commands.conversion import convert
from jobtui.commands.declaration import (
    BoundCommand,
    Cmdlet,
    Parameter,
    ParamType,
    resolve_parameter,
)
from jobtui.commands.errors import CommandError, not_recognized
from jobtui.commands.registry import find_cmdlet
from jobtui.commands.syntax import CommandCall, CommandParameter, Constant, Expression
from jobtui.commands.values import ScriptBlock, as_list, to_string
from jobtui.engine import Job, JobState

Evaluator = Callable[[Expression], object]


@dataclass(frozen=True)
class NamedArgument:
    """A named parameter as written, with its argument's expression."""

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
    named, positional = split_arguments(cmdlet, call)
    sets = sets_for(cmdlet, [n.parameter for n in named.values()])
    values: dict[str, Any] = {}
    for name, item in named.items():
        if item.expression is None:
            values[name] = True
            continue
        values[name] = convert(cmdlet, item.parameter, evaluate(item.expression))
    for expression in positional:
        value = evaluate(expression)
        rest = _remaining(cmdlet, sets, values)
        if rest is not None:  # Write-Output a b c: the leftovers join the first one's list
            values[rest.name] = [*values[rest.name], *as_list(convert(cmdlet, rest, value))]
            continue
        parameter, converted = _bind_positional(cmdlet, sets, values, value, expression)
        values[parameter.name] = converted
        sets = [s for s in sets if parameter.in_set(s)]
    set_name = _choose_set(cmdlet, sets, values, has_input)
    _check_mandatory(cmdlet, set_name, values, has_input)
    bound = BoundCommand(cmdlet, set_name, values)
    if cmdlet.check is not None:
        cmdlet.check(bound)
    return bound


def _remaining(cmdlet: Cmdlet, sets: list[str], values: dict[str, Any]) -> Parameter | None:
    """The parameter that takes the positional arguments left over, once it has its first
    (PowerShell's ValueFromRemainingArguments); None when a positional one is still free."""
    for parameter in cmdlet.parameters:
        if (
            parameter.remaining
            and parameter.name in values
            and any(parameter.in_set(s) for s in sets)
        ):
            free = [
                p
                for p in cmdlet.parameters
                if p.position is not None
                and p.name not in values
                and any(p.in_set(s) for s in sets)
            ]
            return None if free else parameter
    return None


def split_arguments(
    cmdlet: Cmdlet, call: CommandCall
) -> tuple[dict[str, NamedArgument], list[Expression]]:
    """Named parameters (resolved, with their argument expressions) and positional arguments."""
    named: dict[str, NamedArgument] = {}
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
        named[parameter.name] = NamedArgument(parameter, expression, element.text)
    return named, positional


def sets_for(cmdlet: Cmdlet, parameters: list[Parameter]) -> list[str]:
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
    return to_string(value)


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
