"""Capture throughput: `seq 10000000` captured until Completed, against the raw pipe."""

from __future__ import annotations

import tempfile
import time

from benchmarks import peers
from benchmarks.common import Row, against, median_of, shell_seconds
from jobtui.engine import JobEngine

COMMAND = "seq 10000000"
NAME = "1. capture `seq 10000000` (s)"


def run(runs: int) -> list[Row]:
    """The engine against `| cat > /dev/null` (the limit), bash writing to a file and
    `| cat > file`."""
    with JobEngine(guardian=False) as engine:
        engine_seconds = median_of(runs, lambda: _capture_once(engine))
    rows = [
        Row(NAME, "limit: seq | cat > /dev/null", median_of(
            runs, lambda: shell_seconds(f"{COMMAND} | cat > /dev/null")), "s"),
        Row(NAME, "bash: seq > file", median_of(
            runs, lambda: shell_seconds(f"{COMMAND} > /tmp/jobtui-bench.out")), "s"),
        Row(NAME, "seq | cat > file (a new file each run)", median_of(
            runs, lambda: _to_new_file(f"{COMMAND} | cat")), "s"),
    ]  # fmt: skip
    if peers.have("tsp"):
        rows.append(Row(NAME, "tsp", median_of(runs, lambda: peers.tsp_capture(COMMAND)), "s"))
    met, shortfall = against(engine_seconds / rows[0].value, 1.5, "x the limit")
    rows.append(Row(NAME, "jobtui engine", engine_seconds, "s", target="<= 1.5x the limit",
                    met=met, shortfall=shortfall))  # fmt: skip
    return rows


def _to_new_file(command: str) -> float:
    """Seconds for ``command > file`` into a file that does not exist yet (writing over the
    last run's file would add the cost of freeing its pages, about 40 ms for 78 MB)."""
    with tempfile.TemporaryDirectory() as directory:
        return shell_seconds(f"{command} > {directory}/out")


def _capture_once(engine: JobEngine) -> float:
    started = time.perf_counter()
    job = engine.start_job(COMMAND)
    engine.wait_job([job])
    seconds = time.perf_counter() - started
    engine.remove_job(job)
    return seconds
