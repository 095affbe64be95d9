"""PowerShell's Get-Job table, list view and values, laid out for a given width."""

from __future__ import annotations

import threading

from jobtui.commands import format_job_table
from jobtui.commands.output_format import (
    OutputFormatter,
    format_list,
    job_table_columns,
    truncate,
    value_lines,
)
from jobtui.engine import Job, JobFailure, JobState, JobStateInfo


def _job(job_id: int, command: str, state: JobState = JobState.Running, **kwargs: str) -> Job:
    job = Job(
        id=job_id,
        command=command,
        ps_job_type_name=kwargs.get("type_name", "BackgroundJob"),
        name=kwargs.get("name"),
        lock=threading.RLock(),
        on_state_changed=lambda *a: None,
    )
    job.set_state(JobState.Running)
    if state is not JobState.Running:
        job.set_state(state)
    return job


def test_the_powershell_7_layout_at_120_columns() -> None:
    lines = format_job_table(
        [_job(1, " $Env:COMPUTERNAME", JobState.Completed), _job(3, "Get-Process")], 120
    )

    assert lines == [
        "Id     Name            PSJobTypeName   State         HasMoreData     Location             Command",  # noqa: E501
        "--     ----            -------------   -----         -----------     --------             -------",  # noqa: E501
        "1      Job1            BackgroundJob   Completed     False           localhost             $Env:COMPUTERNAME",  # noqa: E501
        "3      Job3            BackgroundJob   Running       True            localhost            Get-Process",  # noqa: E501
    ]
    assert [lines[0].index(label) for label in lines[0].split()] == [0, 7, 23, 39, 53, 69, 90]


def test_command_is_cut_with_an_ellipsis_at_the_column_width() -> None:
    # At 115 columns the Command column is PowerShell's own 25 characters.
    (row,) = format_job_table([_job(5, "Get-EventLog -LogName System")], 115)[2:]

    assert row.endswith("localhost            Get-EventLog -LogName Sy…")
    assert len(row.split("localhost")[1].strip()) == 25


def test_long_names_are_cut_too_and_newlines_do_not_break_rows() -> None:
    (row,) = format_job_table([_job(7, "echo a\necho b", name="a-very-long-job-name")], 120)[2:]

    assert row.split()[1] == "a-very-long-jo…"
    assert row.endswith("echo a echo b")


def test_trailing_columns_that_do_not_fit_are_dropped() -> None:
    assert [c for c, _ in job_table_columns(200)][-1] == "Command"
    assert job_table_columns(200)[-1][1] == 110  # the rest of the width
    assert [c for c, _ in job_table_columns(99)] == [
        "Id", "Name", "PSJobTypeName", "State", "HasMoreData", "Location",
    ]  # fmt: skip
    assert [c for c, _ in job_table_columns(40)] == ["Id", "Name", "PSJobTypeName"]
    assert [c for c, _ in job_table_columns(3)] == ["Id"]


def test_child_rows_have_an_empty_type_name() -> None:
    (row,) = format_job_table([_job(2, "Get-Process", JobState.Completed, type_name="")], 120)[2:]

    assert (
        row
        == "2      Job2                            Completed     False           localhost            Get-Process"  # noqa: E501
    )


def test_truncate() -> None:
    assert truncate("abcdef", 6) == "abcdef"
    assert truncate("abcdefg", 6) == "abcde…"
    assert truncate("abc", 0) == ""


def test_consecutive_jobs_share_one_header() -> None:
    formatter = OutputFormatter(120)

    first = formatter.format(_job(1, "a"))
    second = formatter.format(_job(3, "b"))
    text = formatter.format("a line")
    third = formatter.format(_job(5, "c"))

    assert len(first) == 3 and len(second) == 1
    assert text == ["a line"]
    assert len(third) == 3


def test_format_list_of_a_job() -> None:
    lines = format_list(_job(1, "make", JobState.Completed))

    assert lines[0] == "State            : Completed"
    assert "Command          : make" in lines
    assert "ChildJobs        : {}" in lines
    assert all(" : " in line or line.endswith(" :") for line in lines)


def test_values() -> None:
    assert value_lines(JobStateInfo(JobState.Failed, JobFailure("Exit code 2."))) == [
        "State  Reason",
        "-----  ------",
        "Failed Exit code 2.",
    ]
    assert value_lines(JobFailure("Exit code 2.")) == ["Exit code 2."]
    assert value_lines(True) == ["True"]
    assert value_lines(None) == []
    assert value_lines("two\nlines") == ["two", "lines"]
