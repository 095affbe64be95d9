"""Evaluating a script block's syntax tree (:mod:`jobtui.commands.expressions`) over ``$_``.

A block runs in the session's scope, as Where-Object and ForEach-Object blocks run in the
caller's scope in PowerShell: ``$total += $_.Id`` adds to the session's ``$total``. Errors
while evaluating (a method a value does not have, a number that does not convert) are
CommandErrors in PowerShell's words, for the cmdlet to report against the object at hand.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from jobtui.commands import comparison as ops
from jobtui.commands.comparison import ConversionError, Operator, is_true, text, to_number
from jobtui.commands.dotnetformat import format_composite, format_value
from jobtui.commands.errors import CommandError
from jobtui.commands.expressions import (
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
from jobtui.commands.syntax import Statement
from jobtui.commands.values import MAX_RANGE, get_index, get_member, unwrap

#: The longest string or list ``*`` may build (``'x' * 1e9`` would take the memory).
MAX_REPEAT = 1_000_000
#: Names of the current object.
CURRENT = frozenset({"_", "psitem"})


class Scope(Protocol):
    """Where variables live (the session)."""

    def get_variable(self, name: str) -> object:
        """A variable's value (None if unset)."""
        ...

    def set_variable(self, name: str, value: object) -> None:
        """Assign a variable."""
        ...


def invalid(message: str) -> CommandError:
    """A run-time error of a block, under PowerShell's category."""
    return CommandError("InvalidOperation", message)


def _argument_error(error: ConversionError) -> CommandError:
    return CommandError("InvalidArgument", str(error))


#: Runs a cmdlet's statement of a block with ``$_`` set to the object: what it writes.
CommandRunner = Callable[[Statement, object], list[object]]


class Evaluator:
    """Evaluates blocks in one scope; ``current`` is ``$_`` (set per object). ``commands``
    runs the cmdlets a block holds (``% { Receive-Job $_ -Keep }``); without it they are an
    error."""

    def __init__(
        self, scope: Scope, current: object = None, commands: CommandRunner | None = None
    ) -> None:
        self.scope = scope
        self.current = current
        self.commands = commands

    # -- blocks and statements --------------------------------------------------------------

    def run(self, block: Block, current: object = None) -> list[object]:
        """What the block writes for ``current`` (``$_``), in order."""
        self.current = current
        return self.block(block)

    def block(self, block: Block) -> list[object]:
        output: list[object] = []
        for statement in block.statements:
            output.extend(self.statement(statement))
        return output

    def statement(self, node: Node) -> list[object]:
        if isinstance(node, CommandStatement):
            return self.command(node)
        if isinstance(node, Assignment):
            self.assign(node)
            return []
        if isinstance(node, If):
            for condition, body in node.clauses:
                if is_true(self.condition(condition)):
                    return self.block(body)
            return self.block(node.otherwise) if node.otherwise is not None else []
        value = self.evaluate(node)
        if isinstance(value, list):
            return list(value)
        return [value]

    def command(self, node: CommandStatement) -> list[object]:
        if self.commands is None:
            raise invalid(
                f"'{node.text}' cannot run here: cmdlets run in the blocks of "
                "Where-Object, ForEach-Object and Sort-Object."
            )
        return self.commands(node.statement, self.current)

    def condition(self, node: Node) -> object:
        if isinstance(node, Assignment):
            self.assign(node)
            return self.variable(node.name)
        return self.evaluate(node)

    def assign(self, node: Assignment) -> None:
        value = self.evaluate(node.value)
        if isinstance(node.value, If | Assignment):
            value = None
        if node.operator != "=":
            value = self.arithmetic(node.operator[0], self.variable(node.name), value)
        name = node.name
        if name.lower() in CURRENT:
            self.current = value
            return
        self.scope.set_variable(name, value)

    def variable(self, name: str) -> object:
        if name.lower() in CURRENT:
            return self.current
        return self.scope.get_variable(name)

    # -- expressions ------------------------------------------------------------------------

    def evaluate(self, node: Node) -> object:
        """The value of an expression."""
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Variable):
            return self.variable(node.name)
        if isinstance(node, Member):
            return member(self.evaluate(node.target), node.name)
        if isinstance(node, Index):
            return index(self.evaluate(node.target), self.evaluate(node.index))
        if isinstance(node, MethodCall):
            target = self.evaluate(node.target)
            arguments = [self.evaluate(a) for a in node.arguments]
            return call_method(target, node.name, arguments)
        if isinstance(node, Expandable):
            return "".join(p if isinstance(p, str) else text(self.evaluate(p)) for p in node.parts)
        if isinstance(node, ArrayItems):
            return [self.evaluate(item) for item in node.items]
        if isinstance(node, SubExpression):
            statements = node.body.statements
            single = len(statements) == 1 and not isinstance(statements[0], Assignment | If)
            if single and not node.array:  # (x): the value itself, a list kept whole
                return self.evaluate(statements[0])
            output = self.block(node.body)
            return output if node.array else unwrap(output)
        if isinstance(node, Unary):
            return self.unary(node)
        if isinstance(node, Comparison):
            return self.comparison(node)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Cast):
            return cast(node.type_name, self.evaluate(node.operand))
        if isinstance(node, Assignment):
            self.assign(node)
            return self.variable(node.name)
        if isinstance(node, If | CommandStatement):
            return unwrap(self.statement(node))
        return unwrap(self.block(node))

    def unary(self, node: Unary) -> object:
        value = self.evaluate(node.operand)
        if node.operator == "not":
            return not is_true(value)
        if node.operator == "join":
            return "".join(text(v) for v in _items(value))
        if node.operator == "split":
            return [part for v in _items(value) for part in text(v).split()]
        number = _number(value)
        return -number if node.operator == "-" else number

    def comparison(self, node: Comparison) -> object:
        left = self.evaluate(node.left)
        right = self.evaluate(node.right)
        if node.operator is Operator.MATCH and not isinstance(left, list | tuple):
            found = ops.match(left, right, node.case_sensitive)
            if found is not None:
                self.scope.set_variable("Matches", _matches(found))
            return found is not None
        return ops.apply(node.operator, left, right, node.case_sensitive)

    def binary(self, node: Binary) -> object:
        operator = node.operator
        if operator == "and":
            return is_true(self.evaluate(node.left)) and is_true(self.evaluate(node.right))
        if operator == "or":
            return is_true(self.evaluate(node.left)) or is_true(self.evaluate(node.right))
        left = self.evaluate(node.left)
        right = self.evaluate(node.right)
        if operator == "xor":
            return is_true(left) != is_true(right)
        if operator == "..":
            return _range(left, right)
        if operator == "replace":
            return _replace(left, right, node.case_sensitive)
        if operator == "split":
            pattern = ops.regex(
                text(_items(right)[0]) if _items(right) else "", node.case_sensitive
            )
            return [part for v in _items(left) for part in pattern.split(text(v))]
        if operator == "join":
            return text(right).join(text(v) for v in _items(left))
        if operator == "f":
            return format_composite(text(left), _items(right))
        return self.arithmetic(operator, left, right)

    def arithmetic(self, operator: str, left: object, right: object) -> object:
        """``left op right`` for ``+ - * / %``, with PowerShell's rules for strings, lists,
        dates and $null."""
        return arithmetic(operator, left, right)


# -- operators on values ----------------------------------------------------------------------


def _items(value: object) -> list[object]:
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _number(value: object) -> int | float:
    try:
        return to_number(value)
    except ConversionError as error:
        raise _argument_error(error) from None


def arithmetic(operator: str, left: object, right: object) -> object:
    """``left op right`` for ``+ - * / %``."""
    if left is None and operator in "+-":
        left = 0 if _is_number(right) or right is None or operator == "-" else ""
        if isinstance(right, list | tuple):
            left = []
    if operator == "+":
        if isinstance(left, str):
            return left + text(right)
        if isinstance(left, list | tuple):
            return [*left, *_items(right)] if right is not None or not left else [*left, right]
        if isinstance(left, datetime) and isinstance(right, timedelta):
            return left + right
        if isinstance(left, timedelta) and isinstance(right, timedelta):
            return left + right
    if operator == "-":
        if isinstance(left, datetime) and isinstance(right, datetime):
            return left - right
        if isinstance(left, datetime | timedelta) and isinstance(right, timedelta):
            return left - right
    if operator == "*" and isinstance(left, str | list | tuple):
        count = _number(right)
        if count < 0 or count * max(len(left), 1) > MAX_REPEAT:
            raise invalid(f"The result of '*' would be too long (at most {MAX_REPEAT} items).")
        repeated = left * int(count)
        return list(repeated) if isinstance(repeated, tuple) else repeated
    if not _is_number(left) and not isinstance(left, bool | str):
        raise invalid(
            f"Method invocation failed because [{_type_of(left)}] does not contain a method "
            f"named '{_OPERATOR_METHODS[operator]}'."
        )
    a = _number(left)
    b = _number(right)
    if operator == "+":
        return a + b
    if operator == "-":
        return a - b
    if operator == "*":
        return a * b
    if b == 0:
        raise CommandError("RuntimeException", "Attempted to divide by zero.")
    if operator == "/":
        if isinstance(a, int) and isinstance(b, int) and a % b == 0:
            return a // b
        return a / b
    remainder = math.fmod(a, b)  # the dividend's sign, as .NET's %
    return int(remainder) if isinstance(a, int) and isinstance(b, int) else remainder


_OPERATOR_METHODS = {
    "+": "op_Addition",
    "-": "op_Subtraction",
    "*": "op_Multiply",
    "/": "op_Division",
    "%": "op_Modulus",
}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _type_of(value: object) -> str:
    from jobtui.commands.psobjects import full_type_name

    return full_type_name(value)


def _range(left: object, right: object) -> list[int]:
    start, stop = int(_number(left)), int(_number(right))
    if abs(stop - start) >= MAX_RANGE:
        raise invalid(f"The range {start}..{stop} is too long (at most {MAX_RANGE} numbers).")
    step = 1 if stop >= start else -1
    return list(range(start, stop + step, step))


def _replace(left: object, right: object, case_sensitive: bool) -> object:
    arguments = _items(right)
    if len(arguments) > 2:
        raise invalid(
            f"The -replace operator allows only two elements to follow it, not {len(arguments)}."
        )
    pattern = ops.regex(text(arguments[0]) if arguments else "", case_sensitive)
    replacement = text(arguments[1]) if len(arguments) > 1 else ""

    def substitute(found: re.Match[str]) -> str:
        return _dotnet_substitution(replacement, found)

    results = [pattern.sub(substitute, text(v)) for v in _items(left)]
    return results if isinstance(left, list | tuple) else results[0]


_SUBSTITUTION = re.compile(r"\$(?:(\d+)|\{(\w+)\}|(\$)|(&))")


def _dotnet_substitution(replacement: str, found: re.Match[str]) -> str:
    """A .NET replacement pattern (``$1``, ``${name}``, ``$$``, ``$&``) for one match."""

    def one(part: re.Match[str]) -> str:
        number, name, dollar, whole = part.groups()
        if dollar:
            return "$"
        if whole:
            return found.group(0)
        key: int | str = int(number) if number else name
        try:
            return found.group(key) or ""
        except IndexError:  # no such group: .NET keeps the text as written
            return part.group(0)

    return _SUBSTITUTION.sub(one, replacement)


def _matches(found: re.Match[str]) -> dict[object, object]:
    """``$Matches``: the whole match at 0, then the groups by number and by name."""
    table: dict[object, object] = {0: found.group(0)}
    for number, value in enumerate(found.groups(), start=1):
        if value is not None:
            table[number] = value
    for name, value in found.groupdict().items():
        if value is not None:
            table[name] = value
    return table


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
    return int(_number(arguments[i]))


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
        seconds = _number(arguments[0]) * _DATE_ADDERS[key]
        try:
            return target + timedelta(seconds=seconds)
        except OverflowError:
            raise _method_failed(
                name,
                arguments,
                "The added or subtracted value results in an un-representable DateTime.",
            ) from None
    raise invalid(
        f"Method invocation failed because [{_type_of(target)}] does not contain a method "
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
            return _items(value) if value is not None else []
    except ConversionError as error:
        raise _argument_error(error) from None
    return value
