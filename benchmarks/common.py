"""What every benchmark shares: a result row, medians, and probes run in a fresh process."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One measured figure: a subject (jobtui or a peer) in one benchmark."""

    benchmark: str
    subject: str
    value: float
    unit: str
    target: str = ""
    lower_is_better: bool = True


def median_of(runs: int, measure: Callable[[], float]) -> float:
    """The median of ``runs`` measurements (the machine is shared and noisy)."""
    return statistics.median(measure() for _ in range(runs))


def timed(fn: Callable[[], object]) -> float:
    """Seconds ``fn`` takes."""
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def shell_seconds(command: str) -> float:
    """Seconds a shell command takes, start to exit."""
    return timed(lambda: subprocess.run(command, shell=True, check=True))


def probe(module: str, *args: str) -> dict[str, float]:
    """Run ``python -m benchmarks.<module> args`` in a fresh process and read its JSON line.

    Memory figures need a process of their own: peak RSS never goes down.
    """
    out = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result
