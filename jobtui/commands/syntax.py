"""The syntax tree of a command line: statements, pipelines, commands, arguments, expressions."""

from __future__ import annotations

import enum
from dataclasses import dataclass

# -- expressions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Constant:
    """A literal: a bare word (``Job*``), a number, a 'quoted string', ``1..3``."""

    value: object
    text: str


@dataclass(frozen=True)
class ExpandableString:
    """A "double-quoted string": text with ``$variables`` and ``$(subexpressions)`` in it."""

    parts: tuple[str | Expression, ...]
    text: str


@dataclass(frozen=True)
class VariableExpression:
    """``$name`` (``$env:NAME`` reads the environment)."""

    name: str


@dataclass(frozen=True)
class MemberExpression:
    """``target.Member`` (``$job.ChildJobs``)."""

    target: Expression
    member: str


@dataclass(frozen=True)
class IndexExpression:
    """``target[index]`` (``$job.ChildJobs[0]``)."""

    target: Expression
    index: Expression


@dataclass(frozen=True)
class ArrayLiteral:
    """``a, b, c``: a comma list."""

    items: tuple[Expression, ...]


@dataclass(frozen=True)
class ScriptBlockExpression:
    """``{ ... }``: shell command text, verbatim (whitespace included)."""

    text: str


@dataclass(frozen=True)
class SubExpression:
    """``( pipeline )`` or ``$( pipeline )``: the pipeline's output as a value; ``@( )`` is
    always a list, even of one object or none."""

    statement: Statement
    array: bool = False


Expression = (
    Constant
    | ExpandableString
    | VariableExpression
    | MemberExpression
    | IndexExpression
    | ArrayLiteral
    | ScriptBlockExpression
    | SubExpression
)

# -- commands and statements ------------------------------------------------------------------


@dataclass(frozen=True)
class CommandParameter:
    """``-Name`` as written (``name`` without the dash), with its argument if ``-Name:value``."""

    name: str
    argument: Expression | None
    text: str
    colon: bool = False


CommandElement = CommandParameter | Expression


@dataclass(frozen=True)
class CommandCall:
    """A cmdlet and its elements: ``Receive-Job -Job $job -Keep``."""

    name: str
    elements: tuple[CommandElement, ...]
    text: str


PipelineElement = CommandCall | Expression


@dataclass(frozen=True)
class Pipeline:
    """``a | b | c``: a command or an expression first, then commands."""

    elements: tuple[PipelineElement, ...]


@dataclass(frozen=True)
class ShellCommand:
    """A shell command run as a job: a bare command line, without its trailing ``&``."""

    text: str


class RedirectStream(enum.Enum):
    """The streams a redirection takes: ``>`` output, ``2>`` errors, ``*>`` both."""

    OUTPUT = "output"
    ERROR = "error"
    ALL = "all"


@dataclass(frozen=True)
class Redirection:
    """``> file``, ``>> file``, ``2> file``, ``*> file``, or ``2>&1`` (no target: merge)."""

    stream: RedirectStream
    append: bool
    target: str | None


@dataclass(frozen=True)
class Exit:
    """``exit`` or ``exit N``: the session ends (with status N)."""

    code: Expression | None


class ChainOperator(enum.Enum):
    """PowerShell 7's pipeline chain operators: run the next pipeline if the last succeeded
    (``&&``) or failed (``||``)."""

    AND = "&&"
    OR = "||"


@dataclass(frozen=True)
class ChainLink:
    """``&& statement`` or ``|| statement`` in a pipeline chain."""

    operator: ChainOperator
    statement: Statement


@dataclass(frozen=True)
class Statement:
    """One statement: ``[$var =] pipeline [redirections]``, or a shell command started as a job,
    or ``exit``; then the rest of its pipeline chain (``&& b || c``), if any."""

    body: Pipeline | ShellCommand | Exit
    text: str
    assign_to: VariableExpression | None = None
    redirections: tuple[Redirection, ...] = ()
    chain: tuple[ChainLink, ...] = ()

    def parts(self) -> tuple[Statement, ...]:
        """This statement and each statement of its chain, in order."""
        return (self, *(link.statement for link in self.chain))


@dataclass(frozen=True)
class Script:
    """A whole text: statements separated by ``;``, ``&`` or new lines."""

    statements: tuple[Statement, ...]
