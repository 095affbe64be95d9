"""Capture throughput: `seq 10000000` captured until Completed, against the raw pipe."""

from __future__ import annotations

import time

from benchmarks import peers
from benchmarks.common import Row, against, median_of, shell_seconds
from jobtui.engine import JobEngine

COMMAND = "seq 10000000"
NAME = "1. capture `seq 10000000` (s)"


def run(runs: int) -> list[Row]:
    """The engine against `| cat > /dev/null` (the limit) and bash writing to a file."""
    with JobEngine(guardian=False) as engine:
        engine_seconds = median_of(runs, lambda: _capture_once(engine))
    rows = [
        Row(NAME, "limit: seq | cat > /dev/null", median_of(
            runs, lambda: shell_seconds(f"{COMMAND} | cat > /dev/null")), "s"),
        Row(NAME, "bash: seq > file", median_of(
            runs, lambda: shell_seconds(f"{COMMAND} > /tmp/jobtui-bench.out")), "s"),
    ]  # fmt: skip
    if peers.have("tsp"):
        rows.append(Row(NAME, "tsp", median_of(runs, lambda: peers.tsp_capture(COMMAND)), "s"))
    met, shortfall = against(engine_seconds / rows[0].value, 1.5, "x the limit")
    rows.append(Row(NAME, "jobtui engine", engine_seconds, "s", target="<= 1.5x the limit",
                    met=met, shortfall=shortfall))  # fmt: skip
    return rows


def _capture_once(engine: JobEngine) -> float:
    started = time.perf_counter()
    job = engine.start_job(COMMAND)
    engine.wait_job([job])
    seconds = time.perf_counter() - started
    engine.remove_job(job)
    return seconds
