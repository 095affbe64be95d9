"""The queue: dependencies, time limits, retries, restart, the background throttle, waiting for
a line of output and -IfNotRunning, over real processes."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from jobtui.engine import THREAD_JOB, JobEngine, JobError, JobEvent, JobState
from jobtui.engine.errors import DependencyError
from jobtui.engine.events import JobRetried
from jobtui.engine.options import JobOptions, human_duration

from .conftest import alive, finish


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll until ``predicate`` holds; fail the test if it never does."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def gated(gate: Path, then: str) -> str:
    """A command that waits for the file ``gate`` to exist, then runs ``then``."""
    return f"while [ ! -e '{gate}' ]; do sleep 0.02; done; {then}"


# -- -DependsOn -------------------------------------------------------------------------------


def test_a_failed_dependency_fails_the_job_without_running_it(
    engine: JobEngine, tmp_path: Path
) -> None:
    ran = tmp_path / "ran"
    first = engine.start_job("exit 3")
    second = engine.start_job(f"touch '{ran}'", depends_on=[first])
    third = engine.start_job(f"touch '{ran}'", depends_on=[second.id])
    finish(engine, first, second, third)
    assert second.state is JobState.Failed
    assert str(second.reason) == f"dependency {first.name} failed"
    assert str(third.reason) == f"dependency {second.name} failed"  # in turn
    assert not ran.exists()
    assert second.child_jobs[0].ps_begin_time is not None  # it ended, without a process
    assert second.child_jobs[0].process.pid is None


def test_a_stopped_dependency_fails_the_job(engine: JobEngine, tmp_path: Path) -> None:
    first = engine.start_job("sleep 30", name="server")
    second = engine.start_job(f"touch '{tmp_path / 'ran'}'", depends_on=["server"])
    assert second.state is JobState.NotStarted
    assert second.status_message == "Waiting for server"
    assert second.depends_on == [first]
    engine.stop_job([first])
    finish(engine, second)
    assert second.state is JobState.Failed
    assert str(second.reason) == "dependency server was stopped"
    assert not (tmp_path / "ran").exists()


def test_a_chain_runs_in_order(engine: JobEngine, tmp_path: Path) -> None:
    log = tmp_path / "log"
    a = engine.start_job(f"sleep 0.2; echo a >> '{log}'")
    b = engine.start_job(f"echo b >> '{log}'", depends_on=[a])
    c = engine.start_job(f"echo c >> '{log}'", depends_on=[b])
    finish(engine, a, b, c)
    assert [j.state for j in (a, b, c)] == [JobState.Completed] * 3
    assert log.read_text().split() == ["a", "b", "c"]


def test_fan_in_waits_for_every_dependency(engine: JobEngine, tmp_path: Path) -> None:
    log = tmp_path / "log"
    a = engine.start_job(gated(tmp_path / "go-a", f"echo a >> '{log}'"))
    b = engine.start_job(gated(tmp_path / "go-b", f"echo b >> '{log}'"))
    joined = engine.start_job(f"echo joined >> '{log}'", depends_on=[a, b])
    (tmp_path / "go-a").touch()
    finish(engine, a)
    wait_until(lambda: joined.status_message == f"Waiting for {b.name}")
    assert joined.state is JobState.NotStarted  # b has not completed
    (tmp_path / "go-b").touch()
    finish(engine, b, joined)
    assert joined.state is JobState.Completed
    assert log.read_text().split() == ["a", "b", "joined"]


def test_a_cycle_an_unknown_and_a_removed_dependency_are_refused(engine: JobEngine) -> None:
    done = engine.start_job("true")
    finish(engine, done)
    engine.remove_job(done)
    with pytest.raises(DependencyError, match=r"cycle: build -> build\."):
        engine.start_job("make", name="build", depends_on=["build"])
    with pytest.raises(DependencyError, match="cannot find a job with the job ID 42"):
        engine.start_job("make", depends_on=[42])
    with pytest.raises(DependencyError, match=r"has been removed from the session"):
        engine.start_job("make", depends_on=[done])
    assert engine.jobs == []  # nothing was created


def test_removing_a_dependency_fails_its_dependents(engine: JobEngine) -> None:
    first = engine.start_job("true")
    finish(engine, first)
    blocker = engine.start_job("sleep 30")
    waiting = engine.start_job("true", depends_on=[first, blocker])
    engine.remove_job(first)
    finish(engine, waiting)
    assert str(waiting.reason) == f"dependency {first.name} was removed"


def test_a_job_waiting_for_its_dependencies_can_be_stopped(engine: JobEngine) -> None:
    first = engine.start_job("sleep 30")
    waiting = engine.start_job("true", depends_on=[first])
    engine.stop_job([waiting])
    assert waiting.state is JobState.Stopped
    assert first.state is JobState.Running


# -- -TimeoutSec ------------------------------------------------------------------------------


def test_a_timeout_kills_a_job_that_ignores_sigterm(engine: JobEngine) -> None:
    job = engine.start_job("trap '' TERM; echo up; sleep 30", timeout_sec=0.5)
    finish(engine, job)
    assert job.state is JobState.Failed
    assert str(job.reason) == "timed out after 0.5 s"
    child = job.child_jobs[0]
    assert child.process.signal == "SIGKILL"  # SIGTERM was ignored: killed after the grace
    assert child.process.pid is not None and not alive(child.process.pid)
    assert job.time_left is None


def test_time_left_counts_down_from_the_limit(engine: JobEngine) -> None:
    job = engine.start_job("sleep 30", timeout_sec=600)
    left = job.time_left
    assert left is not None and timedelta(0) < left <= timedelta(minutes=10)
    assert job.get_property("TimeLeft") == job.time_left
    assert job.get_property("TimeoutSec") == 600
    engine.stop_job([job])
    assert job.state is JobState.Stopped  # a user's stop is not a timeout


def test_human_durations() -> None:
    assert human_duration(600) == "10 min"
    assert human_duration(90) == "1 min 30 s"
    assert human_duration(45) == "45 s"
    assert human_duration(7500) == "2 h 5 min"
    assert human_duration(0.5) == "0.5 s"


def test_negative_values_are_refused(engine: JobEngine) -> None:
    with pytest.raises(JobError, match="cannot be negative"):
        engine.start_job("true", timeout_sec=-1)
    with pytest.raises(JobError, match="cannot be negative"):
        engine.start_job("true", maximum_retry_count=-1)


# -- -MaximumRetryCount -----------------------------------------------------------------------

#: Fails on its first two runs and succeeds on the third: the counter is a file.
FAILS_TWICE = (
    'n=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > count; '
    'echo "attempt $n"; [ "$n" -ge 3 ] || exit "$n"'
)


def test_a_job_that_fails_twice_is_retried_until_it_succeeds(
    engine: JobEngine, tmp_path: Path
) -> None:
    events: list[JobEvent] = []
    engine.subscribe(events.append)
    job = engine.start_job(
        FAILS_TWICE, working_directory=str(tmp_path), maximum_retry_count=3, retry_interval_sec=0.1
    )
    finish(engine, job)
    finish(engine, *job.child_jobs)
    assert job.state is JobState.Completed
    assert [c.state for c in job.child_jobs] == [
        JobState.Failed,
        JobState.Failed,
        JobState.Completed,
    ]
    assert [c.process.exit_code for c in job.child_jobs] == [1, 2, 0]
    received = [line for _, line in engine.receive_job([job]).lines()]
    assert received == ["attempt 1", "attempt 2", "attempt 3"]
    retried = [e for e in events if isinstance(e, JobRetried)]
    assert [e.delay for e in retried] == [0.1, 0.2]  # the interval doubles
    assert [e.attempt for e in retried] == job.child_jobs[1:]
    assert job.status_message == "Completed on attempt 3."


def test_retries_run_out(engine: JobEngine, tmp_path: Path) -> None:
    job = engine.start_job("exit 4", maximum_retry_count=2, retry_interval_sec=0.05)
    finish(engine, job)
    assert job.state is JobState.Failed
    assert len(job.child_jobs) == 3
    assert str(job.reason) == "Exit code 4."
    assert job.status_message == "Failed after 3 attempts."


def test_a_job_stopped_between_attempts_is_not_retried(engine: JobEngine) -> None:
    job = engine.start_job("exit 1", maximum_retry_count=3, retry_interval_sec=30)
    wait_until(lambda: len(job.child_jobs) == 2)  # the retry, waiting for its interval
    assert job.state is JobState.Running
    assert job.status_message.startswith("Attempt 2 of 4 in 30 s: attempt 1 failed (Exit code 1")
    assert "doubles" in job.status_message
    engine.stop_job([job])
    assert job.state is JobState.Stopped
    assert len(job.child_jobs) == 2
    assert job.child_jobs[1].state is JobState.Stopped


def test_retry_delays_double() -> None:
    options = JobOptions(maximum_retry_count=3, retry_interval_sec=10)
    assert [options.retry_delay(n) for n in (1, 2, 3)] == [10, 20, 40]


# -- Restart-Job ------------------------------------------------------------------------------


def test_restart_after_a_stopped_job_keeps_its_settings(engine: JobEngine, tmp_path: Path) -> None:
    job = engine.start_job(
        'echo "$FOO $PWD"; sleep 30',
        name="serve",
        working_directory=str(tmp_path),
        environment={"FOO": "bar"},
        timeout_sec=600,
    )
    engine.stop_job([job])
    assert job.state is JobState.Stopped
    again = engine.restart_job(job)
    assert again is not job and again.id > job.id
    assert (again.name, again.command, again.location) == (job.name, job.command, job.location)
    assert again.options.timeout_sec == 600
    found = engine.wait_job_match([again], re.compile("bar"), timeout=10)
    assert [m.line for m in found] == [f"bar {tmp_path}"]
    engine.stop_job([again])


def test_restart_of_a_running_job_stops_it_first(engine: JobEngine) -> None:
    job = engine.start_job("sleep 30")
    again = engine.restart_job(job)
    assert job.state is JobState.Stopped
    assert again.state is JobState.Running
    assert again.name == f"Job{again.id}"  # a default name follows the new Id


# -- the background throttle ------------------------------------------------------------------


def test_a_throttled_queue_of_20_runs_first_in_first_out(engine: JobEngine, tmp_path: Path) -> None:
    log = tmp_path / "log"
    gate = tmp_path / "gate"
    engine.background_throttle_limit = 3
    jobs = [
        engine.start_job(
            gated(gate, f"echo start {i} >> '{log}'; sleep 0.05; echo end {i} >> '{log}'")
        )
        for i in range(20)
    ]
    assert [j.state for j in jobs[:3]] == [JobState.Running] * 3
    assert [j.state for j in jobs[3:]] == [JobState.NotStarted] * 17
    assert [j.queue_position for j in jobs] == [None] * 3 + list(range(1, 18))
    assert jobs[5].get_property("QueuePosition") == 3
    engine.stop_job([jobs[4]])  # leaves the queue; the others move up
    assert jobs[5].queue_position == 2
    gate.touch()
    finish(engine, *jobs, timeout=60)
    ran = [j for j in jobs if j is not jobs[4]]
    assert all(j.state is JobState.Completed for j in ran)
    events = log.read_text().split("\n")
    began = [job.child_jobs[0].ps_begin_time for job in ran]
    assert began == sorted(began)  # each started in its turn: first in, first out
    running = peak = 0
    for event in events:
        running += 1 if event.startswith("start") else -1 if event.startswith("end") else 0
        peak = max(peak, running)
    assert peak <= 3


def test_get_job_lists_a_queue_in_its_order(engine: JobEngine, tmp_path: Path) -> None:
    engine.background_throttle_limit = 1
    holder = engine.start_job(gated(tmp_path / "gate", "true"))
    # A thread job has a throttle of its own: it runs at once.
    before = engine.start_job(gated(tmp_path / "go", "true"), job_type=THREAD_JOB)
    late = engine.start_job("true", depends_on=[before])
    early = engine.start_job("true")
    assert early.queue_position == 1 and late.queue_position is None
    (tmp_path / "go").touch()
    finish(engine, before)
    wait_until(lambda: late.queue_position == 2)  # joined the queue at its end, behind early
    assert engine.get_job() == [holder, before, early, late]
    (tmp_path / "gate").touch()
    finish(engine, holder, early, late)


# -- Wait-Job -Match --------------------------------------------------------------------------


def test_wait_for_a_line_that_arrives_later(engine: JobEngine, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    job = engine.start_job(
        "echo booting; " + gated(gate, "echo 'Listening on :8080' >&2; sleep 30")
    )
    found: list[object] = []
    waiter = threading.Thread(
        target=lambda: found.extend(
            engine.wait_job_match([job], re.compile("listening on", re.I), timeout=30)
        )
    )
    waiter.start()
    waiter.join(2.0)  # the line cannot have come: the gate is closed
    assert waiter.is_alive() and not found
    gate.touch()
    waiter.join(30)
    assert not waiter.is_alive()
    [match] = found
    assert match.job is job and match.line == "Listening on :8080"  # type: ignore[attr-defined]
    assert job.state is JobState.Running


def test_wait_for_a_line_that_never_comes_times_out(engine: JobEngine) -> None:
    job = engine.start_job("echo booting; sleep 30")
    assert engine.wait_job_match([job], re.compile("Listening"), timeout=0.5) == []
    assert job.state is JobState.Running


def test_a_job_that_ends_without_the_line_ends_the_wait(engine: JobEngine) -> None:
    quick = engine.start_job("echo done")
    slow = engine.start_job("sleep 30")
    assert engine.wait_job_match([quick, slow], re.compile("Listening"), timeout=30) == []


def test_any_returns_the_first_job_that_matches(engine: JobEngine, tmp_path: Path) -> None:
    quiet = engine.start_job("sleep 30")
    ready = engine.start_job("sleep 0.2; printf 'ready'; sleep 30")  # no newline: still a line
    [match] = engine.wait_job_match([quiet, ready], re.compile("^ready$"), any=True, timeout=30)
    assert match.job is ready


def test_the_scan_reads_only_new_lines(engine: JobEngine) -> None:
    from jobtui.engine.matching import OutputScanner

    job = engine.start_job("seq 1000; sleep 30")
    engine.wait_job_match([job], re.compile("^1000$"), timeout=10)
    scanner = OutputScanner(re.compile("^never$"))
    assert scanner.scan(job) is None
    store = job.child_jobs[0].output
    assert store is not None
    calls: list[tuple[int, int]] = []
    original = store.lines
    store.lines = lambda start, stop: calls.append((start, stop)) or original(start, stop)  # type: ignore[method-assign]
    assert scanner.scan(job) is None
    assert calls == [(999, 1000)]  # the last line again, not the thousand before it


# -- -IfNotRunning ----------------------------------------------------------------------------


def test_if_not_running_returns_the_job_already_there(engine: JobEngine) -> None:
    first = engine.start_job("sleep 30")
    assert engine.start_job(" sleep 30 ", if_not_running=True) is first
    named = engine.start_job("sleep 31", name="web")
    assert engine.start_job("other command", name="WEB", if_not_running=True) is named
    engine.stop_job([first])
    fresh = engine.start_job("sleep 30", if_not_running=True)
    assert fresh is not first and fresh.state is JobState.Running


# -- the queue left running overnight -----------------------------------------------------------


def test_a_hung_job_with_a_time_limit_does_not_block_the_queue(engine: JobEngine) -> None:
    engine.background_throttle_limit = 1
    hung = engine.start_job("trap '' TERM; sleep 30", timeout_sec=0.5)
    queued = engine.start_job("echo next")
    assert queued.queue_position == 1
    finish(engine, hung, queued)
    assert str(hung.reason) == "timed out after 0.5 s"
    assert queued.state is JobState.Completed


def test_shutdown_ends_the_timer_thread_and_pending_retries() -> None:
    engine = JobEngine(grace=0.5, guardian=False, shell="/bin/sh")
    job = engine.start_job("exit 1", maximum_retry_count=5, retry_interval_sec=30)
    limited = engine.start_job("sleep 30", timeout_sec=600)
    wait_until(lambda: len(job.child_jobs) == 2)
    assert any(t.name == "jobtui-timers" for t in threading.enumerate())
    engine.shutdown()
    assert job.state is JobState.Stopped and limited.state is JobState.Stopped
    assert len(job.child_jobs) == 2  # the retry waiting for its interval never ran
    assert not any(t.name == "jobtui-timers" for t in threading.enumerate())
