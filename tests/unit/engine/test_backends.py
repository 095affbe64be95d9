"""Locations are backends: the engine picks one by name and asks its runners what they can do."""

from __future__ import annotations

import signal
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pytest

from jobtui.engine import THREAD_JOB, Job, JobEngine, JobError, JobFailure, JobState, ProcessInfo
from jobtui.engine.backend import Capabilities, Hooks, Runner, StartRequest

from .conftest import finish


class LabRunner:
    """A runner of the in-test Location: Running until its backend stops it."""

    capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(self, job: Job, backend: str) -> None:
        self.job = job
        self.backend = backend

    @property
    def accepts_input(self) -> bool:
        return False

    @property
    def details(self) -> ProcessInfo:
        return self.job.process

    def start(self) -> None:
        self.job.set_state(JobState.Running)

    def suspend(self) -> None:
        raise AssertionError("the engine must ask capabilities.suspend first")

    def resume(self) -> None:
        raise AssertionError("never suspended")

    def send_input(self, data: bytes) -> int:
        raise AssertionError("the engine must ask accepts_input first")

    def close_input(self) -> None:
        raise AssertionError("the engine must ask capabilities.input first")


class LabBackend:
    """A second kind of Location, as a remote shell or a scheduler would be: no processes here."""

    name = "lab"

    def __init__(self, hooks: Hooks) -> None:
        self.hooks = hooks
        self.requests: list[StartRequest] = []
        self.stopped: list[list[Runner]] = []
        self.closed = False

    def location(self, job_type: str) -> str:
        return "lab"

    def working_directory(self, requested: str | None, default: str) -> str:
        return requested or "/remote/home"

    def create_runner(self, job: Job, request: StartRequest) -> Runner:
        self.requests.append(request)
        return LabRunner(job, self.name)

    def stop_many(self, runners: Sequence[Runner], grace: float) -> None:
        self.stopped.append(list(runners))
        for runner in runners:
            runner.job.set_state(JobState.Stopped)
            self.hooks.finished(runner.job)

    def close(self, grace: float) -> None:
        self.closed = True


def test_an_unknown_location_is_one_clear_error_and_starts_nothing(engine: JobEngine) -> None:
    with pytest.raises(JobError) as caught:
        engine.start_job("true", location="cluster9")
    assert str(caught.value) == (
        "Cannot start the job at the location 'cluster9': there is no such location. "
        "Known locations: localhost."
    )
    assert engine.jobs == []


def test_localhost_is_the_default_location(engine: JobEngine) -> None:
    assert engine.locations == ["localhost"]
    background = engine.start_job("true", location="localhost")
    thread = engine.start_job("true", job_type=THREAD_JOB)
    finish(engine, background, thread)
    assert background.location == background.child_jobs[0].location == "localhost"
    assert thread.location == "PowerShell"  # where PowerShell says a ThreadJob runs
    assert background.state is thread.state is JobState.Completed


def test_a_second_location_runs_and_stops_its_own_jobs(engine: JobEngine) -> None:
    lab = engine.add_backend(LabBackend)
    assert isinstance(lab, LabBackend)
    assert engine.locations == ["localhost", "lab"]
    remote = engine.start_job("uptime", location="lab", environment={"A": "1"})
    local = engine.start_job("sleep 30")
    assert remote.location == "lab" and remote.state is JobState.Running
    assert lab.requests[0].cwd == "/remote/home" and lab.requests[0].environment == {"A": "1"}
    engine.stop_job([remote, local])
    # Each backend stopped only its own runners, all of them in one sweep.
    assert lab.stopped == [[remote.child_jobs[0].runner]]
    assert remote.state is local.state is JobState.Stopped
    with pytest.raises(JobError, match="already a location named 'lab'"):
        engine.add_backend(LabBackend)
    engine.shutdown()
    assert lab.closed


def test_throttles_are_kept_per_location(engine: JobEngine) -> None:
    engine.add_backend(LabBackend)
    engine.throttle_limit = 1  # localhost's thread jobs
    first = engine.start_job("Start-Sleep 30", job_type=THREAD_JOB)
    queued = engine.start_job("Start-Sleep 30", job_type=THREAD_JOB)
    elsewhere = engine.start_job("Start-Sleep 30", job_type=THREAD_JOB, location="lab")
    assert first.state is JobState.Running
    assert queued.state is JobState.NotStarted
    assert elsewhere.state is JobState.Running  # the lab's slots are not this machine's
    engine.stop_job([elsewhere])
    assert queued.state is JobState.NotStarted  # a lab job's end frees no local slot
    engine.stop_job([first])
    assert queued.state is JobState.Running
    engine.stop_job([queued])


def test_the_engine_asks_a_runner_whether_it_takes_input(engine: JobEngine) -> None:
    shell = engine.start_job("cat")
    builtin = engine.start_job("Start-Sleep 30")
    shell_runner = shell.child_jobs[0].runner
    builtin_runner = builtin.child_jobs[0].runner
    assert shell_runner is not None and builtin_runner is not None
    assert shell_runner.capabilities == Capabilities(suspend=True, input=True)
    assert builtin_runner.capabilities == Capabilities()
    assert shell_runner.accepts_input and not builtin_runner.accepts_input
    engine.close_input(builtin)  # nothing to close: no error
    engine.close_input(shell)
    assert not shell_runner.accepts_input
    finish(engine, shell)
    engine.stop_job([builtin])


def test_suspending_a_built_in_fails_and_leaves_it_running(engine: JobEngine) -> None:
    job = engine.start_job("Start-Sleep 30")
    child = job.child_jobs[0]
    with pytest.raises(JobFailure, match=f"Cannot suspend the job that has an ID of {child.id}"):
        engine.suspend_job([job])
    assert child.state is JobState.Running and job.state is JobState.Running
    engine.stop_job([job])
    assert job.state is JobState.Stopped


def test_a_local_runner_details_are_its_process(engine: JobEngine, tmp_path: Path) -> None:
    job = engine.start_job("kill -KILL $$", working_directory=str(tmp_path))
    finish(engine, job)
    runner = job.child_jobs[0].runner
    assert runner is not None
    details = runner.details.as_dict()
    assert details["cwd"] == str(tmp_path)
    assert details["pid"] == job.child_jobs[0].process.pid is not None
    assert details["signal"] == signal.Signals.SIGKILL.name
    assert details["shell"] == "/bin/sh"
