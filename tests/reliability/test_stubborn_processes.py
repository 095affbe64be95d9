"""Processes that fight back: every one is stopped, none is left behind, no output is lost."""

from __future__ import annotations

import time

import psutil

from jobtui.engine import JobEngine, JobState, Stream
from jobtui.engine.local.processes import JOB_TAG, tagged_pids


def alive(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def test_a_job_that_closes_stdout_keeps_running_until_it_exits(engine: JobEngine) -> None:
    job = engine.start_job("echo before; exec >&-; sleep 0.5; echo after >&2")
    assert engine.wait_job([job], timeout=0.3) == []
    assert job.state is JobState.Running  # stdout is closed, the process is not
    assert engine.wait_job([job], timeout=10) == [job]
    assert job.state is JobState.Completed
    assert [t for _, t in engine.receive_job([job]).lines()] == ["before", "after"]


def test_a_job_that_floods_stderr_and_never_reads_stdin_completes(engine: JobEngine) -> None:
    job = engine.start_job("head -c 5242880 /dev/zero >&2; echo done")
    assert engine.wait_job([job], timeout=30) == [job]
    assert job.state is JobState.Completed
    store = job.transcript
    assert store is not None
    assert store.stream_size(Stream.Error) == 5 * 1024 * 1024
    assert store.stream_bytes(Stream.Output) == b"done\n"


def test_five_hundred_children_started_at_once_are_stopped_together(engine: JobEngine) -> None:
    job = engine.start_job("for i in $(seq 500); do sleep 300 & done; echo started; wait")
    store = job.transcript
    assert store is not None
    deadline = time.monotonic() + 30
    while store.line_count == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    main = psutil.Process(job.child_jobs[0].process.pid or 0)
    tree = [main, *main.children(recursive=True)]
    assert len(tree) == 501
    started = time.monotonic()
    engine.stop_job([job])
    assert job.state is JobState.Stopped
    assert time.monotonic() - started < 10
    assert not [p.pid for p in tree if alive(p.pid)]


def test_a_job_that_forks_while_it_is_being_stopped_leaves_nothing(engine: JobEngine) -> None:
    # Each TERM'd shell spawns a replacement: only the SIGKILL sweeps can end it.
    job = engine.start_job(
        "trap 'sleep 300 & sleep 300 &' TERM; echo ready; while :; do sleep 0.05; done"
    )
    store = job.transcript
    assert store is not None
    while store.line_count == 0:
        time.sleep(0.02)
    engine.stop_job([job])
    assert job.state is JobState.Stopped
    time.sleep(0.2)
    assert tagged_pids(JOB_TAG, str(job.child_jobs[0].instance_id)) == set()
