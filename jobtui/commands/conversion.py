"""Argument conversion: a value to a parameter's type, with PowerShell's messages.

PowerShell converts before it binds: ``'3'`` becomes an Int32 for -Id, ``running`` a JobState
for -State; a value that cannot be converted is the parameter's error, and a number outside
the parameter's ValidateRange is refused with the range.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from jobtui.commands.declaration import Cmdlet, Parameter, ParamType
from jobtui.commands.errors import CommandError
from jobtui.commands.values import PathInfo, ScriptBlock, to_string, type_name
from jobtui.engine import Job, JobState


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
        whole = _whole_number(value)
        if whole is not None:
            return whole
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
            return to_string(value)
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
            return JobState.parse(to_string(value))
        except ValueError:
            raise _cannot_convert(
                cmdlet,
                parameter,
                value,
                ptype,
                detail=f"Unable to match the identifier name {to_string(value)} to a valid "
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
            return datetime.fromisoformat(to_string(value).strip())
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
        f"Cannot bind parameter '{parameter.name}'. Cannot convert value \"{to_string(value)}\" to "
        f'type "{target}".{tail}',
    )


def _incompatible(
    cmdlet: Cmdlet, parameter: Parameter, value: object, ptype: ParamType, *, element: bool = False
) -> CommandError:
    target = ptype.value.removesuffix("[]") if element else ptype.value
    return CommandError(
        cmdlet.name,
        f"Cannot bind parameter '{parameter.name}'. Cannot convert the "
        f'"{to_string(value)}" value of type "{type_name(value)}" to type "{target}".',
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


def _whole_number(value: object) -> int | None:
    """A number that is an Int32 as it is ($true is 1, 3.0 is 3); None for anything else."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def exit_code(value: object) -> int:
    """``exit``'s argument as an Int32, as PowerShell converts it; raises CommandError."""
    if value is None:
        return 0
    whole = _whole_number(value)
    if whole is not None:
        return whole
    text = to_string(value).strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    raise CommandError(
        "InvalidArgument",
        f'Cannot convert value "{to_string(value)}" to type "System.Int32". Error: "The input '
        f"string '{to_string(value)}' was not in a correct format.\"",
    )
