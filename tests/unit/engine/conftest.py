"""Fixtures for engine tests: a real engine with short timings, shut down after each test."""

from __future__ import annotations

from collections.abc import Iterator

import psutil
import pytest

from jobtui.engine import Job, JobEngine


@pytest.fixture
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JobEngine]:
    """An engine that stops quickly, samples often and spills to a private directory."""
    spill = tmp_path_factory.mktemp("spill")
    eng = JobEngine(
        grace=0.5, monitor_interval=0.2, guardian=False, spill_dir=str(spill), shell="/bin/sh"
    )
    yield eng
    eng.shutdown()


def finish(engine: JobEngine, *jobs: Job, timeout: float = 10.0) -> None:
    """Wait for jobs to finish, failing the test (not hanging) if they do not."""
    done = engine.wait_job(list(jobs), timeout=timeout, force=True)
    assert done, f"jobs did not finish in {timeout} s: {jobs}"


def alive(pid: int) -> bool:
    """True if a process runs (a zombie does not count)."""
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False
