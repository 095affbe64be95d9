"""The records the object cmdlets make, and the properties of every value that flows.

PowerShell's object cmdlets see any object as a bag of named properties: a job's are its
Format-List properties, a string's its Length, a Select-Object result's the ones it selected.
:func:`properties_of` is that view for every value jobtui has, so that Select-Object,
Sort-Object, Group-Object, Get-Member, ConvertTo-Json and ConvertTo-Csv agree on what an object
holds.
"""

from __future__ import annotations

from datetime import datetime

from jobtui.commands.records import CustomObject
from jobtui.commands.values import (
    JOB_PROPERTIES,
    STREAM_PROPERTIES,
    PathInfo,
    get_member,
    value_type_name,
)
from jobtui.engine import THREAD_JOB, Job, JobFailure, JobStateInfo

# -- the properties of any value --------------------------------------------------------------

_FAILURE_PROPERTIES = ("Message", "ExitCode", "SignalName", "LastErrorLine")
_DATETIME_PROPERTIES = ("Year", "Month", "Day", "Hour", "Minute", "Second")


def property_names(value: object) -> list[str]:
    """The names of ``value``'s properties, in PowerShell's order for it."""
    if isinstance(value, Job):
        return list(JOB_PROPERTIES)
    if isinstance(value, CustomObject):
        return list(value.properties)
    if isinstance(value, JobStateInfo):
        return ["State", "Reason"]
    if isinstance(value, JobFailure):
        return list(_FAILURE_PROPERTIES)
    if isinstance(value, str):
        return ["Length"]
    if isinstance(value, PathInfo):
        return ["Path"]
    if isinstance(value, datetime):
        return list(_DATETIME_PROPERTIES)
    return []


def properties_of(value: object) -> list[tuple[str, object]]:
    """``value``'s properties and their values (what Select-Object * and Format-List show)."""
    if isinstance(value, CustomObject):
        return list(value.properties.items())
    return [(name, get_member(value, name)) for name in property_names(value)]


def property_value(value: object, name: str) -> object:
    """``value.name`` (None when it has no such property), records included."""
    if isinstance(value, CustomObject):
        return value.get(name)
    return get_member(value, name)


def has_property(value: object, name: str) -> bool:
    """Whether ``value`` has a property called ``name`` (in any case)."""
    if isinstance(value, CustomObject):
        return value.key(name) is not None
    lowered = name.lower()
    return any(n.lower() == lowered for n in property_names(value))


def canonical_name(value: object, name: str) -> str:
    """``name`` as ``value`` spells it (``state`` -> ``State``); as written if unknown."""
    lowered = name.lower()
    for existing in property_names(value):
        if existing.lower() == lowered:
            return existing
    return name


# -- PowerShell's type names ------------------------------------------------------------------


def full_type_name(value: object) -> str:
    """The TypeName Get-Member prints for ``value`` (PowerShell's own for its job classes)."""
    if isinstance(value, Job):
        if value.parent is not None:
            return "System.Management.Automation.PSRemotingChildJob"
        if value.ps_job_type_name == THREAD_JOB:
            return "ThreadJob.ThreadJob"
        return "System.Management.Automation.PSRemotingJob"
    if isinstance(value, CustomObject):
        return value.type_name
    if isinstance(value, JobStateInfo):
        return "System.Management.Automation.JobStateInfo"
    if isinstance(value, JobFailure):
        return "System.Management.Automation.RuntimeException"
    if value is None:
        return "object"
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**31) <= value < 2**31:
        return "System.Int64"
    return value_type_name(value) or type(value).__name__


#: The short names Get-Member writes in definitions, by full type name (the others: as they are).
_SHORT_NAMES = {
    "System.String": "string",
    "System.Int32": "int",
    "System.Int64": "long",
    "System.Double": "double",
    "System.Boolean": "bool",
    "System.DateTime": "datetime",
    "System.Guid": "guid",
    "System.TimeSpan": "timespan",
    "System.Management.Automation.ScriptBlock": "scriptblock",
    "System.Object[]": "Object[]",
}


def short_type_name(value: object) -> str:
    """The short type name PowerShell writes in member definitions (``string``, ``int``)."""
    full = full_type_name(value)
    return _SHORT_NAMES.get(full, full)


_COLLECTION = "System.Management.Automation.PSDataCollection"
#: The declared types of a job's properties (Get-Member's definitions).
JOB_PROPERTY_TYPES: dict[str, str] = {
    "State": "System.Management.Automation.JobState",
    "HasMoreData": "bool",
    "StatusMessage": "string",
    "Location": "string",
    "Command": "string",
    "JobStateInfo": "System.Management.Automation.JobStateInfo",
    "Finished": "bool",
    "InstanceId": "guid",
    "Id": "int",
    "Name": "string",
    "ChildJobs": "System.Collections.Generic.List[System.Management.Automation.Job]",
    "PSBeginTime": "System.Nullable[datetime]",
    "PSEndTime": "System.Nullable[datetime]",
    "PSJobTypeName": "string",
    "Output": "System.Management.Automation.PSDataCollection[psobject]",
    **{
        stream: f"{_COLLECTION}[System.Management.Automation.{stream}Record]"
        for stream in ("Error", "Progress", "Verbose", "Debug", "Warning", "Information")
    },
    "Pid": "System.Nullable[int]",
    "ExitCode": "System.Nullable[int]",
    "Signal": "string",
    "WorkingDirectory": "string",
    "Shell": "string",
}
#: The job properties a user can set (PowerShell's Name and its stream collections).
JOB_SETTABLE = frozenset({"Name", *STREAM_PROPERTIES})

_OTHER_PROPERTY_TYPES: dict[str, dict[str, str]] = {
    "System.Management.Automation.JobStateInfo": {
        "State": "System.Management.Automation.JobState",
        "Reason": "System.Exception",
    },
    "System.Management.Automation.RuntimeException": {
        "Message": "string",
        "ExitCode": "System.Nullable[int]",
        "SignalName": "string",
        "LastErrorLine": "string",
    },
    "System.String": {"Length": "int"},
    "System.Management.Automation.PathInfo": {"Path": "string"},
    "System.DateTime": {name: "int" for name in _DATETIME_PROPERTIES},
}


def declared_types(value: object) -> dict[str, str] | None:
    """The declared property types of ``value``'s class; None for a record's own notes."""
    if isinstance(value, Job):
        return JOB_PROPERTY_TYPES
    if isinstance(value, CustomObject):
        return value.declared or None
    return _OTHER_PROPERTY_TYPES.get(full_type_name(value), {})
