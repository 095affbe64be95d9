"""Slurm's states, exit codes and -Resources mapped onto PowerShell's model (no cluster needed:
the inputs are what squeue --json and scontrol show job printed on Slurm 22.05)."""

from __future__ import annotations

import pytest

from jobtui.engine import JobState
from jobtui.engine.slurm.client import parse_show_job
from jobtui.engine.slurm.resources import ResourceError, parse_resources
from jobtui.engine.slurm.status import SlurmStatus, from_show_job, from_squeue, outcome


def squeue_job(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "job_id": 7,
        "job_state": "COMPLETED",
        "state_reason": "None",
        "exit_code": 0,
        "partition": "debug",
        "nodes": "vm",
        "cluster": "jobtui-test",
        "time_limit": None,
        "memory_per_node": None,
        "memory_per_cpu": 100,
    }
    base.update(fields)
    return base


def test_squeue_exit_code_is_a_wait_status() -> None:
    status = from_squeue(
        squeue_job(job_state="FAILED", state_reason="NonZeroExitCode", exit_code=768)
    )
    assert status is not None
    assert (status.exit_code, status.signal) == (3, None)
    state, reason = outcome(status, "no such file")
    assert state is JobState.Failed
    assert str(reason) == "Exit code 3 (Slurm ExitCode 3:0): no such file"
    assert reason is not None and reason.exit_code == 3


def test_scontrol_exit_code_is_code_colon_signal() -> None:
    fields = parse_show_job(
        "JobId=12 JobName=wrap JobState=FAILED Reason=NonZeroExitCode ExitCode=0:9 "
        "Partition=debug NodeList=vm TimeLimit=UNLIMITED"
    )
    status = from_show_job(fields)
    assert status is not None
    assert (status.exit_code, status.signal) == (0, 9)
    state, reason = outcome(status, None)
    assert state is JobState.Failed
    assert str(reason) == "Terminated by SIGKILL (Slurm ExitCode 0:9)."


@pytest.mark.parametrize(
    ("fields", "state", "reason"),
    [
        ({}, JobState.Completed, None),
        ({"job_state": "CANCELLED", "exit_code": 15}, JobState.Stopped, None),
        (
            {"job_state": "TIMEOUT", "time_limit": 120},
            JobState.Failed,
            "Slurm job 7 hit its time limit of 2:00:00 and Slurm ended it: last words",
        ),
        (
            {"job_state": "OUT_OF_MEMORY", "memory_per_node": 16384, "memory_per_cpu": None},
            JobState.Failed,
            "Slurm job 7 ran out of its memory of 16G: last words",
        ),
        (
            {"job_state": "NODE_FAIL"},
            JobState.Failed,
            "Slurm job 7 failed because its node (vm) failed (NODE_FAIL): last words",
        ),
    ],
)
def test_end_states_map_onto_powershell_states(
    fields: dict[str, object], state: JobState, reason: str | None
) -> None:
    status = from_squeue(squeue_job(**fields))
    assert status is not None
    got_state, got_reason = outcome(status, "last words")
    assert got_state is state
    assert (None if got_reason is None else str(got_reason)) == reason


def test_a_pending_reason_is_said_in_words() -> None:
    status = SlurmStatus(job_id=3, state="PENDING", reason="Priority")
    assert status.queue_reason == "waiting for jobs of higher priority (Priority)"
    assert SlurmStatus(job_id=3, state="PENDING", reason="AssocGrpCpuLimit").queue_reason == (
        "AssocGrpCpuLimit"
    )


def test_newer_squeue_json_shapes_are_read() -> None:
    # Slurm 23.11+: states as a list of flags, numbers as {"set", "number"}, exit_code a dict.
    status = from_squeue(
        squeue_job(
            job_id={"set": True, "number": 9},
            job_state=["RUNNING"],
            exit_code={"return_code": {"set": True, "number": 0}, "signal": {"id": {"set": False}}},
            time_limit={"set": True, "infinite": False, "number": 30},
        )
    )
    assert status is not None
    assert (status.job_id, status.state, status.time_limit) == (9, "RUNNING", "0:30:00")


def test_resources_map_to_sbatch_options() -> None:
    resources = parse_resources(
        {
            "Partition": "gpu",
            "Cpus": "4",
            "Memory": "16g",
            "Gpus": 1,
            "Time": "02:00:00",
            "Qos": "long",
            "Sbatch": "--exclusive --constraint=a100",
        }
    )
    assert resources.options == (
        "--partition=gpu",
        "--cpus-per-task=4",
        "--mem=16G",
        "--gpus=1",
        "--time=02:00:00",
        "--qos=long",
        "--exclusive",
        "--constraint=a100",
    )


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"Cpus": "-1"}, "Cpus '-1' is not a whole number of at least 1."),
        ({"Time": "0"}, "Time '0' is not a Slurm time limit"),
        ({"Memory": ""}, "Memory has no value."),
        ({"Sbatch": "exclusive"}, "Sbatch 'exclusive' is not an option (options start with -)."),
        ({"bad name": "x"}, "'bad name' is not an sbatch option name."),
    ],
)
def test_bad_resources_are_refused_in_one_line(given: dict[str, object], message: str) -> None:
    with pytest.raises(ResourceError) as caught:
        parse_resources(given)
    text = str(caught.value)
    assert text.startswith("Cannot validate argument on parameter 'Resources'. ")
    assert message in text
    assert "\n" not in text
