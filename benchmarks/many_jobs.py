"""Many jobs: 1,000 jobs of `true` started and all Completed."""

from __future__ import annotations

import time

from benchmarks import peers
from benchmarks.common import Row, against, median_of, shell_seconds
from jobtui.engine import JobEngine, JobState

NAME = "3a. 1,000 jobs of `true`, started and all finished (s)"
COUNT = 1000


def run(runs: int) -> list[Row]:
    """The engine against bash's `&` and `wait` (no capture at all: the floor)."""
    with JobEngine(guardian=False) as engine:
        engine_seconds = median_of(runs, lambda: _thousand(engine))
    rows = [
        Row(NAME, "bash: true & ... wait", median_of(runs, lambda: shell_seconds(
            f"for i in $(seq {COUNT}); do true & done; wait")), "s"),
    ]  # fmt: skip
    if peers.have("tsp"):
        rows.append(Row(NAME, "tsp (8 slots)", median_of(runs, lambda: peers.tsp_many(COUNT)), "s"))
    if peers.have("parallel"):
        rows.append(Row(NAME, "parallel -j 0", median_of(
            runs, lambda: peers.parallel_many(COUNT)), "s"))  # fmt: skip
    peers_best = min((r.value for r in rows[1:]), default=float("inf"))
    met, shortfall = against(engine_seconds, peers_best, "s")
    if shortfall:
        shortfall += " (the faster of tsp and parallel)"
    rows.append(Row(NAME, "jobtui engine", engine_seconds, "s", target="ahead of tsp and parallel",
                    met=met, shortfall=shortfall))  # fmt: skip
    return rows


def _thousand(engine: JobEngine) -> float:
    started = time.perf_counter()
    jobs = [engine.start_job("true") for _ in range(COUNT)]
    engine.wait_job(jobs)
    seconds = time.perf_counter() - started
    assert all(job.state is JobState.Completed for job in jobs)
    for job in jobs:
        engine.remove_job(job)
    return seconds
