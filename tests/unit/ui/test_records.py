"""A live job read as a record: the facts of the job that runs the command, and one version."""

from __future__ import annotations

import threading

from jobtui.engine import BACKGROUND_JOB, Job, JobState
from jobtui.ui.records import LiveJob, LiveJobs, as_record

from .records import record


def background_job(job_id: int = 1) -> Job:
    """A BackgroundJob parent and its child, as the engine links them (no process)."""
    lock = threading.RLock()

    def quiet(*_: object) -> None:
        return None

    top = Job(id=job_id, command="make", ps_job_type_name=BACKGROUND_JOB, lock=lock,
              on_state_changed=quiet)  # fmt: skip
    child = Job(id=job_id + 1, command="make", lock=lock, on_state_changed=quiet)
    child.parent = top
    top.child_jobs.append(child)
    return top


def test_a_live_job_reads_its_process_facts_from_the_job_that_runs_the_command() -> None:
    job = background_job()
    child = job.child_jobs[0]
    child.process.pid, child.process.exit_code, child.process.signal = 4242, None, "SIGTERM"
    child.process.cpu_percent, child.process.memory_rss = 12.5, 1 << 20
    view = LiveJob(job)
    assert (view.id, view.name, view.command) == (1, "Job1", "make")
    assert (view.pid, view.exit_code, view.signal) == (4242, None, "SIGTERM")
    assert (view.cpu_percent, view.memory_rss) == (12.5, 1 << 20)
    assert view.ps_job_type_name == BACKGROUND_JOB
    assert view.unread_lines == 0  # no transcript yet
    assert view.state is JobState.NotStarted and not view.has_more_data


def test_the_version_moves_when_the_child_moves() -> None:
    job = background_job()
    view = LiveJob(job)
    before = view.version
    job.child_jobs[0].touch()  # new output or statistics land on the child
    assert view.version > before
    before = view.version
    job.child_jobs[0].set_state(JobState.Running)  # the parent follows
    assert job.state is JobState.Running
    assert view.version > before


def test_views_are_kept_per_job_and_records_pass_as_they_are() -> None:
    live = LiveJobs()
    job, snapshot = background_job(1), record(5)
    first = live.records([job, snapshot])
    again = live.records([job, snapshot])
    assert first[0] is again[0] and isinstance(first[0], LiveJob)
    assert again[1] is snapshot
    assert as_record(snapshot) is snapshot
    # A new job under a reused id gets a view of its own.
    other = background_job(1)
    assert live.records([other])[0].command == "make"
    assert live.records([other])[0] is not first[0]
