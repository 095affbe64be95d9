"""JobSnapshot: a job as values, round-tripped through JSON; the changes since a version."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from jobtui.engine import (
    JobChanges,
    JobEngine,
    JobSnapshot,
    JobState,
    ProcessFacts,
    StateInfo,
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


# -- the queue's facts --------------------------------------------------------------------------


def _wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def test_a_snapshot_carries_the_time_limit_and_what_is_left(engine: JobEngine) -> None:
    job = engine.start_job("sleep 30", timeout_sec=600)
    _wait_for(lambda: job.executing_job.ps_begin_time is not None)

    snapshot = engine.snapshot(job.id)

    assert snapshot is not None and snapshot.timeout_sec == 600
    begin = snapshot.executing_job.ps_begin_time
    assert begin is not None
    assert snapshot.time_left_at(begin + timedelta(seconds=100)) == timedelta(seconds=500)
    assert snapshot.time_left_at(begin + timedelta(seconds=700)) == timedelta(0)
    assert _round_trip(snapshot) == snapshot
    engine.stop_job([job])
    stopped = engine.snapshot(job.id)
    assert stopped is not None and stopped.time_left_at(datetime.now()) is None


def test_queued_jobs_carry_their_place_and_a_ticket_that_orders_the_queue(
    engine: JobEngine, tmp_path: Path
) -> None:
    engine.background_throttle_limit = 1
    gate = tmp_path / "gate"
    running = engine.start_job(f"while [ ! -e '{gate}' ]; do sleep 0.02; done")
    queued = [engine.start_job("true") for _ in range(3)]

    snapshots = [engine.snapshot(job.id) for job in queued]

    assert [s.queue_position for s in snapshots if s] == [1, 2, 3]
    tickets = [s.queue_ticket for s in snapshots if s]
    assert None not in tickets and tickets == sorted(tickets)
    assert {s.queue_key for s in snapshots if s} == {("localhost", "BackgroundJob")}
    first = engine.snapshot(running.id)
    assert first is not None and first.queue_ticket is None and first.queue_key is None
    assert all(s is not None and _round_trip(s) == s for s in snapshots)
    gate.touch()
    finish(engine, running, *queued)
    done = engine.snapshot(queued[0].id)
    assert done is not None and done.queue_ticket is None and done.queue_position is None


def test_a_waiting_job_says_on_whom_and_its_snapshot_moves_when_one_completes(
    engine: JobEngine, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    first = engine.start_job("true", name="first")
    slow = engine.start_job(f"while [ ! -e '{gate}' ]; do sleep 0.02; done", name="slow")
    later = engine.start_job("echo done", name="later", depends_on=[first, slow])
    finish(engine, first)
    _wait_for(lambda: engine.changes(-1).version > 0 and later.status_message == "Waiting for slow")

    before = engine.changes(-1).version
    snapshot = engine.snapshot(later.id)
    assert snapshot is not None and snapshot.state is JobState.NotStarted
    assert [(d.id, d.name) for d in snapshot.depends_on] == [(first.id, "first"), (slow.id, "slow")]
    assert snapshot.waits_for == ("slow",)
    assert _round_trip(snapshot) == snapshot
    gate.touch()
    finish(engine, slow, later)
    changed = {s.id for s in engine.changes(before).changed}
    assert later.id in changed
    done = engine.snapshot(later.id)
    assert done is not None and done.waits_for == ()


def test_the_status_change_of_a_waiting_job_stamps_it(engine: JobEngine, tmp_path: Path) -> None:
    gate, gate_a = tmp_path / "gate", tmp_path / "gate_a"
    a = engine.start_job(f"while [ ! -e '{gate_a}' ]; do sleep 0.02; done", name="a")
    b = engine.start_job(f"while [ ! -e '{gate}' ]; do sleep 0.02; done", name="b")
    waiting = engine.start_job("true", depends_on=[a, b])
    assert waiting.status_message == "Waiting for a, b"
    version = engine.changes(-1).version
    gate_a.touch()
    finish(engine, a)
    _wait_for(lambda: waiting.status_message == "Waiting for b")

    changed = engine.changes(version).changed
    snapshot = next(s for s in changed if s.id == waiting.id)  # a's end moved it
    assert snapshot.waits_for == ("b",)
    gate.touch()
    finish(engine, b, waiting)


def test_retries_are_attempts_in_order_with_their_exit_codes(
    engine: JobEngine, tmp_path: Path
) -> None:
    count = tmp_path / "count"
    script = (
        f"n=$(cat '{count}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '{count}'; "
        '[ "$n" -ge 3 ] || exit $((n+4))'
    )
    job = engine.start_job(script, maximum_retry_count=3, retry_interval_sec=0.05)
    finish(engine, job)

    snapshot = engine.snapshot(job.id)

    assert snapshot is not None and snapshot.maximum_retry_count == 3
    assert [a.process.exit_code for a in snapshot.attempts] == [5, 6, 0]
    assert [a.state for a in snapshot.attempts] == [
        JobState.Failed,
        JobState.Failed,
        JobState.Completed,
    ]
    assert _round_trip(snapshot) == snapshot


def test_a_snapshot_carries_the_latest_progress_record(engine: JobEngine) -> None:
    job = engine.start_job(r"printf 'Downloading  10%%\rDownloading  42%%\r'; sleep 30")
    _wait_for(lambda: (s := engine.snapshot(job.id)) is not None and s.progress is not None)

    snapshot = engine.snapshot(job.id)

    assert snapshot is not None and snapshot.progress is not None
    assert snapshot.progress.percent_complete == 42
    assert snapshot.progress.activity == "Downloading"
    assert _round_trip(snapshot) == snapshot
    engine.stop_job([job])


def test_a_snapshot_from_an_older_host_has_no_queue_facts() -> None:
    job = JobSnapshot.from_dict(
        {
            key: value
            for key, value in _round_trip_dict().items()
            if key not in {"timeout_sec", "depends_on", "progress", "queue_ticket"}
        }
    )
    assert job.timeout_sec is None and job.depends_on == () and job.progress is None


def _round_trip_dict() -> dict[str, object]:
    return JobSnapshot(
        id=1,
        instance_id="x",
        name="Job1",
        ps_job_type_name="BackgroundJob",
        state_info=StateInfo(JobState.Completed),
        has_more_data=False,
        location="localhost",
        command="true",
        version=1,
    ).to_dict()
