"""JobState: PowerShell's values, groups and legal transitions."""

from __future__ import annotations

import threading

import pytest

from jobtui.engine import FINISHED, PERSISTENT, Job, JobState
from jobtui.engine.states import InvalidJobStateTransition


def make_job() -> tuple[Job, list[tuple[JobState, JobState]]]:
    seen: list[tuple[JobState, JobState]] = []
    job = Job(
        id=1,
        command="true",
        lock=threading.RLock(),
        on_state_changed=lambda j, old, new: seen.append((old.state, new.state)),
    )
    return job, seen


def test_values_are_powershells() -> None:
    assert [s.value for s in JobState] == list(range(11))
    assert JobState.Completed == 2 and JobState.AtBreakpoint == 10
    assert str(JobState.Running) == "Running"
    assert f"{JobState.Failed:<8}|" == "Failed  |"


def test_groups() -> None:
    assert {s.name for s in FINISHED} == {"Completed", "Failed", "Stopped"}
    assert FINISHED | {JobState.Suspended, JobState.Disconnected} == PERSISTENT
    assert JobState.Stopped.is_finished and not JobState.Suspended.is_finished
    assert JobState.Suspended.is_persistent and not JobState.Blocked.is_persistent


def test_parse_any_case_and_bad_value() -> None:
    assert JobState.parse("completed") is JobState.Completed
    with pytest.raises(ValueError, match='Cannot convert value "Done" to type JobState'):
        JobState.parse("Done")


def test_legal_path_sets_times_once() -> None:
    job, seen = make_job()
    job.set_state(JobState.Running)
    begin = job.ps_begin_time
    job.set_state(JobState.Blocked)
    job.set_state(JobState.Running)
    assert job.ps_begin_time == begin and job.ps_end_time is None
    job.set_state(JobState.Completed)
    assert job.ps_end_time is not None and job.finished.is_set()
    assert seen == [
        (JobState.NotStarted, JobState.Running),
        (JobState.Running, JobState.Blocked),
        (JobState.Blocked, JobState.Running),
        (JobState.Running, JobState.Completed),
    ]


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ([], JobState.Completed),  # NotStarted cannot complete without running
        ([JobState.Running, JobState.Completed], JobState.Running),  # finished never changes
        ([JobState.Running, JobState.Stopping], JobState.Running),
        ([JobState.Running], JobState.Suspended),  # must pass through Suspending
    ],
)
def test_illegal_transitions_raise(path: list[JobState], bad: JobState) -> None:
    job, _ = make_job()
    for state in path:
        job.set_state(state)
    with pytest.raises(InvalidJobStateTransition):
        job.set_state(bad)


def test_parent_state_is_derived_from_child() -> None:
    lock = threading.RLock()
    parent = Job(id=1, command="x", lock=lock, on_state_changed=lambda *a: None)
    child = Job(id=2, command="x", lock=lock, on_state_changed=lambda *a: None)
    child.parent = parent
    parent.child_jobs.append(child)
    child.set_state(JobState.Running)
    assert parent.state is JobState.Running
    child.set_state(JobState.Blocked)
    assert parent.state is JobState.Blocked
    child.set_state(JobState.Running)
    child.set_state(JobState.Failed)
    assert parent.state is JobState.Failed
    assert parent.job_state_info.reason is None  # the Reason lives on the child only
