"""ConvertTo-Json, ConvertTo-Csv, Export-Csv, Out-String, Write-Output (echo) and Write-Host;
and ``jobtui --plain`` with ``Get-Job | ConvertTo-Json`` for scripts."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

import jobtui
from jobtui.commands import CommandSession
from jobtui.commands.values import JOB_PROPERTIES
from tests.unit.commands.support import errors, infos, output, run

ROOT = Path(jobtui.__file__).resolve().parents[1]


@pytest.fixture
def jobs(session: CommandSession) -> CommandSession:
    """build1 (Completed) and test2 (Failed, exit 3): Ids 1 and 3."""
    assert run(session, "Start-Job {echo a} -Name build1; Start-Job {exit 3} -Name test2").succeeded
    assert run(session, "Get-Job | Wait-Job").succeeded
    return session


def _json(session: CommandSession, line: str) -> object:
    result = run(session, line)
    assert not errors(result), errors(result)
    return json.loads("\n".join(output(result)))


# -- ConvertTo-Json ---------------------------------------------------------------------------


def test_json_of_a_job_has_every_format_list_property(jobs: CommandSession) -> None:
    job = _json(jobs, "Get-Job -Name test2 | ConvertTo-Json")

    assert isinstance(job, dict)
    assert list(job) == list(JOB_PROPERTIES)  # Format-List's properties, in its order
    assert job["State"] == "Failed" and job["Id"] == 3 and job["Name"] == "test2"
    assert job["HasMoreData"] is False and job["ExitCode"] == 3
    assert job["JobStateInfo"] == {"State": "Failed", "Reason": None}  # the parent's, as in PS
    begin = datetime.fromisoformat(job["PSBeginTime"])
    assert begin.tzinfo is not None  # ISO 8601 with the offset
    child = job["ChildJobs"][0]
    assert child["Name"] == "Job4" and child["State"] == "Failed"
    assert child["JobStateInfo"] == "Failed"  # the default -Depth 2 reached: its text
    assert job["Output"] == [] and "Output" not in child  # a child's lines only when asked


def test_json_depth_reaches_a_childs_output_lines(jobs: CommandSession) -> None:
    job = _json(jobs, "Get-Job -Name build1 | ConvertTo-Json -Depth 3")

    assert isinstance(job, dict)
    assert job["ChildJobs"][0]["Output"] == ["a"]
    assert job["ChildJobs"][0]["JobStateInfo"] == {"State": "Completed", "Reason": None}


def test_json_of_several_jobs_is_an_array_and_depth_cuts_with_a_warning(
    jobs: CommandSession,
) -> None:
    many = _json(jobs, "Get-Job | ConvertTo-Json")
    result = run(jobs, "Get-Job -Id 3 | ConvertTo-Json -Depth 0")

    assert isinstance(many, list) and [j["Name"] for j in many] == ["build1", "test2"]
    assert many[1]["JobStateInfo"] == {"State": "Failed", "Reason": None}
    assert many[1]["ChildJobs"] == ["Job4"]
    shallow = json.loads("\n".join(output(result)))
    assert shallow["JobStateInfo"] == "Failed" and shallow["ChildJobs"] == "Job4"
    assert infos(result) == [
        "WARNING: Resulting JSON is truncated as serialization has exceeded the set depth of 0."
    ]


def test_json_compress_as_array_and_values(session: CommandSession) -> None:
    compressed = run(session, "1, 'two', $true, $null | ConvertTo-Json -Compress")
    one = run(session, "'x' | ConvertTo-Json -AsArray -Compress")
    depth = run(session, "1 | ConvertTo-Json -Depth 101")

    assert output(compressed) == ['[1,"two",true,null]']
    assert output(one) == ['["x"]']
    assert errors(depth)[0].startswith(
        "ConvertTo-Json: Cannot validate argument on parameter 'Depth'. The 101 argument is "
        "greater than the maximum allowed range of 100."
    )


def test_json_of_records_groups_and_received_lines(jobs: CommandSession) -> None:
    selected = _json(jobs, "Get-Job | select Name, State | ConvertTo-Json -Compress")
    groups = _json(jobs, "Get-Job | group State | ConvertTo-Json -Depth 1")
    lines = _json(jobs, "Receive-Job -Name build1 -Keep | ConvertTo-Json")

    assert selected == [
        {"Name": "build1", "State": "Completed"},
        {"Name": "test2", "State": "Failed"},
    ]
    assert isinstance(groups, list)
    assert [(g["Name"], g["Count"], g["Group"]) for g in groups] == [
        ("Completed", 1, "build1"),
        ("Failed", 1, "test2"),
    ]
    assert lines == "a"


# -- CSV --------------------------------------------------------------------------------------


def test_convertto_csv_quotes_every_field_with_a_header(jobs: CommandSession) -> None:
    result = run(jobs, "Get-Job | select Id, Name, State | ConvertTo-Csv -NoTypeInformation")

    assert output(result) == [
        '"Id","Name","State"',
        '"1","build1","Completed"',
        '"3","test2","Failed"',
    ]


def test_convertto_csv_of_jobs_reads_back(jobs: CommandSession) -> None:
    lines = output(run(jobs, "Get-Job | ConvertTo-Csv -Delimiter ';'"))
    rows = list(csv.DictReader(lines, delimiter=";"))

    assert list(rows[0]) == list(JOB_PROPERTIES)
    assert [r["Name"] for r in rows] == ["build1", "test2"]
    assert rows[1]["State"] == "Failed" and rows[1]["ExitCode"] == "3"
    datetime.fromisoformat(rows[0]["PSEndTime"])
    bad = run(jobs, "Get-Job | ConvertTo-Csv -Delimiter ';;'")
    assert errors(bad)[0].startswith("ConvertTo-Csv: Cannot bind parameter 'Delimiter'.")


def test_export_csv_writes_and_appends_under_the_files_header(
    jobs: CommandSession, tmp_path: Path
) -> None:
    assert run(jobs, "Get-Job | select Name, Id | Export-Csv jobs.csv -NoTypeInformation").succeeded
    assert run(jobs, "Get-Job -Id 1 | select Id, Name | Export-Csv jobs.csv -Append").succeeded
    clobber = run(jobs, "Get-Job | Export-Csv jobs.csv -NoClobber")

    assert (tmp_path / "jobs.csv").read_text().splitlines() == [
        '"Name","Id"',
        '"build1","1"',
        '"test2","3"',
        '"build1","1"',
    ]
    assert errors(clobber) == [f"Export-Csv: The file '{tmp_path / 'jobs.csv'}' already exists."]


# -- Out-String, Write-Output, Write-Host ---------------------------------------------------


def test_out_string_is_the_printed_text(jobs: CommandSession) -> None:
    text = run(jobs, "$s = Get-Job | select Id, Name | Out-String; $s.Length; $s")
    stream = run(jobs, "Get-Job | select Name | Out-String -Stream | % { $_.Trim() }")

    table = "Id Name\n-- ----\n 1 build1\n 3 test2\n"
    assert output(text) == [str(len(table)), *table.split("\n")]
    assert output(stream) == ["Name", "----", "build1", "test2"]


def test_echo_and_write_output_write_down_the_pipeline(session: CommandSession) -> None:
    assert output(run(session, "echo hi there")) == ["hi", "there"]
    assert output(run(session, "Write-Output 1, 2 3 | Measure-Object -Sum | % Sum")) == ["6"]
    assert output(run(session, '$x = echo a; "${x}b"')) == ["ab"]
    assert output(run(session, "Get-Job | write")) == []  # write: a pipeline alias
    assert session.engine.jobs == []


def test_echo_runs_the_shells_echo_in_jobs(session: CommandSession) -> None:
    background = run(session, "echo hi &")
    in_block = run(session, "Start-Job {echo there}")
    chained = run(session, "true; echo done")

    assert [j.command for j in background.jobs] == ["echo hi"]
    assert [j.command for j in in_block.jobs] == ["echo there"]
    assert [j.command for j in chained.jobs] == ["true; echo done"]
    run(session, "Get-Job | Wait-Job")
    assert output(run(session, "Receive-Job 1, 3, 5")) == ["hi", "there", "done"]


def test_write_host_prints_but_does_not_write_down_the_pipeline(session: CommandSession) -> None:
    result = run(session, "$x = Write-Host a b -Separator ', '; 'p' | Write-Host | Write-Output")

    assert output(result) == ["a, b", "p"]
    assert session.get_variable("x") is None


# -- plain mode, for scripts ------------------------------------------------------------------


def test_plain_mode_get_job_convertto_json_parses_back(tmp_path: Path) -> None:
    script = "Start-Job {echo hi} -Name one | Wait-Job | Out-Null\nGet-Job | ConvertTo-Json\n"
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="120")

    done = subprocess.run(
        [sys.executable, "-m", "jobtui", "--plain"],
        input=script,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    job = json.loads(done.stdout)
    assert job["Name"] == "one" and job["State"] == "Completed" and job["HasMoreData"] is True
    assert list(job) == list(JOB_PROPERTIES)
    datetime.fromisoformat(job["PSEndTime"])
    assert "WARNING: Resulting JSON is truncated" in done.stderr  # notices go to stderr
