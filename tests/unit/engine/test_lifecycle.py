"""Get, wait, stop, remove, suspend, resume, Blocked and the throttle, against real processes."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import psutil
import pytest

from jobtui.engine import (
    BlockedJobsDeadlockError,
    CannotRemoveChildJobError,
    Job,
    JobEngine,
    JobError,
    JobNotFinishedError,
    JobNotFoundError,
    JobState,
)
from jobtui.engine.job import THREAD_JOB

from .conftest import alive, finish


def wait_for(predicate: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached")


# -- Get-Job ----------------------------------------------------------------------------------


def test_get_job_filters(engine: JobEngine) -> None:
    a = engine.start_job("echo a", name="build-a")
    b = engine.start_job("exit 1", name="build-b")
    c = engine.start_job("sleep 30", name="serve")
    finish(engine, a, b)
    assert engine.get_job() == [a, b, c]
    assert engine.get_job(id=[3, 1]) == [a, b]  # sorted by Id
    assert engine.get_job(id=[2]) == [a.child_jobs[0]]  # children are found by Id
    assert engine.get_job(name=["BUILD-*"]) == [a, b]
    assert engine.get_job(instance_id=[str(c.instance_id).upper()]) == [c]
    assert engine.get_job(state=JobState.Failed) == [b]
    assert engine.get_job(command=["sleep*"]) == [c]
    assert engine.get_job(has_more_data=False) == [b]
    assert engine.get_job(include_child_job=True, id=[1]) == [a, a.child_jobs[0]]
    assert engine.get_job(child_job_state=JobState.Failed) == [a, b, b.child_jobs[0], c]
    assert engine.get_job(newest=1) in ([a], [b])
    assert engine.get_job(after=datetime.now() + timedelta(days=1)) == []
    assert engine.get_job(before=datetime.now() + timedelta(days=1)) == [a, b]


def test_not_found_errors_raise_or_collect_and_wildcards_are_silent(engine: JobEngine) -> None:
    job = engine.start_job("true")
    with pytest.raises(JobNotFoundError, match=r"cannot find a job with the job ID 7\. Verify"):
        engine.get_job(id=[7])
    errors: list[JobError] = []
    assert engine.get_job(id=[7, job.id, 9], errors=errors) == [job]
    assert [str(e).split(".")[0] for e in errors] == [
        "The command cannot find a job with the job ID 7",
        "The command cannot find a job with the job ID 9",
    ]
    errors.clear()
    assert engine.get_job(name=["nope*", "gone"], errors=errors) == []
    assert len(errors) == 1 and "job name gone was not found" in str(errors[0])


# -- Wait-Job ---------------------------------------------------------------------------------


def test_wait_all_returns_input_order_and_any_returns_one(engine: JobEngine) -> None:
    slow = engine.start_job("sleep 0.6")
    fast = engine.start_job("sleep 0.1")
    assert engine.wait_job([slow, fast], any=True, timeout=10) == [fast]
    assert engine.wait_job([slow, fast], timeout=10) == [slow, fast]


def test_a_wait_looks_again_only_at_the_jobs_not_done(
    engine: JobEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = engine.start_job("true")
    finish(engine, done)
    slow = engine.start_job("sleep 1")
    looks = {"done": 0}
    state = Job.state

    def counted(job: Job) -> JobState:
        if job is done:
            looks["done"] += 1
        return state.fget(job)  # type: ignore[misc]

    monkeypatch.setattr(Job, "state", property(counted))
    stop = threading.Event()

    def wake() -> None:  # every change of any job wakes a wait: here, 200 of them
        for _ in range(200):
            if stop.is_set():
                return
            engine.wake_waiters()
            time.sleep(0.002)

    waker = threading.Thread(target=wake)
    waker.start()
    try:
        assert engine.wait_job([done, slow], timeout=20) == [done, slow]
    finally:
        stop.set()
        waker.join()
    # Once when the wait began and once in its last look at all: not at every wake-up.
    assert looks["done"] <= 4, looks


def test_wait_timeout_returns_nothing_and_leaves_no_thread(engine: JobEngine) -> None:
    job = engine.start_job("sleep 30")
    threads = threading.active_count()
    started = time.monotonic()
    assert engine.wait_job([job], timeout=0.3) == []
    assert 0.25 <= time.monotonic() - started < 5
    assert threading.active_count() == threads
    assert job.state is JobState.Running  # the job goes on
    assert engine.wait_job([job], timeout=0) == []


def test_wait_timeout_zero_returns_jobs_already_done(engine: JobEngine) -> None:
    job = engine.start_job("true")
    finish(engine, job)
    assert engine.wait_job([job], timeout=0) == [job]  # jobtui's improvement


def test_wait_can_be_cancelled_from_another_thread(engine: JobEngine) -> None:
    job = engine.start_job("sleep 30")
    cancel = threading.Event()
    timer = threading.Timer(0.2, lambda: (cancel.set(), engine.wake_waiters()))
    timer.start()
    started = time.monotonic()
    assert engine.wait_job([job], cancel=cancel) == []
    assert time.monotonic() - started < 3
    timer.join()


def test_waiting_on_a_blocked_job_is_a_deadlock_error(engine: JobEngine) -> None:
    job = engine.start_job("read line; echo got $line")
    wait_for(lambda: job.state is JobState.Blocked)
    with pytest.raises(BlockedJobsDeadlockError):
        engine.wait_job([job], timeout=5)


# -- Blocked and input ------------------------------------------------------------------------


def test_a_job_reading_its_input_is_blocked_until_input_arrives(engine: JobEngine) -> None:
    job = engine.start_job("read line; echo got $line")
    wait_for(lambda: job.state is JobState.Blocked)
    assert job.child_jobs[0].state is JobState.Blocked
    assert engine.send_input(job, b"hello\n") == 6
    assert job.state is JobState.Running
    finish(engine, job)
    assert [t for _, t in engine.receive_job([job]).lines()] == ["got hello"]


def test_a_pipeline_reading_its_own_pipe_is_not_blocked(engine: JobEngine) -> None:
    job = engine.start_job("sleep 1 | cat")
    time.sleep(0.7)
    assert job.state is JobState.Running


# -- Stop-Job ---------------------------------------------------------------------------------


def test_stop_ends_the_whole_tree(engine: JobEngine) -> None:
    job = engine.start_job("sleep 100 & sleep 100 & echo started; wait")
    wait_for(lambda: job.transcript is not None and job.transcript.line_count == 1)
    main = psutil.Process(job.child_jobs[0].process.pid or 0)
    tree = [main.pid] + [p.pid for p in main.children(recursive=True)]
    assert len(tree) >= 3
    engine.stop_job([job])
    assert job.state is JobState.Stopped and job.child_jobs[0].state is JobState.Stopped
    assert job.job_state_info.reason is None
    assert not any(alive(pid) for pid in tree)
    assert [t for _, t in engine.receive_job([job]).lines()] == ["started"]  # output survives


def test_stop_kills_what_ignores_sigterm_after_the_grace_period(engine: JobEngine) -> None:
    job = engine.start_job("trap '' TERM; echo ready; while :; do sleep 0.1; done")
    wait_for(lambda: job.transcript is not None and job.transcript.line_count == 1)
    started = time.monotonic()
    engine.stop_job([job])
    elapsed = time.monotonic() - started
    assert job.state is JobState.Stopped
    assert engine.grace <= elapsed < engine.grace + 5


def test_stop_finds_a_daemon_that_left_with_setsid(engine: JobEngine) -> None:
    # The inner shell forks sleep into a new session and exits: sleep is re-parented to init,
    # outside the job's tree and group. Only the environment tag still ties it to the job.
    job = engine.start_job(
        "setsid sh -c 'sleep 100 >/dev/null 2>&1 </dev/null & echo $!'; sleep 100"
    )
    wait_for(lambda: job.transcript is not None and job.transcript.line_count == 1)
    assert job.transcript is not None
    daemon = int(job.transcript.lines(0, 1)[0][1])
    main = psutil.Process(job.child_jobs[0].process.pid or 0)
    assert alive(daemon) and daemon not in {p.pid for p in main.children(recursive=True)}
    assert psutil.Process(daemon).ppid() != main.pid
    engine.stop_job([job])
    assert not alive(daemon)


def test_shutdown_ends_what_a_completed_job_left_behind(tmp_path: pytest.TempPathFactory) -> None:
    eng = JobEngine(guardian=False, grace=0.5)
    job = eng.start_job("setsid sh -c 'sleep 100 >/dev/null 2>&1 </dev/null & echo $!'")
    finish(eng, job)
    daemon = int(next(eng.receive_job([job]).lines())[1])
    assert job.state is JobState.Completed and alive(daemon)
    eng.shutdown()
    assert not alive(daemon)


def test_stop_without_waiting_shows_stopping_then_stopped(engine: JobEngine) -> None:
    job = engine.start_job("trap '' TERM; while :; do sleep 0.1; done")
    time.sleep(0.2)
    engine.stop_job([job], wait=False)
    assert job.state is JobState.Stopping
    finish(engine, job)
    assert job.state is JobState.Stopped


def test_stopping_a_finished_job_changes_nothing(engine: JobEngine) -> None:
    job = engine.start_job("exit 2")
    finish(engine, job)
    engine.stop_job([job])
    assert job.state is JobState.Failed


# -- Remove-Job -------------------------------------------------------------------------------


def test_remove_refuses_a_running_job_unless_forced(engine: JobEngine) -> None:
    job = engine.start_job("sleep 100")
    with pytest.raises(JobNotFinishedError) as refused:
        engine.remove_job(job)
    assert str(refused.value) == (
        "The command cannot remove the job with the job ID 1 because the job is not finished. "
        "To remove the job, first stop the job, or use the Force parameter."
    )
    assert engine.get_job() == [job]
    pid = job.child_jobs[0].process.pid or 0
    engine.remove_job(job, force=True)
    assert job.state is JobState.Stopped and job.removed and not alive(pid)
    assert engine.get_job() == []
    with pytest.raises(JobNotFoundError):
        engine.get_job(id=[1])


def test_a_child_job_cannot_be_removed(engine: JobEngine) -> None:
    job = engine.start_job("true")
    finish(engine, job)
    with pytest.raises(CannotRemoveChildJobError, match="Child jobs can be removed only"):
        engine.remove_job(job.child_jobs[0])


# -- Suspend-Job, Resume-Job ------------------------------------------------------------------


def test_suspend_and_resume_signal_the_tree(engine: JobEngine) -> None:
    job = engine.start_job("sleep 100")
    time.sleep(0.1)
    pid = job.child_jobs[0].process.pid or 0
    assert engine.suspend_job([job]) == [job]
    assert job.state is JobState.Suspended
    wait_for(lambda: psutil.Process(pid).status() == psutil.STATUS_STOPPED)
    assert engine.wait_job([job], timeout=1) == [job]  # Suspended is persistent
    assert engine.resume_job([job]) == [job]
    assert job.state is JobState.Running
    wait_for(lambda: psutil.Process(pid).status() != psutil.STATUS_STOPPED)
    engine.stop_job([job])  # a suspended-then-resumed job still stops
    assert job.state is JobState.Stopped


def test_a_suspended_job_can_be_stopped(engine: JobEngine) -> None:
    job = engine.start_job("sleep 100")
    time.sleep(0.1)
    engine.suspend_job([job])
    engine.stop_job([job])
    assert job.state is JobState.Stopped


# -- ThrottleLimit ----------------------------------------------------------------------------


def test_throttle_queues_thread_jobs_as_not_started(engine: JobEngine) -> None:
    engine.throttle_limit = 2
    jobs = [engine.start_job("Start-Sleep 0.3", job_type=THREAD_JOB) for _ in range(4)]
    assert [j.state for j in jobs[2:]] == [JobState.NotStarted, JobState.NotStarted]
    assert not jobs[3].has_more_data and jobs[3].ps_begin_time is None
    background = engine.start_job("true")  # PowerShell never queues Start-Job
    assert background.state is not JobState.NotStarted
    assert engine.wait_job(jobs, timeout=10) == jobs
    assert all(j.state is JobState.Completed for j in jobs)


def test_raising_the_limit_starts_queued_jobs(engine: JobEngine) -> None:
    engine.throttle_limit = 1
    jobs = [engine.start_job("Start-Sleep 5", job_type=THREAD_JOB) for _ in range(3)]
    assert [j.state for j in jobs] == [JobState.Running, JobState.NotStarted, JobState.NotStarted]
    engine.throttle_limit = None
    assert [j.state for j in jobs] == [JobState.Running] * 3


def test_background_throttle_queues_background_jobs(engine: JobEngine) -> None:
    engine.background_throttle_limit = 2
    jobs = [engine.start_job("sleep 0.3; echo done") for _ in range(4)]
    assert [j.state for j in jobs[2:]] == [JobState.NotStarted, JobState.NotStarted]
    assert not jobs[3].has_more_data and jobs[3].ps_begin_time is None
    assert engine.wait_job(jobs, timeout=10) == jobs
    assert all(j.state is JobState.Completed for j in jobs)


def test_stopping_a_queued_job_never_starts_it(engine: JobEngine) -> None:
    engine.background_throttle_limit = 1
    running = engine.start_job("sleep 100")
    queued = engine.start_job("echo never")
    engine.stop_job([queued])
    assert queued.state is JobState.Stopped
    engine.stop_job([running])
    time.sleep(0.2)
    assert queued.child_jobs[0].process.pid is None


# -- Receive-Job -Wait ------------------------------------------------------------------------


def test_receive_wait_streams_until_done_and_can_auto_remove(engine: JobEngine) -> None:
    job = engine.start_job("echo 1; sleep 0.3; echo 2; sleep 0.3; echo 3")
    batches = [
        [t for _, t in received.lines()]
        for received in engine.receive_job_wait([job], auto_remove=True)
    ]
    assert [line for batch in batches for line in batch] == ["1", "2", "3"]
    assert len(batches) >= 2  # it streamed, rather than waiting for the end
    assert job.removed and engine.get_job() == []
