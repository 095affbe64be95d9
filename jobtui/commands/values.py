"""The values a line computes with: jobs, strings, numbers, script blocks, and their members."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import UnionType
from typing import Any

from jobtui.commands.errors import CommandError, parser_error
from jobtui.commands.match_info import MatchInfo
from jobtui.commands.records import CustomObject
from jobtui.engine import (
    LIST_PROPERTIES,
    QUEUE_PROPERTIES,
    Job,
    JobFailure,
    JobState,
    JobStateInfo,
    Stream,
)
from jobtui.engine.job import PS_PROPERTIES, SCHEDULER_PROPERTIES
from jobtui.engine.progress import ProgressRecord

#: A job's stream collections, properties of every job as in PowerShell (a parent's own are
#: empty: its children hold the output). Shell jobs write only Output (stdout) and Error
#: (stderr); the other streams are PowerShell's and always empty here.
STREAM_PROPERTIES = ("Output", "Error", "Progress", "Verbose", "Debug", "Warning", "Information")
_STREAMS = {"output": Stream.Output, "error": Stream.Error}


def _job_properties() -> tuple[str, ...]:
    after = LIST_PROPERTIES.index("PSJobTypeName") + 1
    listed = [*LIST_PROPERTIES[:after], *STREAM_PROPERTIES, *LIST_PROPERTIES[after:]]
    apart = (*QUEUE_PROPERTIES, *SCHEDULER_PROPERTIES)
    by_key = {name.lower(): name for name in [*listed, *apart]}
    rest = [key for key in PS_PROPERTIES if by_key.get(key) not in (*listed, *apart)]
    return (*listed, *rest)


#: Every property of a job by its PowerShell name, in Format-List's order: PowerShell's (the
#: streams after PSJobTypeName, as Format-List shows them), then jobtui's Unix additions.
JOB_PROPERTIES: tuple[str, ...] = _job_properties()
#: Every property name a job answers to: the listed ones and the queue's, asked for by name.
_JOB_PROPERTY_KEYS = frozenset(
    name.lower() for name in (*JOB_PROPERTIES, *QUEUE_PROPERTIES, *SCHEDULER_PROPERTIES)
)


def has_job_property(name: str) -> bool:
    """Whether a job has the property ``name`` (any case), even if its value is $null."""
    return name.lower() in _JOB_PROPERTY_KEYS


@dataclass(frozen=True)
class ScriptBlock:
    """``{ ... }``: the shell command text between the braces, whitespace kept."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class PathInfo:
    """A location, as Get-Location and ``$pwd`` give it: prints as a Path table, reads as text."""

    path: str

    def __str__(self) -> str:
        return self.path


@dataclass(frozen=True)
class FormattedText:
    """Lines already laid out by Format-List or Format-Table; printed as they are."""

    lines: tuple[str, ...]


#: PowerShell's full names of the types of plain values, tested in this order (a bool and a
#: JobState, an IntEnum, are ints in Python, so they come first). Error messages
#: (:func:`type_name`) and Get-Member's TypeName (``psobjects.full_type_name``) both name a value
#: by this table.
_VALUE_TYPES: tuple[tuple[type | UnionType, str], ...] = (
    (bool, "System.Boolean"),
    (JobState, "System.Management.Automation.JobState"),
    (int, "System.Int32"),
    (float, "System.Double"),
    (str, "System.String"),
    (ScriptBlock, "System.Management.Automation.ScriptBlock"),
    (PathInfo, "System.Management.Automation.PathInfo"),
    (uuid.UUID, "System.Guid"),
    (datetime, "System.DateTime"),
    (list | tuple, "System.Object[]"),
    (timedelta, "System.TimeSpan"),
    (dict, "System.Collections.Hashtable"),  # $Matches
    (MatchInfo, "Microsoft.PowerShell.Commands.MatchInfo"),
    (ProgressRecord, "System.Management.Automation.ProgressRecord"),
)


def value_type_name(value: object) -> str | None:
    """PowerShell's full type name of a plain value (a number, a string, a date...); None for
    anything else (jobs, records and None are named by their callers)."""
    for python_type, name in _VALUE_TYPES:
        if isinstance(value, python_type):
            return name
    return None


def type_name(value: object) -> str:
    """PowerShell's name for the type of ``value``, as its messages show it."""
    if value is None:
        return "null"
    if isinstance(value, Job):
        return "System.Management.Automation.Job"
    if isinstance(value, CustomObject):
        return value.type_name
    return value_type_name(value) or type(value).__name__


def to_string(value: object) -> str:
    """``value`` as PowerShell's ``[string]`` makes it (for "$expansion", conversions and
    messages); the screen's rendering of a line is ``jobtui.ui.sanitize``'s, not this."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, Job):
        return value.name
    if isinstance(value, JobState):
        return value.name
    if isinstance(value, JobStateInfo):
        return value.state.name
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, list | tuple):
        return " ".join(to_string(v) for v in value)
    if isinstance(value, float):
        return _double(value)
    if isinstance(value, timedelta):
        return _timespan(value)
    if isinstance(value, CustomObject):  # PowerShell's text of a PSCustomObject
        return "@{" + "; ".join(f"{k}={to_string(v)}" for k, v in value.properties.items()) + "}"
    return str(value)


def _double(value: float) -> str:
    """A double as PowerShell writes it: ``2``, not ``2.0``; ``0.333333333333333``."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.15g}".replace("e", "E")


def _timespan(value: timedelta) -> str:
    """A TimeSpan as .NET writes it: ``[-][d.]hh:mm:ss[.fffffff]``."""
    ticks = value.days * 864_000_000_000 + value.seconds * 10_000_000 + value.microseconds * 10
    sign = "-" if ticks < 0 else ""
    ticks = abs(ticks)
    days, rest = divmod(ticks, 864_000_000_000)
    hours, rest = divmod(rest, 36_000_000_000)
    minutes, rest = divmod(rest, 600_000_000)
    seconds, fraction = divmod(rest, 10_000_000)
    text = f"{sign}{f'{days}.' if days else ''}{hours:02d}:{minutes:02d}:{seconds:02d}"
    return text + (f".{fraction:07d}" if fraction else "")


def as_list(value: object) -> list[object]:
    """A value as the objects it sends down a pipeline: a list's items, nothing for $null."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def unwrap(values: Sequence[object]) -> object:
    """What a variable holds after an assignment: nothing, the one object, or the list."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return list(values)


#: Members of values that are not jobs, by lower-cased PowerShell name.
_FAILURE_MEMBERS = {
    "message": lambda f: f.message,
    "exitcode": lambda f: f.exit_code,
    "signalname": lambda f: f.signal_name,
    "lasterrorline": lambda f: f.last_error_line,
}


def get_member(value: object, name: str) -> object:
    """``value.Name`` as PowerShell reads it: $null for a member that does not exist.

    A list without the member gives the member of each item ("member enumeration"), so
    ``(Get-Job).Id`` is every job's Id.
    """
    key = name.lower()
    if value is None:
        return 0 if key == "count" else None
    if isinstance(value, CustomObject) and value.key(name) is not None:
        return value.get(name)
    if key == "count" and not isinstance(value, list | tuple):
        return 1  # PowerShell's intrinsic Count: one object counts as one
    if isinstance(value, Job):
        if key in _STREAMS:
            return _stream_lines(value, _STREAMS[key])
        if key in _JOB_PROPERTY_KEYS and key not in PS_PROPERTIES:
            return []  # Progress, Verbose...: PowerShell's streams, which shell jobs never write
        return value.get_property(name) if key in PS_PROPERTIES else None
    if isinstance(value, list | tuple):
        if key in ("count", "length"):
            return len(value)
        results = [get_member(item, name) for item in value]
        return unwrap([r for r in results if r is not None])
    if isinstance(value, JobStateInfo):
        if key == "state":
            return value.state
        if key == "reason":
            return value.reason
        return None
    if isinstance(value, JobFailure):
        getter = _FAILURE_MEMBERS.get(key)
        return getter(value) if getter is not None else None
    if isinstance(value, ProgressRecord):
        return value.get_property(key)
    if isinstance(value, JobState):
        return {"value__": int(value)}.get(key)
    if isinstance(value, str | ScriptBlock):
        text = str(value)
        return len(text) if key == "length" else None
    if isinstance(value, PathInfo):
        return value.path if key in ("path", "providerpath") else None
    if isinstance(value, MatchInfo):
        return value.member(key)
    if isinstance(value, datetime):
        return _datetime_member(value, key)
    if isinstance(value, timedelta):
        return _timespan_member(value, key)
    return None


def _stream_lines(job: Job, stream: Stream) -> list[str]:
    """``$job.ChildJobs[0].Output``: every line of one stream, received or not (a parent job's
    own collections are empty, as in PowerShell)."""
    store = job.output
    if store is None:
        return []
    return [
        line for record in store.records() if record.stream is stream for line in record.lines()
    ]


def _datetime_member(value: datetime, key: str) -> Any:
    members = {
        "year": value.year,
        "month": value.month,
        "day": value.day,
        "hour": value.hour,
        "minute": value.minute,
        "second": value.second,
    }
    return members.get(key)


def _timespan_member(value: timedelta, key: str) -> Any:
    total = value.total_seconds()
    whole = int(total)  # the parts keep the span's sign, as .NET's do
    members = {
        "days": int(total / 86400),
        "hours": int(whole % 86400 / 3600) if whole >= 0 else -int(-whole % 86400 / 3600),
        "minutes": int(abs(whole) % 3600 / 60) * (1 if whole >= 0 else -1),
        "seconds": int(abs(whole) % 60) * (1 if whole >= 0 else -1),
        "milliseconds": int(round(abs(total - whole) * 1000, 6)) * (1 if total >= 0 else -1),
        "totaldays": total / 86400,
        "totalhours": total / 3600,
        "totalminutes": total / 60,
        "totalseconds": total,
        "totalmilliseconds": total * 1000,
    }
    return members.get(key)


def get_index(value: object, index: object) -> object:
    """``value[index]``: negative indices count from the end; out of range is $null."""
    if isinstance(index, list):
        return unwrap([get_index(value, i) for i in index])
    if not isinstance(index, int) or isinstance(index, bool):
        return None
    items = value if isinstance(value, list | tuple) else as_list(value)
    if isinstance(value, str):
        items = list(value)
    if -len(items) <= index < len(items):
        return items[index]
    return None


# -- bare words -------------------------------------------------------------------------------

_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+)$")
_RANGE = re.compile(r"^([+-]?\d+)\.\.([+-]?\d+)$")
#: A range longer than this is refused (PowerShell's own limit is 50,000,000; ours is smaller
#: because nothing in the job cmdlets needs more).
MAX_RANGE = 10_000


def constant_value(word: str) -> object:
    """What a bare word means: an int, a float, a range's list of ints, or the word itself."""
    if _INT.match(word):
        return int(word)
    if _FLOAT.match(word):
        return float(word)
    match = _RANGE.match(word)
    if match:
        start, stop = int(match.group(1)), int(match.group(2))
        if abs(stop - start) >= MAX_RANGE:
            raise parser_error(f"The range {word} is too long (at most {MAX_RANGE} numbers).")
        step = 1 if stop >= start else -1
        return list(range(start, stop + step, step))
    return word


def constant_value_or_none(word: str) -> object:
    """Like :func:`constant_value`, but a too-long range is just the word (never raises)."""
    try:
        return constant_value(word)
    except CommandError:
        return word
