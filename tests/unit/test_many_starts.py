"""What a burst of starts costs the session: no start waits on another job's monitor, and a
start does not make the follower look at every other job again."""

from __future__ import annotations

import threading
from pathlib import Path

from jobtui.engine import JobEngine
from jobtui.engine.local.monitored import Follower
from jobtui.persistent import Persistence


class _Unanswered:
    """A monitored job's runner whose monitor has not answered yet (``info`` waits, as a
    MonitoredRunner's does, until ``answer`` is set)."""

    def __init__(self) -> None:
        self.waiting = threading.Event()
        self.answer = threading.Event()

    def wait_started(self) -> None:
        self.waiting.set()
        self.answer.wait(30)

    @property
    def info(self) -> None:
        self.wait_started()


def test_the_history_waits_for_a_monitor_outside_the_engines_lock(tmp_path: Path) -> None:
    with JobEngine(guardian=False) as engine:
        persistence = Persistence(engine, tmp_path)
        try:
            job = engine.start_job("true")
            engine.wait_job([job])
            held = job.child_jobs[0] if job.child_jobs else job
            real, runner = held.runner, _Unanswered()
            held.runner = runner  # type: ignore[assignment]
            writer = threading.Thread(target=persistence._records, args=(job,))
            writer.start()
            try:
                assert runner.waiting.wait(10)
                # Every other start takes this lock: it must be free while the writer waits.
                taken = engine.lock.acquire(timeout=5)
                assert taken, "the history writer waited for a monitor under the engine's lock"
                engine.lock.release()
            finally:
                runner.answer.set()
                writer.join(10)
                held.runner = real
        finally:
            persistence.close()


class _Quiet:
    """A followed job that never writes and whose monitor never ends."""

    def __init__(self) -> None:
        self.due = 0.0
        self.pidfd = None

    def follow(self, now: float) -> None:
        pass

    def monitor_gone(self) -> bool:
        return False


def test_a_job_added_does_not_make_every_other_job_due() -> None:
    follower = Follower()
    try:
        first = _Quiet()
        follower.add(first)  # type: ignore[arg-type]
        first.due = 1e12
        follower.add(_Quiet())  # type: ignore[arg-type]
        assert first.due == 1e12
        follower.wake()  # a wake, though, is a look at every job
        assert first.due == 0.0
    finally:
        follower.close()
