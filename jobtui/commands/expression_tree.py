"""The syntax tree of a script block read as PowerShell expressions (Where-Object's and
ForEach-Object's blocks): its nodes, made by :mod:`jobtui.commands.expressions` and evaluated by
:mod:`jobtui.commands.evaluation`."""

from __future__ import annotations

from dataclasses import dataclass

from jobtui.commands.comparison import Operator
from jobtui.commands.syntax import Statement


@dataclass(frozen=True)
class Literal:
    """A number, a string, $true/$false/$null."""

    value: object


@dataclass(frozen=True)
class Variable:
    """``$name`` (``$_`` and ``$PSItem`` are the current object)."""

    name: str


@dataclass(frozen=True)
class Expandable:
    """A "double-quoted string": its text and the values expanded into it."""

    parts: tuple[str | Node, ...]


@dataclass(frozen=True)
class Member:
    """``target.Name``."""

    target: Node
    name: str


@dataclass(frozen=True)
class MethodCall:
    """``target.Name(arguments)``."""

    target: Node
    name: str
    arguments: tuple[Node, ...]


@dataclass(frozen=True)
class Index:
    """``target[index]``."""

    target: Node
    index: Node


@dataclass(frozen=True)
class ArrayItems:
    """``a, b, c``."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class SubExpression:
    """``( ... )``, ``$( ... )`` or ``@( ... )`` (``array``: always a list)."""

    body: Block
    array: bool = False


@dataclass(frozen=True)
class Unary:
    """``-not x``, ``!x``, ``-x``, ``+x``, ``-join x``, ``-split x``."""

    operator: str
    operand: Node


@dataclass(frozen=True)
class Comparison:
    """``left -eq right`` and the other comparison operators."""

    operator: Operator
    case_sensitive: bool
    left: Node
    right: Node


@dataclass(frozen=True)
class Binary:
    """``-and -or -xor``, ``+ - * / %``, ``..``, ``-replace -split -join -f``."""

    operator: str
    left: Node
    right: Node
    case_sensitive: bool = False


@dataclass(frozen=True)
class Cast:
    """``[int]x``: the value converted to a type."""

    type_name: str
    operand: Node


@dataclass(frozen=True)
class Assignment:
    """``$name = value`` (or ``+=``, ``-=``, ``*=``, ``/=``, ``%=``): sets a session variable,
    as a ForEach-Object block does in PowerShell (it runs in the caller's scope)."""

    name: str
    operator: str
    value: Node


@dataclass(frozen=True)
class If:
    """``if (c) { } elseif (c) { } else { }``."""

    clauses: tuple[tuple[Node, Block], ...]
    otherwise: Block | None


@dataclass(frozen=True)
class Block:
    """Statements; each writes its value to the block's output."""

    statements: tuple[Node, ...]


@dataclass(frozen=True)
class CommandStatement:
    """A cmdlet's statement inside a block (``Receive-Job $_ -Keep | Select-Object -First 1``),
    in the line's own syntax; it runs in the session with ``$_`` set to the current object."""

    statement: Statement
    text: str


Node = (
    Literal
    | Variable
    | Expandable
    | Member
    | MethodCall
    | Index
    | ArrayItems
    | SubExpression
    | Unary
    | Comparison
    | Binary
    | Cast
    | Assignment
    | If
    | Block
    | CommandStatement
)

#: The types a cast can name, by lower-cased name, to the name conversions use.
CAST_TYPES = {
    "int": "int",
    "int32": "int",
    "system.int32": "int",
    "long": "long",
    "int64": "long",
    "system.int64": "long",
    "double": "double",
    "float": "double",
    "single": "double",
    "system.double": "double",
    "decimal": "double",
    "string": "string",
    "system.string": "string",
    "bool": "bool",
    "boolean": "bool",
    "system.boolean": "bool",
    "datetime": "datetime",
    "system.datetime": "datetime",
    "guid": "guid",
    "system.guid": "guid",
    "jobstate": "jobstate",
    "system.management.automation.jobstate": "jobstate",
    "array": "array",
    "object[]": "array",
    "object": "object",
    "psobject": "object",
}
