"""Type names: error messages' (type_name) and Get-Member's (full, short), from one table."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from jobtui.commands.match_info import MatchInfo
from jobtui.commands.psobjects import full_type_name, short_type_name
from jobtui.commands.records import CustomObject
from jobtui.commands.values import FormattedText, PathInfo, ScriptBlock, type_name
from jobtui.engine import JobState
from jobtui.engine.progress import ProgressRecord


@pytest.mark.parametrize(
    ("value", "message_name", "full", "short"),
    [
        (None, "null", "object", "object"),
        (True, "System.Boolean", "System.Boolean", "bool"),
        (5, "System.Int32", "System.Int32", "int"),
        (JobState.Failed, *["System.Management.Automation.JobState"] * 3),  # an IntEnum
        (3_000_000_000, "System.Int32", "System.Int64", "long"),
        (2.5, "System.Double", "System.Double", "double"),
        ("x", "System.String", "System.String", "string"),
        (ScriptBlock("echo"), *["System.Management.Automation.ScriptBlock"] * 2, "scriptblock"),
        (PathInfo("/tmp"), *["System.Management.Automation.PathInfo"] * 3),
        (uuid.UUID(int=1), "System.Guid", "System.Guid", "guid"),
        (datetime(2026, 1, 2), "System.DateTime", "System.DateTime", "datetime"),
        ([1, 2], "System.Object[]", "System.Object[]", "Object[]"),
        ((1,), "System.Object[]", "System.Object[]", "Object[]"),
        (timedelta(seconds=3), "System.TimeSpan", "System.TimeSpan", "timespan"),
        ({0: "a"}, *["System.Collections.Hashtable"] * 3),  # $Matches
        (MatchInfo("a", 1, "InputStream", "a"), *["Microsoft.PowerShell.Commands.MatchInfo"] * 3),
        (ProgressRecord("copy", "1/2", 50), *["System.Management.Automation.ProgressRecord"] * 3),
        (CustomObject({"a": 1}, type_name="Selected.X"), *["Selected.X"] * 3),
    ],
)
def test_each_value_has_its_powershell_type_names(
    value: object, message_name: str, full: str, short: str
) -> None:
    assert type_name(value) == message_name
    assert full_type_name(value) == full
    assert short_type_name(value) == short


def test_a_value_of_no_powershell_type_is_named_by_its_class() -> None:
    """Format-List's lines piped on (``Get-Job | Format-List | Get-Member``) are named, not an
    endless recursion between the full and the short name."""
    lines = FormattedText(("a",))

    assert type_name(lines) == full_type_name(lines) == short_type_name(lines) == "FormattedText"
