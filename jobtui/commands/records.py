"""Records: the objects the object cmdlets make (PowerShell's PSCustomObject and its kin).

Select-Object's results, Group-Object's groups, Measure-Object's measures and Get-Member's
members are all records: named properties in order, a type name, and the view they print with.
This module imports nothing of the language, so that :mod:`jobtui.commands.values` can read
their members.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

CUSTOM_OBJECT = "System.Management.Automation.PSCustomObject"


class ViewKind(enum.Enum):
    """How a record prints when it reaches the screen."""

    AUTO = "auto"  # PowerShell's rule for objects without a view: a table up to 4 properties
    TABLE = "table"
    LIST = "list"


@dataclass(frozen=True)
class View:
    """A record type's format view (as PowerShell's *.format.ps1xml declare them)."""

    kind: ViewKind = ViewKind.AUTO
    #: The properties shown, in order (None: all of them).
    columns: tuple[str, ...] | None = None
    #: Columns aligned to the right (numbers, as PowerShell aligns Count).
    right: frozenset[str] = frozenset()
    #: A property whose change starts a new table under a "   Name: value" line
    #: (Get-Member's TypeName).
    group_by: str | None = None
    #: Fixed widths of leading columns (GroupInfo's Count and Name), the last takes the rest.
    widths: tuple[int, ...] = ()


AUTO_VIEW = View()


@dataclass(eq=False)
class CustomObject:
    """A record: properties in order, under a PowerShell type name (Select-Object's results,
    Group-Object's groups, Measure-Object's measures, Get-Member's members)."""

    properties: dict[str, object]
    type_name: str = CUSTOM_OBJECT
    view: View = AUTO_VIEW
    #: Declared property types (``name -> short type``): Get-Member shows these as
    #: ``Property`` members; the others are ``NoteProperty`` members, as on a PSCustomObject.
    declared: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> object:
        """A property's value by name, in any case; None if it has no such property."""
        key = self.key(name)
        return None if key is None else self.properties[key]

    def key(self, name: str) -> str | None:
        """The property's name as the record spells it (None if it has none called ``name``)."""
        if name in self.properties:
            return name
        lowered = name.lower()
        for existing in self.properties:
            if existing.lower() == lowered:
                return existing
        return None

    def __repr__(self) -> str:
        return f"<{self.type_name} {self.properties!r}>"
