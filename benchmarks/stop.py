"""Stop: from Stop-Job to Stopped for a job whose tree holds 100 processes, none left behind."""

from __future__ import annotations

import time

import psutil

from benchmarks.common import Row, median_of
from jobtui.engine import JobEngine, JobState

NAME = "6. stop a tree of 100 processes (s)"
TREE = "for i in $(seq 100); do sleep 300 & done; echo ready; wait"


def run(runs: int) -> list[Row]:
    """Time to Stopped, and how many of the tree's processes survived (must be 0)."""
    survivors: list[int] = []
    with JobEngine(guardian=False) as engine:
        seconds = median_of(runs, lambda: _stop_once(engine, survivors))
    return [
        Row(NAME, "jobtui engine", seconds, "s"),
        Row("6b. processes left after stop", "jobtui engine", float(max(survivors)), "count",
            target="0", met=max(survivors) == 0,
            shortfall=f"{max(survivors)} processes left" if max(survivors) else ""),
    ]  # fmt: skip


def _stop_once(engine: JobEngine, survivors: list[int]) -> float:
    job = engine.start_job(TREE)
    while job.transcript is None or job.transcript.line_count == 0:
        time.sleep(0.01)
    main = psutil.Process(job.child_jobs[0].process.pid or 0)
    tree = [main, *main.children(recursive=True)]
    assert len(tree) == 101, len(tree)
    started = time.perf_counter()
    engine.stop_job([job])
    seconds = time.perf_counter() - started
    assert job.state is JobState.Stopped
    survivors.append(sum(1 for p in tree if _alive(p)))
    engine.remove_job(job)
    return seconds


def _alive(proc: psutil.Process) -> bool:
    try:
        return bool(proc.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False
