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
from jobtui.commands.comparison import Operator, is_true, text
from jobtui.commands.dotnetformat import format_composite
from jobtui.commands.errors import CommandError
from jobtui.commands.expression_tree import (
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
from jobtui.commands.methods import (
    MAX_REPEAT,
    as_number,
    call_method,
    cast,
    index,
    invalid,
    items,
    member,
    type_of,
)
from jobtui.commands.syntax import Statement
from jobtui.commands.values import MAX_RANGE, unwrap

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
            return "".join(text(v) for v in items(value))
        if node.operator == "split":
            return [part for v in items(value) for part in text(v).split()]
        operand = as_number(value)
        return -operand if node.operator == "-" else operand

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
            pattern = ops.regex(text(items(right)[0]) if items(right) else "", node.case_sensitive)
            return [part for v in items(left) for part in pattern.split(text(v))]
        if operator == "join":
            return text(right).join(text(v) for v in items(left))
        if operator == "f":
            return format_composite(text(left), items(right))
        return self.arithmetic(operator, left, right)

    def arithmetic(self, operator: str, left: object, right: object) -> object:
        """``left op right`` for ``+ - * / %``, with PowerShell's rules for strings, lists,
        dates and $null."""
        return arithmetic(operator, left, right)


# -- operators on values ----------------------------------------------------------------------


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
            return [*left, *items(right)] if right is not None or not left else [*left, right]
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
        count = as_number(right)
        if count < 0 or count * max(len(left), 1) > MAX_REPEAT:
            raise invalid(f"The result of '*' would be too long (at most {MAX_REPEAT} items).")
        repeated = left * int(count)
        return list(repeated) if isinstance(repeated, tuple) else repeated
    if not _is_number(left) and not isinstance(left, bool | str):
        raise invalid(
            f"Method invocation failed because [{type_of(left)}] does not contain a method "
            f"named '{_OPERATOR_METHODS[operator]}'."
        )
    a = as_number(left)
    b = as_number(right)
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


def _range(left: object, right: object) -> list[int]:
    start, stop = int(as_number(left)), int(as_number(right))
    if abs(stop - start) >= MAX_RANGE:
        raise invalid(f"The range {start}..{stop} is too long (at most {MAX_RANGE} numbers).")
    step = 1 if stop >= start else -1
    return list(range(start, stop + step, step))


def _replace(left: object, right: object, case_sensitive: bool) -> object:
    arguments = items(right)
    if len(arguments) > 2:
        raise invalid(
            f"The -replace operator allows only two elements to follow it, not {len(arguments)}."
        )
    pattern = ops.regex(text(arguments[0]) if arguments else "", case_sensitive)
    replacement = text(arguments[1]) if len(arguments) > 1 else ""

    def substitute(found: re.Match[str]) -> str:
        return _dotnet_substitution(replacement, found)

    results = [pattern.sub(substitute, text(v)) for v in items(left)]
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
