"""What a cmdlet declaration is: its parameters, their types and sets, and a bound call.

:class:`Cmdlet` and :class:`Parameter` follow PowerShell's own declarations (the source's
parameter attributes); :func:`resolve_parameter` resolves a written ``-Ti`` to ``-Timeout`` the
way PowerShell does, with its errors. A cmdlet's own rules between parameters (``-Wait`` and
``-Keep`` cannot go together) are its :attr:`Cmdlet.check`, run once its call is bound.
The declarations themselves are in :mod:`jobtui.commands.cmdlets` and the modules that add
cmdlets; :mod:`jobtui.commands.registry` pairs each with its function.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jobtui.commands.errors import CommandError

if TYPE_CHECKING:
    from jobtui.commands.context import Context


class ParamType(enum.Enum):
    """What a parameter takes; the value is PowerShell's type name, used in messages."""

    INT = "System.Int32"
    DOUBLE = "System.Double"
    INT_ARRAY = "System.Int32[]"
    STRING = "System.String"
    STRING_ARRAY = "System.String[]"
    GUID_ARRAY = "System.Guid[]"
    JOB_ARRAY = "System.Management.Automation.Job[]"
    JOB_STATE = "System.Management.Automation.JobState"
    BOOL = "System.Boolean"
    SWITCH = "System.Management.Automation.SwitchParameter"
    SCRIPT_BLOCK = "System.Management.Automation.ScriptBlock"
    OBJECT = "System.Management.Automation.PSObject"
    OBJECT_ARRAY = "System.Object[]"
    DATETIME = "System.DateTime"


#: A parameter that belongs to every parameter set of its cmdlet.
ALL_SETS: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Parameter:
    """One parameter of a cmdlet, as PowerShell declares it."""

    name: str
    type: ParamType
    aliases: tuple[str, ...] = ()
    #: The sets it belongs to; ALL_SETS (empty) means every set.
    sets: frozenset[str] = ALL_SETS
    #: Its position (0, 1...) when written without its name; None if it must be named.
    position: int | None = None
    #: The sets in which it is mandatory.
    mandatory: frozenset[str] = frozenset()
    #: Takes pipeline input by value.
    from_pipeline: bool = False
    #: ValidateRange: the smallest and largest values allowed.
    minimum: float | None = None
    maximum: float | None = None
    #: Accepted, but cannot work on Linux or macOS: using it is an error with this text.
    unsupported: str | None = None
    #: ValueFromRemainingArguments: it also takes every positional argument left over
    #: (``Write-Output a b c``).
    remaining: bool = False

    def in_set(self, set_name: str) -> bool:
        """Whether the parameter can be used in ``set_name``."""
        return not self.sets or set_name in self.sets

    @property
    def is_switch(self) -> bool:
        """Whether it is a switch (``-Keep``), which takes no argument unless ``-Keep:$false``."""
        return self.type is ParamType.SWITCH


#: The -InputObject of the object cmdlets: the objects piped in, by value (named, it is one more).
INPUT_OBJECT = Parameter("InputObject", ParamType.OBJECT, from_pipeline=True)


#: A cmdlet's own rule between its bound parameters; raises CommandError when broken.
CmdletCheck = Callable[["BoundCommand"], None]
#: What a cmdlet does once bound: ``(context, bound, input)``; ``input`` holds the objects piped
#: into it (None when it is first in its pipeline). It emits through ``context.emit``.
CmdletFunction = Callable[["Context", "BoundCommand", "list[object] | None"], None]


@dataclass(frozen=True, eq=False)
class Cmdlet:
    """A cmdlet: its name, aliases, parameters and parameter sets (compared by identity)."""

    name: str
    aliases: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    sets: tuple[str, ...]
    default_set: str
    summary: str = ""
    #: Its rules between parameters, checked before anything of the line runs (when the
    #: arguments are constants) and again when it runs.
    check: CmdletCheck | None = None
    #: It acts on this session's jobs, so it cannot run inside a job; completion offers job ids
    #: and names for its positional argument unless it starts jobs.
    acts_on_jobs: bool = False
    #: Aliases that name it only after a ``|``: at the start of a statement the word stays the
    #: shell's (``sort``, ``write``) or PowerShell's keyword (``foreach``), as on Linux.
    pipeline_aliases: tuple[str, ...] = ()
    by_name: dict[str, Parameter] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for parameter in self.parameters:
            self.by_name[parameter.name.lower()] = parameter
            for alias in parameter.aliases:
                self.by_name[alias.lower()] = parameter

    def parameter(self, name: str) -> Parameter:
        """The parameter with this exact (canonical) name."""
        return self.by_name[name.lower()]


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

    def fail(self, message: str) -> CommandError:
        """The cmdlet's error ``message``, to raise from a check."""
        return CommandError(self.cmdlet.name, message)


def resolve_parameter(cmdlet: Cmdlet, written: str) -> Parameter:
    """The parameter ``-written`` means: an exact name or alias, else a unique prefix.

    Several parameters sharing the prefix is PowerShell's ambiguity error; a prefix of one
    parameter's name and its alias (``-Time`` for Timeout and TimeoutSec) is not ambiguous.
    """
    key = written.lower()
    if key in cmdlet.by_name:
        return cmdlet.by_name[key]
    matches: list[Parameter] = []
    for parameter in cmdlet.parameters:
        names = (parameter.name, *parameter.aliases)
        if any(n.lower().startswith(key) for n in names) and parameter not in matches:
            matches.append(parameter)
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise CommandError(
            cmdlet.name, f"A parameter cannot be found that matches parameter name '{written}'."
        )
    listed = " ".join(f"-{p.name}" for p in matches)
    raise CommandError(
        cmdlet.name,
        f"Parameter cannot be processed because the parameter name '{written}' is ambiguous. "
        f"Possible matches include: {listed}.",
    )
