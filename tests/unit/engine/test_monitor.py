"""The process monitor: CPU, memory and process count of a job's whole tree, and quiet when idle."""

from __future__ import annotations

import time
from collections.abc import Callable

from jobtui.engine import JobEngine, JobState


def wait_for(condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        time.sleep(0.02)


def test_a_busy_tree_shows_its_cpu_memory_and_processes(engine: JobEngine) -> None:
    job = engine.start_job("sleep 30 & sleep 30 & while :; do :; done")
    info = job.child_jobs[0].process
    wait_for(lambda: (info.cpu_percent or 0) > 20)
    assert info.memory_rss is not None and info.memory_rss > 0
    assert info.process_count == 3  # the shell and both sleeps
    engine.stop_job([job])
    assert job.state is JobState.Stopped


def test_an_idle_job_is_not_touched_by_each_sample(engine: JobEngine) -> None:
    job = engine.start_job("sleep 30")
    info = job.child_jobs[0].process
    wait_for(lambda: info.memory_rss)
    time.sleep(0.5)  # past the first samples: CPU measured, memory settled
    version = job.version
    time.sleep(1.0)  # five more samples at 0.2 s
    assert job.version == version
    assert info.cpu_percent == 0.0
