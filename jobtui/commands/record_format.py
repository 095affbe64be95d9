"""How records print: PowerShell's table and list views for objects without a job view.

A record with at most four properties prints as a table, with more as a list (PowerShell's
rule for a PSCustomObject); a record type with a view of its own (Group-Object's groups, a
measure, Get-Member's members) prints as that view says. A table's columns are as wide as their
widest cell (the rows of one table are laid out together), numbers align right, and a table
wider than the screen cuts its last column with ``…`` and drops the columns that do not fit.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from jobtui.commands.output_format import ELLIPSIS, format_property, job_table_columns
from jobtui.commands.psobjects import properties_of
from jobtui.commands.records import CustomObject, View, ViewKind
from jobtui.commands.values import get_member
from jobtui.engine import Job

#: PowerShell's limit for the automatic table view.
MAX_TABLE_PROPERTIES = 4
#: Narrower than this, a last column is dropped rather than cut to a stub.
MIN_LAST_COLUMN = 8


def view_kind(record: CustomObject) -> ViewKind:
    """TABLE or LIST: how ``record`` prints."""
    kind = record.view.kind
    if kind is not ViewKind.AUTO:
        return kind
    return ViewKind.TABLE if len(columns(record)) <= MAX_TABLE_PROPERTIES else ViewKind.LIST


def columns(record: CustomObject) -> tuple[str, ...]:
    """The properties ``record``'s view shows, in order."""
    if record.view.columns is not None:
        return record.view.columns
    return tuple(record.properties)


def table_key(record: CustomObject) -> tuple[object, ...]:
    """Records with the same key share one table (same type, columns, and group)."""
    group = record.get(record.view.group_by) if record.view.group_by else None
    return (record.type_name, columns(record), group)


def group_header(record: CustomObject) -> list[str]:
    """The ``   TypeName: ...`` line a grouped view prints above its table (and a blank)."""
    if record.view.group_by is None:
        return []
    return [f"   {record.view.group_by}: {format_property(record.get(record.view.group_by))}", ""]


def _cell(record: CustomObject, name: str) -> str:
    return format_property(record.get(name))


def _is_number(value: object) -> bool:
    """Numbers align right; a bool or an enum (a job's State) is not one."""
    return type(value) in (int, float)


def table_layout(
    rows: Sequence[CustomObject], width: int, *, hide_headers: bool = False
) -> TableLayout:
    """The column widths and alignments for ``rows`` (which share one table key)."""
    first = rows[0]
    names = list(columns(first))
    fixed = first.view.widths
    widths: list[int] = []
    for i, name in enumerate(names):
        if i < len(fixed):
            widths.append(fixed[i])
            continue
        cells = [len(_cell(r, name)) for r in rows]
        widths.append(max([0 if hide_headers else len(name), *cells]))
    # Numbers align right in the automatic view; a declared view says which columns do.
    automatic = first.view.columns is None
    right = [
        name in first.view.right or (automatic and _is_number(first.get(name))) for name in names
    ]
    return TableLayout.fit(names, widths, right, width)


class TableLayout:
    """Columns that fit the width: each one's label, width and alignment."""

    def __init__(self, names: list[str], widths: list[int], right: list[bool]) -> None:
        self.names = names
        self.widths = widths
        self.right = right

    @classmethod
    def fit(cls, names: list[str], widths: list[int], right: list[bool], width: int) -> TableLayout:
        """Drop the columns that do not fit ``width``; the last one kept takes what is left."""
        kept_names: list[str] = []
        kept_widths: list[int] = []
        kept_right: list[bool] = []
        offset = 0
        for i, name in enumerate(names):
            room = width - offset
            wanted = widths[i]
            if wanted > room:
                if room >= MIN_LAST_COLUMN or not kept_names:
                    kept_names.append(name)
                    kept_widths.append(max(room, 1))
                    kept_right.append(right[i])
                break
            kept_names.append(name)
            kept_widths.append(wanted)
            kept_right.append(right[i])
            offset += wanted + 1
        return cls(kept_names, kept_widths, kept_right)

    def _line(self, cells: Sequence[str]) -> str:
        parts: list[str] = []
        last = len(cells) - 1
        for i, (cell, w, right) in enumerate(zip(cells, self.widths, self.right, strict=True)):
            text = cell if len(cell) <= w else (cell[: w - 1] + ELLIPSIS if w > 0 else "")
            if right:
                parts.append(text.rjust(w))
            elif i == last:
                parts.append(text)
            else:
                parts.append(text.ljust(w))
        return " ".join(parts).rstrip()

    def header(self) -> list[str]:
        """The labels and their dash underlines."""
        return [
            self._line([_label(n) for n in self.names]),
            self._line(
                ["-" * min(len(n), w) for n, w in zip(self.names, self.widths, strict=True)]
            ),
        ]

    def row(self, record: CustomObject) -> str:
        """One record's row."""
        return self._line([_cell(record, name) for name in self.names])

    def wrapped_row(self, record: CustomObject) -> list[str]:
        """One record's row, its long cells wrapped onto more lines (Format-Table -Wrap)."""
        cells = [_cell(record, name) for name in self.names]
        pieces = [
            textwrap.wrap(c, w, break_on_hyphens=False) or [""] if w > 0 else [""]
            for c, w in zip(cells, self.widths, strict=True)
        ]
        height = max(len(p) for p in pieces)
        return [
            self._line([p[line] if line < len(p) else "" for p in pieces]) for line in range(height)
        ]


def format_record_list(record: CustomObject, names: Sequence[str] | None = None) -> list[str]:
    """A record as ``Name : value`` lines, labels padded to the longest."""
    shown = list(names) if names is not None else list(columns(record))
    pad = max((len(_label(n)) for n in shown), default=0)
    return [f"{_label(n).ljust(pad)} : {_cell(record, n)}".rstrip() for n in shown]


def _label(name: str) -> str:
    """A property's name in one line (a script block's may span several)."""
    return " ".join(name.split()) if "\n" in name or "\r" in name else name


def format_records_table(
    records: Sequence[CustomObject], width: int, *, hide_headers: bool = False, wrap: bool = False
) -> list[str]:
    """Records (of one table key) as one table."""
    if not records:
        return []
    layout = table_layout(records, width, hide_headers=hide_headers)
    lines = [] if hide_headers else layout.header()
    for record in records:
        lines.extend(layout.wrapped_row(record) if wrap else [layout.row(record)])
    return lines


#: The rows a table holds back to size its columns; later rows keep those widths.
MAX_BUFFERED_ROWS = 1_000


class RecordPrinter:
    """Records arriving one by one, laid out as PowerShell's Out-Default lays them out.

    The rows of a table are held back until something else prints, the pipeline stage ends
    (:meth:`release`) or :data:`MAX_BUFFERED_ROWS` arrive, so that its columns fit them all.
    """

    def __init__(self, width: int) -> None:
        self.width = width
        self._rows: list[CustomObject] = []
        self._key: tuple[object, ...] | None = None
        self._layout: TableLayout | None = None
        #: Something was printed, so the next table or list starts after a blank line.
        self._printed = False

    def add(self, record: CustomObject) -> list[str]:
        """The lines to print now for the next record (none while a table holds rows back)."""
        if view_kind(record) is ViewKind.LIST:
            lines = self.close()
            if self._printed:
                lines.append("")
            lines.extend(format_record_list(record))
            self._printed = True
            return lines
        key = table_key(record)
        if key == self._key:
            if self._layout is not None:
                return [self._layout.row(record)]
            self._rows.append(record)
            return self.release() if len(self._rows) >= MAX_BUFFERED_ROWS else []
        lines = self.close()
        self._key = key
        self._rows.append(record)
        return lines

    def release(self) -> list[str]:
        """The rows held back, under their header; the table's widths are then fixed."""
        if not self._rows:
            return []
        rows, self._rows = self._rows, []
        lines: list[str] = []
        if self._layout is None:
            if self._printed:
                lines.append("")
            lines.extend(group_header(rows[0]))
            self._layout = table_layout(rows, self.width)
            lines.extend(self._layout.header())
        lines.extend(self._layout.row(r) for r in rows)
        self._printed = True
        return lines

    @property
    def open(self) -> bool:
        """Whether a table is open (its rows held back, or its widths fixed)."""
        return self._key is not None

    def note_printed(self) -> None:
        """Something other than a record was printed: a table or list after it starts after
        a blank line, as PowerShell separates them."""
        self._printed = True

    def close(self) -> list[str]:
        """Something else prints next: the open table's last rows."""
        lines = self.release()
        self._key = None
        self._layout = None
        return lines


# -- Format-Table and Format-List over any object ---------------------------------------------


def job_rows(
    jobs: Sequence[Job], names: Sequence[str] | None, width: int, *, autosize: bool
) -> list[CustomObject]:
    """Jobs as table rows: the Job view's columns at its widths (-AutoSize: sized to their
    cells), or the given properties."""
    if names:
        view = View(ViewKind.TABLE, columns=tuple(names))
    else:
        columns_ = job_table_columns(width)
        labels = tuple(label for label, _ in columns_)
        widths = () if autosize else tuple(w for _, w in columns_)
        view = View(ViewKind.TABLE, columns=labels, widths=widths)
    assert view.columns is not None
    return [
        CustomObject({n: get_member(job, n) for n in view.columns}, type_name="Job", view=view)
        for job in jobs
    ]


def table_rows(value: object, names: Sequence[str] | None) -> CustomObject:
    """Any object with properties as a table row (Format-Table of records, a JobStateInfo...)."""
    if isinstance(value, CustomObject) and not names:
        view = value.view if value.view.kind is ViewKind.TABLE else View(ViewKind.TABLE)
        return CustomObject(value.properties, value.type_name, view)
    properties = dict(properties_of(value))
    shown = list(names) if names else list(properties)
    lowered = {k.lower(): v for k, v in properties.items()}
    return CustomObject(
        {n: lowered.get(n.lower()) for n in shown},
        type_name=value.type_name if isinstance(value, CustomObject) else "Row",
        view=View(ViewKind.TABLE),
    )


def format_rows(
    rows: Sequence[CustomObject], width: int, *, hide_headers: bool = False, wrap: bool = False
) -> list[str]:
    """Rows as tables, one per run of rows that share a table key (blank lines between)."""
    lines: list[str] = []
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or table_key(rows[i]) != table_key(rows[start]):
            if lines:
                lines.append("")
            lines.extend(
                format_records_table(rows[start:i], width, hide_headers=hide_headers, wrap=wrap)
            )
            start = i
    return lines
