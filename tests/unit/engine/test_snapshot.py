"""JobSnapshot: a job as values, round-tripped through JSON; the changes since a version."""

from __future__ import annotations

import dataclasses
import json
import time

from jobtui.engine import (
    JobChanges,
    JobEngine,
    JobSnapshot,
    JobState,
    ProcessFacts,
    StatsSample,
)

from .conftest import finish


def _round_trip(snapshot: JobSnapshot) -> JobSnapshot:
    return JobSnapshot.from_dict(json.loads(json.dumps(snapshot.to_dict())))


def test_a_failed_jobs_snapshot_reads_like_the_job_and_survives_json(engine: JobEngine) -> None:
    job = engine.start_job("echo out; echo broken >&2; exit 3", name="bad")
    finish(engine, job)

    snapshot = engine.snapshot(job.id)

    assert snapshot is not None
    assert (snapshot.id, snapshot.name, snapshot.state) == (job.id, "bad", JobState.Failed)
    assert snapshot.instance_id == str(job.instance_id)
    assert snapshot.reason is not None and snapshot.reason.message == job.reason.message
    assert snapshot.reason.exit_code == 3 and snapshot.reason.last_error_line == "broken"
    assert [child.id for child in snapshot.child_jobs] == [child.id for child in job.child_jobs]
    assert snapshot.executing_job.process.exit_code == 3
    assert snapshot.executing_job.process.pid == job.executing_job.process.pid
    assert snapshot.unread_lines == 2 and snapshot.has_more_data
    assert snapshot.ps_end_time == job.ps_end_time
    for name in ("State", "HasMoreData", "Command", "ExitCode", "WorkingDirectory", "Name"):
        assert snapshot.get_property(name) == job.get_property(name)
    assert _round_trip(snapshot) == snapshot


def test_a_running_jobs_snapshot_carries_its_input_and_samples(engine: JobEngine) -> None:
    job = engine.start_job("read line; echo got $line")
    deadline = time.monotonic() + 10
    while not (snapshot := engine.snapshot(job.id)) or not snapshot.stats:
        assert time.monotonic() < deadline, "no statistics sample arrived"
        time.sleep(0.05)

    assert snapshot.accepts_input and snapshot.executing_job.process.stdin_open
    assert all(isinstance(sample, StatsSample) for sample in snapshot.stats)
    assert _round_trip(snapshot) == snapshot
    engine.close_input(job)
    finish(engine, job)
    closed = engine.snapshot(job.id)
    assert closed is not None and not closed.accepts_input


def test_a_snapshot_owns_no_handles_and_cannot_change() -> None:
    snapshot = JobSnapshot.from_dict(
        {
            "id": 1,
            "instance_id": "x",
            "name": "Job1",
            "ps_job_type_name": "ThreadJob",
            "state": "Running",
            "reason": None,
            "has_more_data": True,
            "location": "PowerShell",
            "command": "sleep 1",
            "version": 3,
            "status_message": "",
            "ps_begin_time": "2026-01-02T03:04:05",
            "ps_end_time": None,
            "parent_id": None,
            "child_jobs": [],
            "process": dataclasses.asdict(ProcessFacts(pid=42)),
            "output": None,
            "stats": [[1.5, 1024]],
        }
    )

    assert snapshot.executing_job is snapshot and snapshot.process.pid == 42
    assert snapshot.stats == (StatsSample(1.5, 1024),)
    assert not hasattr(snapshot, "__dict__")  # slots: nothing can be hung on it
    try:
        snapshot.name = "other"  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("a snapshot changed")


def test_changes_since_a_version_are_the_jobs_that_moved_and_those_removed(
    engine: JobEngine,
) -> None:
    first = engine.start_job("echo one")
    second = engine.start_job("echo two")
    finish(engine, first, second)

    everything = engine.changes(-1)
    quiet = engine.changes(everything.version)
    engine.receive_job([second])
    received = engine.changes(everything.version)
    engine.remove_job(first)
    removed = engine.changes(received.version)

    assert [s.id for s in everything.changed] == [first.id, second.id]
    assert everything.removed == ()
    assert quiet.changed == () and quiet.removed == () and quiet.version == everything.version
    assert [s.id for s in received.changed] == [second.id]
    assert received.changed[0].unread_lines == 0 and not received.changed[0].has_more_data
    assert removed.changed == () and removed.removed == (first.id,)
    assert JobChanges.from_dict(json.loads(json.dumps(received.to_dict()))) == received
