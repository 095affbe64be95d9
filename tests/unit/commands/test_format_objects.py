"""Format-Table's -AutoSize, -Wrap and -HideTableHeaders; Format-Table and Format-List over
records and other objects; how records print at the end of a pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobtui.commands import CommandSession
from tests.unit.commands.support import HEADER, UNDERLINE, output, row, run

LONG = "echo one two three four five six seven eight nine ten eleven"


@pytest.fixture
def job(session: CommandSession) -> CommandSession:
    """One finished job, Job1, whose command is longer than its column."""
    assert run(session, f"Start-Job {{{LONG}}} | Wait-Job").succeeded
    return session


def test_format_table_hide_table_headers_and_autosize(job: CommandSession) -> None:
    hidden = output(run(job, "Get-Job | Format-Table -HideTableHeaders"))
    autosized = output(run(job, "Get-Job | ft -AutoSize"))
    plain = output(run(job, "Get-Job | ft"))

    assert plain[:2] == [HEADER, UNDERLINE]
    assert hidden == plain[2:]
    assert autosized == [
        "Id Name PSJobTypeName State     HasMoreData Location  Command",
        "-- ---- ------------- -----     ----------- --------  -------",
        f"1  Job1 BackgroundJob Completed True        localhost {LONG}",
    ]


def test_format_table_wrap_keeps_the_whole_command(job: CommandSession) -> None:
    lines = output(run(job, "Get-Job | ft -Wrap"))

    first = row(1, "Job1", "Completed", True, "")
    assert lines[:2] == [HEADER, UNDERLINE]
    assert lines[2].startswith(first)
    command_column = len(HEADER) - len("Command")
    rebuilt = " ".join(line[command_column:] for line in lines[2:])
    assert rebuilt == LONG
    assert all(line[:command_column].strip() == "" for line in lines[3:])


def test_format_table_and_list_of_records(job: CommandSession) -> None:
    table = output(run(job, "Get-Job | select Id, Name, State | Format-Table Name, Id"))
    listed = output(run(job, "Get-Job | select Id, Name | Format-List"))
    star = output(run(job, "Get-Job | select Id, Name | fl N*"))
    info = output(run(job, "(Get-Job).JobStateInfo | fl"))

    assert table == ["Name Id", "---- --", "Job1  1"]
    assert listed == ["Id   : 1", "Name : Job1"]
    assert star == ["Name : Job1"]
    assert info == ["State  : Completed", "Reason :"]


def test_records_with_many_properties_print_as_a_list(job: CommandSession) -> None:
    lines = output(run(job, "Get-Job | select Id, Name, State, Location, Command"))

    assert lines == [
        "Id       : 1",
        "Name     : Job1",
        "State    : Completed",
        "Location : localhost",
        f"Command  : {LONG}",
    ]


def test_a_tables_columns_fit_all_its_rows(session: CommandSession) -> None:
    lengths = output(run(session, "'x', 'a much longer text' | % { $_ } | select Length, Nope"))

    assert lengths == ["Length Nope", "------ ----", "     1", "    18"]


def test_record_tables_in_a_file_come_out_whole(session: CommandSession, tmp_path: Path) -> None:
    assert run(session, "'ab', 'abcdef' | select Length > lengths.txt").succeeded
    assert run(session, "'ab' | select Length | Out-File more.txt").succeeded

    assert (tmp_path / "lengths.txt").read_text().splitlines() == [
        "Length",
        "------",
        "     2",
        "     6",
    ]
    assert (tmp_path / "more.txt").read_text().splitlines() == ["Length", "------", "     2"]


def test_a_record_table_after_other_output_starts_after_a_blank_line(
    job: CommandSession,
) -> None:
    lines = output(run(job, "echo hi; Get-Job | select Id; Get-Job | group State -NoElement"))

    assert lines == ["hi", "", "Id", "--", " 1", "", "Count Name", "----- ----", "    1 Completed"]
