"""JSON and CSV of values, without jobs: depth, dates, spans, quoting."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from jobtui.commands.records import CustomObject
from jobtui.commands.serialization import Quoting, iso_date, to_csv_lines, to_json
from jobtui.engine import JobState


def test_json_depth_cuts_nested_records_to_their_text() -> None:
    inner = CustomObject({"Name": "x", "Deeper": CustomObject({"Leaf": 1})})
    outer = CustomObject({"Inner": inner, "States": [JobState.Failed, JobState.Running]})

    text, truncated = to_json([outer], depth=1)

    assert truncated
    assert json.loads(text) == {
        "Inner": {"Name": "x", "Deeper": "@{Leaf=1}"},
        "States": ["Failed", "Running"],
    }
    numbers, _ = to_json([JobState.Failed], enums_as_numbers=True)
    assert numbers == "3"


def test_json_dates_spans_and_special_numbers() -> None:
    when = datetime(2026, 12, 1, 19, 30, 5, 123456)
    text, truncated = to_json([when, timedelta(seconds=90), float("nan")], compress=True)

    data = json.loads(text)
    assert not truncated
    assert data[0] == iso_date(when)
    assert datetime.fromisoformat(data[0]).replace(tzinfo=None) == when
    assert data[1]["TotalSeconds"] == 90.0 and data[1]["Ticks"] == 900_000_000
    assert data[2] == "NaN"


def test_csv_quoting_and_missing_properties() -> None:
    rows = [CustomObject({"a": 'say "hi"', "b": None}), CustomObject({"a": "x,y"})]

    assert to_csv_lines(rows) == ['"a","b"', '"say ""hi""",', '"x,y",']
    assert to_csv_lines(rows, quoting=Quoting.AS_NEEDED) == ["a,b", '"say ""hi""",', '"x,y",']
    assert to_csv_lines(rows, quoting=Quoting.NEVER, delimiter=";") == [
        "a;b",
        'say "hi";',
        "x,y;",
    ]
    assert to_csv_lines(["abc"]) == ['"Length"', '"3"']  # a string's property, as in PowerShell
