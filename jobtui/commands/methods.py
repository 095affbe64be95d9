"""What a script block can do to a value: read its members and indexes, call the methods jobtui
knows (a string's ToUpper, Substring, Split...; any value's ToString), cast it (``[int]``),
with PowerShell's errors for the rest."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from jobtui.commands import comparison as ops
from jobtui.commands.comparison import ConversionError, is_true, text, to_number
from jobtui.commands.dotnetformat import format_value
from jobtui.commands.errors import CommandError
from jobtui.commands.psobjects import full_type_name
from jobtui.commands.values import get_index, get_member

#: The longest string or list ``*`` may build (``'x' * 1e9`` would take the memory).
MAX_REPEAT = 1_000_000


def invalid(message: str) -> CommandError:
    """A run-time error of a block, under PowerShell's category."""
    return CommandError("InvalidOperation", message)


def argument_error(error: ConversionError) -> CommandError:
    """A value that does not convert, as PowerShell reports it (InvalidArgument)."""
    return CommandError("InvalidArgument", str(error))


def items(value: object) -> list[object]:
    """An operand as a list: a list's items, or the one value ($null included)."""
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def as_number(value: object) -> int | float:
    """An operand as a number; PowerShell's error when it is not one."""
    try:
        return to_number(value)
    except ConversionError as error:
        raise argument_error(error) from None


def type_of(value: object) -> str:
    """The type name PowerShell's messages give ``value`` ([System.String])."""
    return full_type_name(value)


# -- members, indexes and methods -------------------------------------------------------------


def member(value: object, name: str) -> object:
    """``value.Name``: records, hash tables ($Matches) and what values.get_member knows."""
    if isinstance(value, dict):
        return _lookup(value, name)
    return get_member(value, name)


def _lookup(table: dict[object, object], key: object) -> object:
    if key in table:
        return table[key]
    if isinstance(key, str):
        for existing, value in table.items():
            if isinstance(existing, str) and existing.lower() == key.lower():
                return value
    return None


def index(value: object, key: object) -> object:
    """``value[key]``."""
    if isinstance(value, dict):
        if isinstance(key, list):
            return [_lookup(value, k) for k in key]
        return _lookup(value, key)
    if isinstance(key, float) and key.is_integer():
        key = int(key)
    if isinstance(key, str) and re.fullmatch(r"-?\d+", key.strip()):
        key = int(key)
    return get_index(value, key)


MethodFunction = Callable[[str, list[object]], object]


def _arg_text(arguments: list[object], i: int) -> str:
    return text(arguments[i])


def _arg_int(arguments: list[object], i: int) -> int:
    return int(as_number(arguments[i]))


def _substring(value: str, arguments: list[object]) -> str:
    start = _arg_int(arguments, 0)
    length = _arg_int(arguments, 1) if len(arguments) > 1 else len(value) - start
    if start < 0 or start > len(value):
        raise _method_failed(
            "Substring", arguments, "startIndex cannot be larger than length of string."
        )
    if length < 0 or start + length > len(value):
        raise _method_failed(
            "Substring", arguments, "Index and length must refer to a location within the string."
        )
    return value[start : start + length]


def _trim_chars(arguments: list[object]) -> str | None:
    return "".join(text(a) for a in arguments) if arguments else None


def _pad(value: str, arguments: list[object], *, left: bool) -> str:
    width = _arg_int(arguments, 0)
    fill = _arg_text(arguments, 1)[:1] if len(arguments) > 1 else " "
    if width > MAX_REPEAT:
        raise invalid(f"The padded string would be too long (at most {MAX_REPEAT} characters).")
    return value.rjust(width, fill or " ") if left else value.ljust(width, fill or " ")


def _split(value: str, arguments: list[object]) -> list[object]:
    if not arguments:
        return list(value.split())
    separator = _arg_text(arguments, 0)
    return list(value.split(separator)) if separator else [value]


#: String methods: name -> (fewest arguments, most arguments, function, definition).
STRING_METHODS: dict[str, tuple[int, int, Callable[[str, list[object]], object], str]] = {
    "ToUpper": (0, 0, lambda s, a: s.upper(), "string ToUpper()"),
    "ToLower": (0, 0, lambda s, a: s.lower(), "string ToLower()"),
    "ToUpperInvariant": (0, 0, lambda s, a: s.upper(), "string ToUpperInvariant()"),
    "ToLowerInvariant": (0, 0, lambda s, a: s.lower(), "string ToLowerInvariant()"),
    "Trim": (0, 9, lambda s, a: s.strip(_trim_chars(a)), "string Trim(), string Trim(char[])"),
    "TrimStart": (0, 9, lambda s, a: s.lstrip(_trim_chars(a)), "string TrimStart()"),
    "TrimEnd": (0, 9, lambda s, a: s.rstrip(_trim_chars(a)), "string TrimEnd()"),
    "StartsWith": (1, 1, lambda s, a: s.startswith(_arg_text(a, 0)), "bool StartsWith(string)"),
    "EndsWith": (1, 1, lambda s, a: s.endswith(_arg_text(a, 0)), "bool EndsWith(string)"),
    "Contains": (1, 1, lambda s, a: _arg_text(a, 0) in s, "bool Contains(string)"),
    "IndexOf": (1, 1, lambda s, a: s.find(_arg_text(a, 0)), "int IndexOf(string)"),
    "LastIndexOf": (1, 1, lambda s, a: s.rfind(_arg_text(a, 0)), "int LastIndexOf(string)"),
    "Replace": (
        2,
        2,
        lambda s, a: s.replace(_arg_text(a, 0), _arg_text(a, 1)) if _arg_text(a, 0) else s,
        "string Replace(string, string)",
    ),
    "Split": (0, 1, _split, "string[] Split(string)"),
    "Substring": (1, 2, _substring, "string Substring(int), string Substring(int, int)"),
    "PadLeft": (1, 2, lambda s, a: _pad(s, a, left=True), "string PadLeft(int, char)"),
    "PadRight": (1, 2, lambda s, a: _pad(s, a, left=False), "string PadRight(int, char)"),
    "ToString": (0, 0, lambda s, a: s, "string ToString()"),
}
_STRING_METHODS_BY_KEY = {name.lower(): (name, spec) for name, spec in STRING_METHODS.items()}

_DATE_ADDERS = {
    "addmilliseconds": 0.001,
    "addseconds": 1,
    "addminutes": 60,
    "addhours": 3600,
    "adddays": 86400,
}


def call_method(target: object, name: str, arguments: list[object]) -> object:
    """``target.Name(arguments)`` for the methods jobtui knows; PowerShell's error otherwise."""
    key = name.lower()
    if target is None:
        raise invalid("You cannot call a method on a null-valued expression.")
    if isinstance(target, str) and key in _STRING_METHODS_BY_KEY:
        canonical, (fewest, most, function, _) = _STRING_METHODS_BY_KEY[key]
        if not fewest <= len(arguments) <= most:
            raise _no_overload(canonical, arguments)
        return function(target, arguments)
    if key == "tostring":
        if len(arguments) == 1:
            return format_value(target, text(arguments[0]))
        if arguments:
            raise _no_overload("ToString", arguments)
        return text(target)
    if isinstance(target, datetime) and key in _DATE_ADDERS:
        if len(arguments) != 1:
            raise _no_overload(name, arguments)
        seconds = as_number(arguments[0]) * _DATE_ADDERS[key]
        try:
            return target + timedelta(seconds=seconds)
        except OverflowError:
            raise _method_failed(
                name,
                arguments,
                "The added or subtracted value results in an un-representable DateTime.",
            ) from None
    raise invalid(
        f"Method invocation failed because [{type_of(target)}] does not contain a method "
        f"named '{name}'."
    )


def _no_overload(name: str, arguments: list[object]) -> CommandError:
    return CommandError(
        "MethodException",
        f'Cannot find an overload for "{name}" and the argument count: "{len(arguments)}".',
    )


def _method_failed(name: str, arguments: list[object], reason: str) -> CommandError:
    return CommandError(
        "MethodInvocationException",
        f'Exception calling "{name}" with "{len(arguments)}" argument(s): "{reason}"',
    )


# -- casts ------------------------------------------------------------------------------------

_INT_RANGES = {
    "int": (-(2**31), 2**31 - 1, "System.Int32"),
    "long": (-(2**63), 2**63 - 1, "System.Int64"),
}


def cast(type_name: str, value: object) -> object:
    """``[type]value``; raises CommandError (InvalidArgument) when it does not convert."""
    try:
        if type_name in _INT_RANGES:
            least, most, full = _INT_RANGES[type_name]
            number = to_number(value, full)
            if isinstance(number, float):
                if not math.isfinite(number) or not least <= number <= most:
                    raise ConversionError(
                        f'Cannot convert value "{text(value)}" to type "{full}". Error: "Value '
                        f'was either too large or too small for an {full.split(".")[1]}."'
                    )
                number = round(number)  # banker's rounding, as .NET's
            if not least <= number <= most:
                raise ConversionError(
                    f'Cannot convert value "{text(value)}" to type "{full}". Error: "Value was '
                    f'either too large or too small for an {full.split(".")[1]}."'
                )
            return int(number)
        if type_name == "double":
            return float(to_number(value, "System.Double"))
        if type_name == "string":
            return text(value)
        if type_name == "bool":
            return is_true(value)
        if type_name == "datetime":
            return ops.to_datetime(value)
        if type_name == "guid":
            return ops.to_guid(value)
        if type_name == "jobstate":
            return ops.to_state(value)
        if type_name == "array":
            return items(value) if value is not None else []
    except ConversionError as error:
        raise argument_error(error) from None
    return value
