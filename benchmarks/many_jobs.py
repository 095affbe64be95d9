"""Many jobs: 1,000 jobs of `true` started and all finished, against the shell that runs them.

The limit is `bash -c true &` x1000: a runner of shell commands must start a shell per job, so
that is what any of them pays. `true &` x1000 is shown too, labelled: bash's builtin runs in a
fork of bash, with no exec, which no runner of commands can do.

Every subject is measured once per round, in turn, so that a shared machine's drift falls on
all of them alike; the figures are the medians over the rounds.

``python -m benchmarks.many_jobs [ROUNDS]`` prints the table; ``python -m benchmarks.many_jobs
engine|monitored|shell|builtin COUNT`` runs one subject once and prints its seconds (for
timing a subject as a whole process).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks import peers
from benchmarks.common import Row, against, shell_seconds
from jobtui.engine import JobEngine, JobState

if TYPE_CHECKING:
    from jobtui.service import LocalService

NAME = "3a. 1,000 jobs of `true`, started and all finished (s)"
COUNT = 1000
LIMIT = "bash -c true & x1000"
TARGET = f"within 1.1x {LIMIT}"
MONITORED_OPTIONS = {"grace": 0.5, "guardian": False, "shell": "/bin/sh"}


def shell_loop(count: int, command: str) -> float:
    """Seconds for bash to start ``command`` ``count`` times with ``&``, then ``wait``."""
    return shell_seconds(f"for i in $(seq {count}); do {command} & done; wait")


def run(runs: int) -> list[Row]:
    """The engine in process and through monitors, against the shell, tsp and parallel."""
    tmp = tempfile.TemporaryDirectory(prefix="jobtui-bench-many-")
    subjects: dict[str, Callable[[], float]] = {
        LIMIT: lambda: shell_loop(COUNT, "bash -c true"),
        "bash: true & x1000 (a builtin: no exec)": lambda: shell_loop(COUNT, "true"),
    }
    if peers.have("tsp"):
        subjects["tsp (8 slots)"] = lambda: peers.tsp_many(COUNT)
    if peers.have("parallel"):
        subjects["parallel -j 0"] = lambda: peers.parallel_many(COUNT)
    with JobEngine(guardian=False) as engine, _monitored_session(Path(tmp.name)) as service:
        subjects["jobtui engine, in process (--no-host)"] = lambda: thousand(engine)
        subjects["jobtui through monitors (a persistent session)"] = lambda: thousand(
            service.engine
        )
        figures: dict[str, list[float]] = {name: [] for name in subjects}
        for _ in range(runs):
            for name, measure in subjects.items():
                figures[name].append(measure())
    tmp.cleanup()
    medians = {name: statistics.median(values) for name, values in figures.items()}
    limit = medians[LIMIT]
    rows = []
    for name, value in medians.items():
        if name.startswith("jobtui"):
            met, shortfall = against(value, 1.1 * limit, "s")
            if shortfall:
                shortfall += f" ({value / limit:.2f}x {LIMIT})"
            rows.append(Row(NAME, name, value, "s", target=TARGET, met=met, shortfall=shortfall))
        else:
            rows.append(Row(NAME, name, value, "s"))
    return rows


@contextmanager
def _monitored_session(directory: Path) -> Iterator[LocalService]:
    """A persistent session in ``directory`` (its jobs run under monitors), shut down after."""
    from jobtui.service import LocalService

    service = LocalService.persistent(directory / "state", **MONITORED_OPTIONS)
    try:
        yield service
    finally:
        service.shutdown()


def thousand(engine: JobEngine, count: int = COUNT) -> float:
    """Seconds to start ``count`` jobs of `true` and see every one Completed; then remove them."""
    started = time.perf_counter()
    jobs = [engine.start_job("true") for _ in range(count)]
    engine.wait_job(jobs)
    seconds = time.perf_counter() - started
    assert all(job.state is JobState.Completed for job in jobs)
    for job in jobs:
        engine.remove_job(job)
    return seconds


def _one(subject: str, count: int) -> float:
    if subject == "engine":
        with JobEngine(guardian=False) as engine:
            return thousand(engine, count)
    if subject == "monitored":
        with tempfile.TemporaryDirectory() as tmp, _monitored_session(Path(tmp)) as service:
            time.sleep(0.1)  # the fork server starts with the session, ahead of the first job
            return thousand(service.engine, count)
    if subject in ("shell", "builtin"):
        return shell_loop(count, "bash -c true" if subject == "shell" else "true")
    raise SystemExit(f"unknown subject: {subject}")


if __name__ == "__main__":
    if len(sys.argv) == 3:
        print(f"{_one(sys.argv[1], int(sys.argv[2])):.3f}")
    else:
        for row in run(int(sys.argv[1]) if len(sys.argv) > 1 else 3):
            print(f"{row.subject:<50} {row.value:8.3f} {row.unit} {row.shortfall}")
