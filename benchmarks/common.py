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
    #: Whether the target is met (None: this row has no target).
    met: bool | None = None
    #: When the target is missed: by how much, in words.
    shortfall: str = ""
    #: When the target is missed: why, as far as the profile says.
    why: str = ""


def against(value: float, limit: float, unit: str) -> tuple[bool, str]:
    """Whether ``value`` is at most ``limit``, and if not, by how much (for Row.met/shortfall)."""
    if value <= limit:
        return True, ""
    gap = "" if unit.startswith("x") else " "  # 1.46x the floor, 120 ms
    return False, (
        f"{value:.3g}{gap}{unit} against {limit:.3g}{gap}{unit}, {value / limit:.2f}x the target"
    )


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
