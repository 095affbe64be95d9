"""The job table's columns: what each shows, and how wide each is at a given terminal width.

Widths are fixed per layout, never measured from the cells on each refresh: a layout changes only
when the table is resized or when the widest name shown changes (both rare).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from enum import StrEnum


class ColumnKey(StrEnum):
    """A column of the table (a string too, so ``sort_by("name")`` works)."""

    ID = "id"
    NAME = "name"
    TYPE = "type"
    STATE = "state"
    MORE = "more"
    LOCATION = "location"
    PID = "pid"
    CPU = "cpu"
    MEM = "mem"
    ELAPSED = "elapsed"
    LEFT = "left"
    EXIT = "exit"
    PROGRESS = "progress"
    COMMAND = "command"


@dataclass(frozen=True)
class ColumnSpec:
    """A column: its key, header, width (one trailing space included) and alignment."""

    key: str
    label: str
    width: int
    right: bool = False


#: PowerShell's Get-Job columns, then the Unix facts; Command last so it takes the rest.
COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(ColumnKey.ID, "Id", 5),
    ColumnSpec(ColumnKey.NAME, "Name", 11),
    ColumnSpec(ColumnKey.TYPE, "PSJobTypeName", 14),
    ColumnSpec(ColumnKey.STATE, "State", 13),
    ColumnSpec(ColumnKey.MORE, "HasMoreData", 12),
    ColumnSpec(ColumnKey.LOCATION, "Location", 11),
    ColumnSpec(ColumnKey.PID, "PID", 8, right=True),
    ColumnSpec(ColumnKey.CPU, "CPU%", 6, right=True),
    ColumnSpec(ColumnKey.MEM, "Mem", 7, right=True),
    ColumnSpec(ColumnKey.ELAPSED, "Elapsed", 9, right=True),
    ColumnSpec(ColumnKey.LEFT, "TimeLeft", 9, right=True),
    ColumnSpec(ColumnKey.EXIT, "Exit", 6, right=True),
    ColumnSpec(ColumnKey.PROGRESS, "Progress", 17),
    ColumnSpec(ColumnKey.COMMAND, "Command", 400),
)
COLUMN_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)
SPECS: dict[str, ColumnSpec] = {c.key: c for c in COLUMNS}
TABLE_WIDTH = sum(c.width for c in COLUMNS)
#: Columns hidden, in this order, while the table is too narrow for the Command column to keep
#: MIN_COMMAND_WIDTH cells: the constant ones first. Id, Name, State, HasMoreData and Command
#: always stay.
HIDE_ORDER = (
    ColumnKey.LOCATION,
    ColumnKey.TYPE,
    ColumnKey.CPU,
    ColumnKey.MEM,
    ColumnKey.PID,
    ColumnKey.LEFT,
    ColumnKey.EXIT,
    ColumnKey.ELAPSED,
    ColumnKey.PROGRESS,
)
#: Columns shown only while some job has something to say in them (a time limit; progress, a
#: place in a queue, or jobs it waits for): most sessions have none, and their table keeps the
#: room for the command.
ON_DEMAND = frozenset({ColumnKey.LEFT, ColumnKey.PROGRESS})
MIN_COMMAND_WIDTH = 16
#: Cells Command keeps before Name and HasMoreData grow on a wide terminal: a name that two
#: jobs share the first ten characters of (``build-frontend-assets-prod``, ``-dev``) needs more
#: than Name's 11 cells, and a command is still readable in 32.
COMMAND_ROOM = 32
#: Name grows to fit the widest name shown, up to this (a longer name is cut with an ellipsis).
NAME_MAX_WIDTH = 41
#: HasMoreData grows to this, room allowing, to show an unread count in full: ``True +1,234,567``.
MORE_WIDE_WIDTH = 17


def layout(
    width: int,
    widest_name: int = 0,
    *,
    chosen: Collection[str] | None = None,
    needed: Collection[str] = (),
) -> tuple[ColumnSpec, ...]:
    """The columns a table ``width`` cells wide shows, and their widths, of those ``chosen``
    (the ``columns`` setting; None: all), in the table's order. Of the :data:`ON_DEMAND`
    columns, only those ``needed`` (some row has text in them) are shown.

    Narrow: the least useful columns go, as long as Command would keep fewer than
    MIN_COMMAND_WIDTH cells. Wide: once Command has COMMAND_ROOM cells, Name grows to fit
    ``widest_name`` characters, then HasMoreData to show a large unread count in full; Command
    takes the rest.
    """
    hidden = set() if chosen is None else {key for key in COLUMN_KEYS if key not in chosen}
    hidden |= ON_DEMAND - set(needed)
    fixed = sum(spec.width for spec in COLUMNS if spec.key not in hidden) - (
        0 if ColumnKey.COMMAND in hidden else SPECS[ColumnKey.COMMAND].width
    )
    for key in HIDE_ORDER:
        if width - fixed >= MIN_COMMAND_WIDTH:
            break
        if key not in hidden:
            hidden.add(key)
            fixed -= SPECS[key].width
    spare = width - fixed - COMMAND_ROOM
    name = SPECS[ColumnKey.NAME]
    more = SPECS[ColumnKey.MORE]
    name_grows = max(0, min(spare, min(widest_name + 1, NAME_MAX_WIDTH) - name.width))
    if ColumnKey.NAME in hidden:
        name_grows = 0
    spare -= name_grows
    more_grows = max(0, min(spare, MORE_WIDE_WIDTH - more.width))
    grown: dict[str, ColumnSpec] = {
        ColumnKey.NAME: replace(name, width=name.width + name_grows),
        ColumnKey.MORE: replace(more, width=more.width + more_grows),
    }
    return tuple(grown.get(spec.key, spec) for spec in COLUMNS if spec.key not in hidden)
