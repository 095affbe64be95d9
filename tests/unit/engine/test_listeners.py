"""Listeners run with the engine unlocked: a slow or re-entrant one stalls and deadlocks nothing."""

from __future__ import annotations

import threading

from jobtui.engine import (
    JobAdded,
    JobEngine,
    JobEvent,
    JobState,
    JobStateChanged,
)
from jobtui.engine.locking import EventLock

from .conftest import finish

#: Long enough for any call that is not blocked; only a failing test waits this long.
STUCK = 5.0


def engine_answers_from_another_thread(engine: JobEngine) -> bool:
    """True if another thread can take the engine's lock now (it could not while we hold it)."""
    thread = threading.Thread(target=engine.get_job, daemon=True)
    thread.start()
    thread.join(STUCK)
    return not thread.is_alive()


def test_listeners_run_with_the_engine_unlocked(engine: JobEngine) -> None:
    answered: list[tuple[str, bool]] = []

    def listener(event: JobEvent) -> None:
        # Events that used to be emitted under the lock: a job added, a state set.
        if isinstance(event, JobAdded | JobStateChanged) and len(answered) < 4:
            answered.append((type(event).__name__, engine_answers_from_another_thread(engine)))

    engine.subscribe(listener)
    job = engine.start_job("true")
    finish(engine, job)
    assert answered and all(ok for _, ok in answered), answered
    assert {name for name, _ in answered} == {"JobAdded", "JobStateChanged"}


def test_a_slow_listener_holds_up_no_other_thread(engine: JobEngine) -> None:
    """A listener that waits (for a UI thread, a disk) while a job finishes on the reactor."""
    waiting = threading.Event()
    go_on = threading.Event()

    def listener(event: JobEvent) -> None:
        done = isinstance(event, JobStateChanged) and event.current.state is JobState.Completed
        if done and event.job.parent is None:
            waiting.set()
            go_on.wait(2 * STUCK)

    engine.subscribe(listener)
    slow = engine.start_job("true")
    assert waiting.wait(STUCK), "the job did not complete"
    started: list[object] = []
    thread = threading.Thread(target=lambda: started.append(engine.start_job("true")))
    thread.start()
    thread.join(STUCK)
    go_on.set()
    assert started, "starting a job waited for another thread's listener"
    finish(engine, slow)


def test_a_listener_that_calls_the_engine_is_not_called_inside_itself(engine: JobEngine) -> None:
    here = threading.get_ident()
    trace: list[str] = []  # this thread's deliveries (the reactor delivers its own meanwhile)
    depth = threading.local()

    def listener(event: JobEvent) -> None:
        if threading.get_ident() != here:
            return
        depth.now = getattr(depth, "now", 0) + 1
        trace.append(f"{type(event).__name__} at depth {depth.now}")
        if isinstance(event, JobAdded) and event.job.command == "true":
            inner = engine.start_job("echo inner")  # its events wait for this call to return
            engine.receive_job([inner], keep=True)
            trace.append("started inner")
        depth.now -= 1

    engine.subscribe(listener)
    outer = engine.start_job("true")
    jobs = engine.get_job()
    finish(engine, *jobs)
    assert all(line.endswith("depth 1") for line in trace if "depth" in line), trace
    assert trace[:2] == ["JobAdded at depth 1", "started inner"], trace
    assert trace[2] == "JobAdded at depth 1"  # the inner job's, after the outer's listener
    assert outer in jobs and len(jobs) == 2


def test_events_held_under_the_lock_keep_their_order() -> None:
    heard: list[tuple[int, bool]] = []
    lock: EventLock[int] = EventLock(lambda n: heard.append((n, lock.held())))
    lock.emit(1)
    with lock:
        lock.emit(2)
        with lock:
            lock.emit(3)
        assert heard == [(1, False)]  # still held once: nothing delivered
    lock.emit(4)
    assert heard == [(1, False), (2, False), (3, False), (4, False)]


def test_a_condition_wait_releases_the_lock_and_delivers_what_was_held() -> None:
    heard: list[int] = []
    lock: EventLock[int] = EventLock(heard.append)
    changed = threading.Condition(lock)  # type: ignore[arg-type]
    with lock, changed:  # held twice, as the engine's wait_job can be
        lock.emit(1)
        changed.wait(0.01)
        assert heard == [1]
        assert lock.held()
    assert not lock.held()
