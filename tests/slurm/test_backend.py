"""Jobs on a real Slurm: states, output, Reasons, Stop, hold, and nothing left at the end."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from jobtui.engine import Job, JobEngine, JobFailure, JobState, Stream
from tests.services.slurm import SlurmCluster

SLURM = "slurm"


def lines(engine: JobEngine, job: Job, *, keep: bool = False) -> list[tuple[Stream, str]]:
    return list(engine.receive_job([job], keep=keep).lines())


def wait_for(predicate: object, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def slurm_id(job: Job) -> int:
    details = job.executing_job.runner.details  # type: ignore[union-attr]
    job_id = details.as_dict()["slurm_job_id"]
    assert isinstance(job_id, int)
    return job_id


def fill_node(engine: JobEngine) -> Job:
    """A running job that takes both of the node's CPUs, so later jobs stay pending."""
    blocker = engine.start_job("sleep 60", location=SLURM, resources={"Cpus": 2})
    assert wait_for(lambda: blocker.state is JobState.Running)
    return blocker


def test_a_job_runs_on_the_cluster_and_its_output_is_received(engine: JobEngine) -> None:
    job = engine.start_job("echo out; echo err >&2; echo last", location=SLURM)
    assert job.ps_job_type_name == "SlurmJob"
    assert job.location == SLURM
    assert engine.wait_job([job], timeout=20) == [job]
    assert job.state is JobState.Completed
    expected = [(Stream.Output, "out"), (Stream.Output, "last"), (Stream.Error, "err")]
    assert sorted(lines(engine, job, keep=True)) == sorted(expected)
    assert sorted(lines(engine, job)) == sorted(expected)  # -Keep left them unread
    assert lines(engine, job) == []
    details = job.executing_job.runner.details.as_dict()  # type: ignore[union-attr]
    assert details["slurm_state"] == "COMPLETED"
    assert details["partition"] == "debug"
    assert details["cluster"] == "jobtui-test"


def test_a_failing_job_has_its_exit_code_and_last_error_line_as_reason(engine: JobEngine) -> None:
    job = engine.start_job("echo going; echo 'no such model' >&2; exit 3", location=SLURM)
    engine.wait_job([job], timeout=20)
    assert job.state is JobState.Failed
    reason = job.child_jobs[0].job_state_info.reason
    assert isinstance(reason, JobFailure)
    assert str(reason) == "Exit code 3 (Slurm ExitCode 3:0): no such model"
    assert reason.exit_code == 3
    assert job.get_property("ExitCode") == 3


def test_arguments_input_and_working_directory_reach_the_job(
    engine: JobEngine, tmp_path: Path
) -> None:
    job = engine.start_job(
        'echo "$1-$2"; pwd; cat',
        location=SLURM,
        argument_list=["a b", "c"],
        input=b"from stdin\n",
    )
    engine.wait_job([job], timeout=20)
    assert [text for _, text in lines(engine, job)] == ["a b-c", str(tmp_path), "from stdin"]


def test_stop_job_cancels_a_running_job(engine: JobEngine, cluster: SlurmCluster) -> None:
    job = engine.start_job("sleep 60", location=SLURM)
    assert wait_for(lambda: job.state is JobState.Running)
    engine.stop_job([job])
    assert job.state is JobState.Stopped
    assert "scancel" in job.child_jobs[0].status_message
    assert slurm_id(job) not in cluster.live_job_ids()


def test_a_pending_job_says_why_and_is_held_and_released(
    engine: JobEngine, cluster: SlurmCluster
) -> None:
    fill_node(engine)
    job = engine.start_job("true", location=SLURM)
    child = job.child_jobs[0]
    assert wait_for(lambda: "Resources" in child.status_message)
    assert job.state is JobState.NotStarted
    assert "waiting for resources" in child.status_message
    assert engine.suspend_job([job]) == [job]
    assert job.state is JobState.Suspended
    assert wait_for(lambda: "JobHeldUser" in child.status_message)
    [held] = [j for j in cluster.queue() if j["job_id"] == slurm_id(job)]
    assert held["state_reason"] == "JobHeldUser"
    engine.resume_job([job])
    assert job.state is JobState.NotStarted
    assert wait_for(lambda: "Resources" in child.status_message)
    engine.stop_job([job])
    assert job.state is JobState.Stopped
    assert wait_for(lambda: slurm_id(job) not in cluster.live_job_ids())


def test_suspending_a_running_job_fails_in_one_line(engine: JobEngine) -> None:
    job = engine.start_job("sleep 60", location=SLURM)
    assert wait_for(lambda: job.state is JobState.Running)
    with pytest.raises(JobFailure) as caught:
        engine.suspend_job([job])
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"Cannot suspend the job that has an ID of {job.child_jobs[0].id}:")
    assert "only an operator" in message
    assert job.state is JobState.Running


def test_wait_any_and_timeout(engine: JobEngine) -> None:
    slow = engine.start_job("sleep 60", location=SLURM)
    quick = engine.start_job("true", location=SLURM)
    assert engine.wait_job([slow, quick], any=True, timeout=20) == [quick]
    assert engine.wait_job([slow], timeout=0.5) == []
    assert slow.state is JobState.Running


def test_the_end_of_the_session_cancels_running_and_pending_jobs(
    cluster: SlurmCluster, output_dir: Path
) -> None:
    from jobtui.engine.slurm import SlurmBackend

    engine = JobEngine(grace=1.0)
    engine.add_backend(lambda hooks: SlurmBackend(hooks, session_id=engine.session_id))
    running = fill_node(engine)
    pending = engine.start_job("sleep 60", location=SLURM)
    assert wait_for(lambda: bool(pending.child_jobs[0].runner.slurm_job_id))  # type: ignore[union-attr]
    ids = [slurm_id(running), slurm_id(pending)]
    assert set(ids) <= set(cluster.live_job_ids())
    engine.shutdown()
    assert running.state is JobState.Stopped
    assert pending.state is JobState.Stopped
    assert cluster.wait_queue_empty(10) == []
    assert not any(output_dir.rglob("*.out"))  # the session's output files went with it


def test_a_job_cancelled_outside_jobtui_shows_stopped(
    engine: JobEngine, cluster: SlurmCluster
) -> None:
    job = engine.start_job("sleep 60", location=SLURM)
    assert wait_for(lambda: job.state is JobState.Running)
    cluster.run("scancel", str(slurm_id(job)))
    assert engine.wait_job([job], timeout=20) == [job]
    assert job.state is JobState.Stopped
    assert "cancelled outside jobtui" in job.child_jobs[0].status_message


def test_stop_of_a_pending_job_cancels_it_in_slurm(
    engine: JobEngine, cluster: SlurmCluster
) -> None:
    fill_node(engine)
    job = engine.start_job("true", location=SLURM)
    assert wait_for(lambda: "Pending" in job.child_jobs[0].status_message)
    engine.stop_job([job])
    assert job.state is JobState.Stopped
    assert wait_for(lambda: slurm_id(job) not in cluster.live_job_ids())


def test_remove_job_deletes_its_output_files(engine: JobEngine, output_dir: Path) -> None:
    job = engine.start_job("echo hi", location=SLURM)
    engine.wait_job([job], timeout=20)
    assert len(list(output_dir.rglob("*.out"))) == 1
    engine.remove_job(job)
    assert wait_for(lambda: not any(output_dir.rglob("*.out")))


def test_two_jobs_run_at_once(engine: JobEngine) -> None:
    first = engine.start_job("sleep 3", location=SLURM)
    second = engine.start_job("sleep 3", location=SLURM)
    assert wait_for(lambda: first.state is second.state is JobState.Running)
    engine.wait_job([first, second], timeout=20)
    assert first.state is second.state is JobState.Completed


def test_a_rejected_submission_fails_with_sbatch_message(engine: JobEngine) -> None:
    job = engine.start_job("true", location=SLURM, resources={"Partition": "nosuch"})
    assert job.state is JobState.Failed
    assert str(job.reason) == (
        "The job was not submitted: sbatch failed: Batch job submission failed: "
        "Invalid partition name specified"
    )


def test_no_slurm_commands_on_path_fail_the_job_in_one_line(
    engine: JobEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    job = engine.start_job("true", location=SLURM)
    assert job.state is JobState.Failed
    assert "Slurm client commands are not on PATH" in str(job.reason)
    assert "\n" not in str(job.reason)


def test_a_stopped_controller_is_reported_then_recovered(
    engine: JobEngine, cluster: SlurmCluster
) -> None:
    job = engine.start_job("sleep 4; echo done", location=SLURM)
    assert wait_for(lambda: job.state is JobState.Running)
    cluster.stop_controller()
    try:
        assert wait_for(lambda: "not answering" in job.child_jobs[0].status_message, 30)
        assert job.state is JobState.Running
    finally:
        cluster.start_controller()
    assert engine.wait_job([job], timeout=30) == [job]
    assert job.state is JobState.Completed
    assert [text for _, text in lines(engine, job)] == ["done"]


def test_output_is_received_as_it_arrives(engine: JobEngine) -> None:
    job = engine.start_job("echo one; sleep 3; echo two", location=SLURM)
    assert wait_for(lambda: job.transcript is not None and job.transcript.line_count == 1)
    assert lines(engine, job) == [(Stream.Output, "one")]
    assert job.state is JobState.Running
    engine.wait_job([job], timeout=20)
    assert lines(engine, job) == [(Stream.Output, "two")]


def test_an_output_directory_that_cannot_be_written_fails_the_job(
    engine: JobEngine, cluster: SlurmCluster, tmp_path: Path
) -> None:
    from jobtui.engine.slurm import SlurmBackend

    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the directory should be")
    engine.add_backend(
        lambda hooks: SlurmBackend(
            hooks, name="slurm-blocked", session_id="s", output_dir=str(blocked)
        )
    )
    job = engine.start_job("true", location="slurm-blocked")
    assert job.state is JobState.Failed
    assert str(job.reason).startswith(
        f"The job was not submitted: the output directory {blocked}/s cannot be written: "
    )
    assert cluster.live_job_ids() == []


def test_a_time_limit_of_jobtui_cancels_the_slurm_job(
    engine: JobEngine, cluster: SlurmCluster
) -> None:
    job = engine.start_job("sleep 60", location=SLURM, timeout_sec=2)
    assert engine.wait_job([job], timeout=20) == [job]
    assert job.state is JobState.Failed
    assert wait_for(lambda: slurm_id(job) not in cluster.live_job_ids())


def test_remove_job_force_cancels_first(engine: JobEngine, cluster: SlurmCluster) -> None:
    job = engine.start_job("sleep 60", location=SLURM)
    assert wait_for(lambda: job.state is JobState.Running)
    engine.remove_job(job, force=True)
    assert job.removed
    assert slurm_id(job) not in cluster.live_job_ids()
