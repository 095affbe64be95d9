"""How results print: PowerShell's Get-Job table and list views, property values, plain lines.

The job table is PowerShell 7's "Job" view (PowerShellCore_format_ps1xml.cs): fixed widths, one
space between columns, dash underlines as long as the labels, ``…`` for a cut value, and the
trailing columns that do not fit the width dropped. jobtui's one change: the Command column takes
the rest of the width instead of stopping at 25 characters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from jobtui.commands.match_info import MatchInfo
from jobtui.commands.records import CustomObject
from jobtui.commands.values import (
    JOB_PROPERTIES,
    FormattedText,
    PathInfo,
    get_member,
    has_job_property,
    to_string,
)
from jobtui.engine import Job, JobFailure, JobStateInfo

#: (label, width) of the Job view's columns, in order.
JOB_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Id", 6),
    ("Name", 15),
    ("PSJobTypeName", 15),
    ("State", 13),
    ("HasMoreData", 15),
    ("Location", 20),
    ("Command", 25),
)
#: Narrower than this, the Command column is dropped rather than cut to a stub.
MIN_COMMAND_WIDTH = 10
ELLIPSIS = "…"

_CELL: dict[str, Callable[[Job], str]] = {
    "Id": lambda j: str(j.id),
    "Name": lambda j: j.name,
    "PSJobTypeName": lambda j: j.ps_job_type_name,
    "State": lambda j: j.state.name,
    "HasMoreData": lambda j: "True" if j.has_more_data else "False",
    "Location": lambda j: j.location,
    "Command": lambda j: j.command,
}


def truncate(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, the last one ``…`` when something was cut."""
    text = _one_line(text)
    if len(text) <= width:
        return text
    if width <= 0:
        return ""
    return text[: width - 1] + ELLIPSIS


def _one_line(text: str) -> str:
    # A multi-line script block still fills one row; its other whitespace is kept as typed.
    return text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")


def job_table_columns(width: int) -> list[tuple[str, int]]:
    """The columns that fit ``width``, each with the width it gets."""
    columns: list[tuple[str, int]] = []
    offset = 0
    for label, column_width in JOB_COLUMNS:
        if label == "Command":
            room = width - offset
            if room >= MIN_COMMAND_WIDTH:
                columns.append((label, room))
            break
        if offset + column_width > width and columns:
            break
        columns.append((label, column_width))
        offset += column_width + 1
    return columns


def _row(cells: Sequence[str], columns: Sequence[tuple[str, int]]) -> str:
    parts = [truncate(cell, w).ljust(w) for cell, (_, w) in zip(cells, columns, strict=True)]
    return " ".join(parts).rstrip()


def job_table_header(width: int) -> list[str]:
    """The table's header line and its underline."""
    columns = job_table_columns(width)
    return [
        _row([label for label, _ in columns], columns),
        _row(["-" * len(label) for label, _ in columns], columns),
    ]


def job_table_row(job: Job, width: int) -> str:
    """One job's row of the table."""
    columns = job_table_columns(width)
    return _row([_CELL[label](job) for label, _ in columns], columns)


def format_job_table(jobs: Sequence[Job], width: int) -> list[str]:
    """PowerShell's Get-Job table (Id Name PSJobTypeName State HasMoreData Location Command)."""
    if not jobs:
        return []
    return [*job_table_header(width), *(job_table_row(job, width) for job in jobs)]


# -- values -----------------------------------------------------------------------------------


#: PowerShell's $FormatEnumerationLimit: a list in a list or table cell shows its first four
#: items, then ``...`` (a job's Output of a million lines stays one short line).
FORMAT_ENUMERATION_LIMIT = 4


def format_property(value: object) -> str:
    """A property's value in one line, as a list view or a table cell shows it: a value's text
    (:func:`to_string`), a list as ``{a, b}`` (``{1, 2, 3, 4...}`` past four items)."""
    if isinstance(value, list | tuple):
        shown = ", ".join(format_property(v) for v in value[:FORMAT_ENUMERATION_LIMIT])
        more = "..." if len(value) > FORMAT_ENUMERATION_LIMIT else ""
        return "{" + shown + more + "}"
    return _one_line(to_string(value))


def format_list(job: Job, properties: Sequence[str] | None = None) -> list[str]:
    """Format-List of one job: ``Name : value`` lines, labels padded to the longest.

    A property the job does not have is left out, as PowerShell leaves it out (``Format-List
    Nope`` prints nothing); one whose value is $null has an empty value.
    """
    names = list(properties) if properties else list(JOB_PROPERTIES)
    values = [(name, get_member(job, name)) for name in names if has_job_property(name)]
    pad = max((len(name) for name, _ in values), default=0)
    return [f"{name.ljust(pad)} : {format_property(value)}".rstrip() for name, value in values]


def format_table(rows: Sequence[Sequence[str]], labels: Sequence[str]) -> list[str]:
    """A table sized to its content, with PowerShell's dash underlines."""
    widths = [max([len(label), *(len(r[i]) for r in rows)]) for i, label in enumerate(labels)]
    lines = [
        " ".join(label.ljust(w) for label, w in zip(labels, widths, strict=True)).rstrip(),
        " ".join(
            ("-" * len(label)).ljust(w) for label, w in zip(labels, widths, strict=True)
        ).rstrip(),
    ]
    lines.extend(
        " ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
    return lines


def value_lines(value: object) -> list[str]:
    """The lines a value other than a job prints as (a property, a received line...)."""
    if value is None:
        return []
    if isinstance(value, FormattedText):
        return list(value.lines)
    if isinstance(value, JobStateInfo):
        reason = "" if value.reason is None else format_property(value.reason)
        return format_table([[value.state.name, reason]], ["State", "Reason"])
    if isinstance(value, JobFailure):
        return [value.message]
    if isinstance(value, PathInfo):
        return format_table([[value.path]], ["Path"])
    if isinstance(value, MatchInfo):
        return value.display_lines()
    if isinstance(value, str):
        return value.split("\n") if "\n" in value else [value]
    return [format_property(value)]


class OutputFormatter:
    """Turns objects arriving one by one into lines, as PowerShell's Out-Default does.

    Consecutive jobs share one table header, even across statements of one line. Records
    (Select-Object's results, groups, measures) print through a
    :class:`~jobtui.commands.record_format.RecordPrinter`, whose tables hold their rows back
    until :meth:`release`, :meth:`interrupt` or :meth:`end` so that their columns fit them all.
    """

    def __init__(self, width: int) -> None:
        # Imported here: record_format lays its cells out with this module's format_property.
        from jobtui.commands.record_format import RecordPrinter

        self.width = width
        self._in_table = False
        self._records = RecordPrinter(width)

    def format(self, value: object) -> list[str]:
        """The lines for the next object."""
        if type(value) is str and not self._records.open:  # the hot path: received lines
            self._in_table = False
            self._records.note_printed()
            return value.split("\n") if "\n" in value else [value]
        if isinstance(value, CustomObject):
            self._in_table = False
            return self._records.add(value)
        lines = self._records.close()
        if isinstance(value, list | tuple):
            self._in_table = False
            for item in value:
                lines.extend(self.format(item))
            return lines
        if isinstance(value, Job):
            if not self._in_table:
                lines.extend(job_table_header(self.width))
            self._in_table = True
            lines.append(job_table_row(value, self.width))
        else:
            self._in_table = False
            printed = value_lines(value)
            if not printed:
                return lines
            lines.extend(printed)
        self._records.note_printed()  # a record table after this starts after a blank line
        return lines

    def interrupt(self) -> list[str]:
        """Something else is printed: the lines still held back; the next job starts a new
        table."""
        self._in_table = False
        lines = self._records.close()
        self._records.note_printed()
        return lines

    def release(self) -> list[str]:
        """A pipeline stage ended: the record rows held back, under their header."""
        return self._records.release()

    def end(self) -> list[str]:
        """The output is over: every line still held back."""
        self._in_table = False
        return self._records.close()
