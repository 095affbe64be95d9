"""JSON and CSV of the values that flow: ConvertTo-Json, ConvertTo-Csv and Export-Csv.

The JSON follows PowerShell 7's ConvertTo-Json: an object's properties in order (a job's are
every property Format-List shows), nested objects down to ``-Depth`` levels (2 by default) and
their text below that, two-space indents, one value or an array of them. Where jobtui differs,
it is for scripts: dates are ISO 8601 with the local offset, states and other enums are names
(PowerShell writes numbers unless ``-EnumsAsStrings``), a job's ``Finished`` is a Boolean
(PowerShell's is a wait handle), and a job's streams (Output, Error...) below the depth are
left out rather than read whole and joined into one string (a child job's transcript is read
only when ``-Depth`` reaches its lines).
"""

from __future__ import annotations

import enum
import json
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from jobtui.commands.psobjects import properties_of, property_names
from jobtui.commands.records import CustomObject
from jobtui.commands.values import (
    STREAM_PROPERTIES,
    PathInfo,
    ScriptBlock,
    get_member,
    to_string,
)
from jobtui.engine import Job, JobFailure, JobStateInfo

#: ConvertTo-Json's default depth, and the deepest it accepts.
DEFAULT_DEPTH = 2
MAX_DEPTH = 100
#: PowerShell's warning when an object was cut at the depth.
TRUNCATED_WARNING = (
    "WARNING: Resulting JSON is truncated as serialization has exceeded the set depth of {depth}."
)
_TIMESPAN_MEMBERS = (
    "Ticks", "Days", "Hours", "Milliseconds", "Minutes", "Seconds", "TotalDays", "TotalHours",
    "TotalMilliseconds", "TotalMinutes", "TotalSeconds",
)  # fmt: skip


def iso_date(value: datetime) -> str:
    """A date in ISO 8601 with its offset (a job's times are local):
    ``2026-12-01T19:30:05.123456+01:00``."""
    return value.astimezone().isoformat(timespec="microseconds")


@dataclass
class JsonConversion:
    """One conversion's settings, and whether it cut an object at the depth."""

    depth: int = DEFAULT_DEPTH
    enums_as_numbers: bool = False
    truncated: bool = False

    def value(self, value: object, level: int = 0) -> object:
        """``value`` as plain JSON data (dicts, lists, strings, numbers, None)."""
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, enum.Enum):
            if self.enums_as_numbers and isinstance(value.value, int):
                return value.value
            return value.name
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            if math.isfinite(value):
                return value
            return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        if isinstance(value, datetime):
            return iso_date(value)
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, ScriptBlock | PathInfo):
            return str(value)
        if level > self.depth:
            self.truncated = True
            return to_string(value)
        if isinstance(value, list | tuple):
            return [self.value(item, level + 1) for item in value]
        if isinstance(value, dict):
            return {to_string(k): self.value(v, level + 1) for k, v in value.items()}
        if isinstance(value, timedelta):
            ticks = round(value.total_seconds() * 10_000_000)
            members: dict[str, object] = {"Ticks": ticks}
            members.update({n: get_member(value, n) for n in _TIMESPAN_MEMBERS[1:]})
            return {k: self.value(v, level + 1) for k, v in members.items()}
        if isinstance(value, Job):
            return self.job(value, level)
        if isinstance(value, CustomObject | JobStateInfo | JobFailure):
            return {name: self.value(v, level + 1) for name, v in properties_of(value)}
        return to_string(value)

    def job(self, job: Job, level: int) -> dict[str, object]:
        """A job's properties; its streams only within the depth (a child's transcript is read
        only when -Depth reaches its lines)."""
        data: dict[str, object] = {}
        for name in property_names(job):
            if name in STREAM_PROPERTIES and level + 1 > self.depth:
                self.truncated = True
                continue
            data[name] = self.value(get_member(job, name), level + 1)
        return data


def to_json(
    values: Sequence[object],
    *,
    depth: int = DEFAULT_DEPTH,
    compress: bool = False,
    as_array: bool = False,
    enums_as_numbers: bool = False,
) -> tuple[str, bool]:
    """ConvertTo-Json of the objects: one value, or an array of several (``as_array``:
    always an array); and whether the depth cut an object short."""
    conversion = JsonConversion(depth, enums_as_numbers)
    data: object
    if len(values) == 1 and not as_array:
        data = conversion.value(values[0])
    else:
        data = [conversion.value(v, 1) for v in values] if values or as_array else None
    if compress:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    else:
        text = json.dumps(data, ensure_ascii=False, indent=2)
    return text, conversion.truncated


# -- CSV --------------------------------------------------------------------------------------


class Quoting(enum.Enum):
    """ConvertTo-Csv's -UseQuotes."""

    ALWAYS = "Always"
    AS_NEEDED = "AsNeeded"
    NEVER = "Never"

    @classmethod
    def parse(cls, written: str) -> Quoting:
        """The quoting named by ``written``, in any case; raises ValueError."""
        for quoting in cls:
            if quoting.value.lower() == written.strip().lower():
                return quoting
        names = ", ".join(q.value for q in cls)
        raise ValueError(
            f'Cannot convert value "{written}" to type '
            '"Microsoft.PowerShell.Commands.BaseCsvWritingCommand+QuoteKind". Error: "Unable to '
            f"match the identifier name {written} to a valid enumerator name. Specify one of the "
            f'following enumerator names and try again: {names}"'
        )


def csv_cell(value: object) -> str | None:
    """A property's text in a CSV file (None for $null: an empty field); dates in ISO 8601."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return iso_date(value)
    return to_string(value)


def _quote(text: str | None, delimiter: str, quoting: Quoting) -> str:
    if text is None:
        return ""
    needs = any(c in text for c in (delimiter, '"', "\n", "\r"))
    if quoting is Quoting.NEVER or (quoting is Quoting.AS_NEEDED and not needs):
        return text
    return '"' + text.replace('"', '""') + '"'


def to_csv_lines(
    values: Sequence[object],
    *,
    delimiter: str = ",",
    quoting: Quoting = Quoting.ALWAYS,
    header: bool = True,
    type_information: str | None = None,
    columns: Sequence[str] | None = None,
) -> list[str]:
    """ConvertTo-Csv: a header of the first object's properties (or ``columns``: the header of
    the file Export-Csv -Append adds to), then one line per object (a property an object lacks
    is an empty field). ``type_information`` is the ``#TYPE`` line's type name."""
    if not values:
        return []
    names = list(columns) if columns is not None else [n for n, _ in properties_of(values[0])]
    lines: list[str] = []
    if type_information is not None:
        lines.append(f"#TYPE {type_information}")
    if header:
        lines.append(delimiter.join(_quote(n, delimiter, quoting) for n in names))
    for value in values:
        cells = dict((n.lower(), v) for n, v in properties_of(value))
        lines.append(
            delimiter.join(
                _quote(csv_cell(cells.get(n.lower())), delimiter, quoting) for n in names
            )
        )
    return lines
