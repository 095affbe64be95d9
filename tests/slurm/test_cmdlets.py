"""The language on a real Slurm: Start-Job -Location slurm -Resources, and the job cmdlets."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobtui.commands import CommandSession
from jobtui.engine import JobEngine, JobState
from tests.services.slurm import SlurmCluster
from tests.unit.commands.support import errors, output, run


@pytest.fixture
def session(
    cluster: SlurmCluster, output_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CommandSession]:
    """A session whose engine has no slurm Location until a job asks for it."""
    monkeypatch.chdir(tmp_path)
    engine = JobEngine(grace=1.0)
    try:
        yield CommandSession(engine, width=120)
    finally:
        engine.shutdown()


def test_start_job_location_slurm_runs_there_and_receive_job_gets_its_output(
    session: CommandSession,
) -> None:
    started = run(session, "$j = Start-Job -Location slurm {echo hello; exit 0}; $j.PSJobTypeName")
    assert errors(started) == []
    assert output(started) == ["SlurmJob"]
    assert session.engine.locations == ["localhost", "slurm"]
    result = run(session, "Wait-Job $j -Timeout 20 | Out-Null; $j.State; Receive-Job $j")
    assert output(result) == ["Completed", "hello"]
    listed = run(session, "Get-Job -State Completed | Format-Table Id,Location -HideTableHeaders")
    assert [line.split() for line in output(listed) if line.strip()] == [["1", "slurm"]]


def test_resources_become_sbatch_options(session: CommandSession, cluster: SlurmCluster) -> None:
    result = run(
        session,
        "$j = Start-Job -Location slurm -Resources Partition=debug,Cpus=2,Memory=150M,"
        "Time=00:05:00 {sleep 30}",
    )
    assert errors(result) == []
    job = session.engine.jobs[0]
    deadline = time.monotonic() + 20
    while job.state is JobState.NotStarted and time.monotonic() < deadline:
        time.sleep(0.05)
    details = job.executing_job.runner.details.as_dict()  # type: ignore[union-attr]
    shown = cluster.run("scontrol", "show", "job", "--oneliner", str(details["slurm_job_id"]))
    fields = dict(w.partition("=")[::2] for w in shown.stdout.split() if "=" in w)
    assert fields["Partition"] == "debug"
    assert fields["CPUs/Task"] == "2"
    assert fields["MinMemoryNode"] == "150M"
    assert fields["TimeLimit"] == "00:05:00"


def test_a_failed_job_reason_is_in_child_jobs_job_state_info(session: CommandSession) -> None:
    run(session, "$j = Start-Job -Location slurm {echo 'bad input' >&2; exit 4}")
    result = run(session, "Wait-Job $j -Timeout 20 | Out-Null; $j.ChildJobs[0].JobStateInfo.Reason")
    assert output(result) == ["Exit code 4 (Slurm ExitCode 4:0): bad input"]


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        (
            "Memory=16Q",
            "Start-Job: Cannot validate argument on parameter 'Resources'. Memory '16Q' is not a "
            "Slurm memory size (a number with K, M, G or T, such as 16G).",
        ),
        (
            "Time=soon",
            "Start-Job: Cannot validate argument on parameter 'Resources'. Time 'soon' is not a "
            "Slurm time limit (minutes, HH:MM:SS or D-HH:MM:SS, such as 02:00:00).",
        ),
        (
            "Cpus=0",
            "Start-Job: Cannot validate argument on parameter 'Resources'. Cpus '0' is not a "
            "whole number of at least 1.",
        ),
        (
            "gpu",
            "Start-Job: Cannot validate argument on parameter 'Resources'. 'gpu' is not "
            "Name=Value (such as Partition=gpu or Memory=16G).",
        ),
    ],
)
def test_bad_resources_are_one_line_errors_and_submit_nothing(
    session: CommandSession, cluster: SlurmCluster, resources: str, message: str
) -> None:
    result = run(session, f"Start-Job -Location slurm -Resources {resources} {{true}}")
    assert errors(result) == [message]
    assert session.engine.jobs == []
    assert cluster.live_job_ids() == []


def test_an_unknown_location_and_resources_on_localhost_are_errors(
    session: CommandSession,
) -> None:
    unknown = run(session, "Start-Job -Location mars {true}")
    assert errors(unknown) == [
        "Start-Job: Cannot start the job at the location 'mars': there is no such location. "
        "Known locations: localhost, slurm."
    ]
    local = run(session, "Start-Job -Resources Cpus=2 {true}")
    assert errors(local) == [
        "Start-Job: The Resources parameter is for a scheduler's Location (such as -Location "
        "slurm); a job on localhost runs at once with what this machine has."
    ]
    assert session.engine.jobs == []


def test_an_unknown_partition_fails_the_job_with_sbatch_message(session: CommandSession) -> None:
    result = run(
        session, "$j = Start-Job -Location slurm -Resources Partition=nosuch {true}; $j.State"
    )
    assert output(result) == ["Failed"]
    reason = run(session, "$j.ChildJobs[0].JobStateInfo.Reason")
    assert output(reason) == [
        "The job was not submitted: sbatch failed: Batch job submission failed: Invalid "
        "partition name specified"
    ]


def test_suspend_resume_and_stop_job_on_a_pending_job(
    session: CommandSession, cluster: SlurmCluster
) -> None:
    run(session, "$big = Start-Job -Location slurm -Resources Cpus=2 {sleep 60}")
    deadline = time.monotonic() + 20
    while session.engine.jobs[0].state is not JobState.Running and time.monotonic() < deadline:
        time.sleep(0.05)
    run(session, "$p = Start-Job -Location slurm {true}")
    held = run(session, "Suspend-Job $p | Out-Null; $p.State")
    assert errors(held) == []
    assert output(held) == ["Suspended"]
    released = run(session, "Resume-Job $p | Out-Null; $p.State")
    assert output(released) == ["NotStarted"]
    refused = run(session, "Suspend-Job $big")
    assert len(errors(refused)) == 1
    assert "only an operator suspend a running job" in errors(refused)[0]
    stopped = run(session, "Stop-Job $big, $p; $big.State; $p.State")
    assert output(stopped) == ["Stopped", "Stopped"]
    assert cluster.wait_queue_empty(10) == []


def test_format_list_shows_the_slurm_job_id_partition_node_and_queue_reason(
    session: CommandSession, cluster: SlurmCluster
) -> None:
    run(session, "$j = Start-Job -Location slurm {true}; Wait-Job $j -Timeout 20 | Out-Null")
    job = session.engine.jobs[0]
    slurm_id = job.executing_job.runner.details.as_dict()["slurm_job_id"]  # type: ignore[union-attr]
    listed = output(run(session, "$j | Format-List"))
    fields = {}
    for line in listed:
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    assert list(fields)[-4:] == ["SlurmJobId", "Partition", "Node", "QueueReason"]
    assert fields["SlurmJobId"] == str(slurm_id)
    assert fields["Partition"] == "debug"
    assert fields["Node"] == cluster.node
    assert fields["QueueReason"] == ""
    assert output(run(session, "$j.SlurmJobId")) == [str(slurm_id)]
    local = output(run(session, "Start-Job {true} | Format-List"))
    assert not any(line.startswith("SlurmJobId") for line in local)
