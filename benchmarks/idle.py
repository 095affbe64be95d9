"""Idle CPU: the whole of jobtui (the app and its engine, the guardian process included) while
200 jobs of `sleep 60` run, against the same app with no job.

Run as a probe: ``python -m benchmarks.idle JOBS WINDOWS`` prints one JSON line: the median,
over WINDOWS back-to-back windows of 10 s, of jobtui's CPU time as a percentage of one core.
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import sys
import time

import psutil

from benchmarks.common import Row, against, probe

NAME = "3b. CPU while 200 jobs of `sleep 60` run, app included (% of a core, 10 s)"
JOBS = 200
WINDOW = 10.0
TARGET = 1.0


def run(runs: int) -> list[Row]:
    """The app with no job (the floor), then with 200 sleeping jobs; windows in one process each.

    The windows of one run follow each other in one process: 200 jobs of `sleep 60` outlive
    five windows of 10 s, and starting them again for every window would measure the start.
    """
    windows = str(max(3, min(runs, 5)))
    floor = probe("idle", "0", windows)["cpu_percent"]
    busy = probe("idle", str(JOBS), windows)["cpu_percent"]
    met, shortfall = against(busy, TARGET, "%")
    return [
        Row(NAME, "floor: jobtui app, no job", floor, "%"),
        Row(NAME, "jobtui app + engine + guardian, 200 jobs", busy, "%",
            target=f"< {TARGET:g} %", met=met, shortfall=shortfall),
    ]  # fmt: skip


def _cpu_seconds(guardian: psutil.Process | None) -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    seconds = usage.ru_utime + usage.ru_stime
    if guardian is not None:
        times = guardian.cpu_times()
        seconds += times.user + times.system
    return seconds


def _guardian() -> psutil.Process | None:
    for child in psutil.Process().children():
        try:
            if "jobtui.engine.local.watchdog" in " ".join(child.cmdline()):
                return child
        except psutil.Error:
            continue
    return None


async def _measure(jobs: int, windows: int) -> dict[str, float]:
    from benchmarks.apphost import running_app, until
    from jobtui.engine import JobEngine, JobState

    with JobEngine() as engine:
        async with running_app(engine) as (_app, pilot, screen):
            started = [engine.start_job("sleep 60") for _ in range(jobs)]
            await until(pilot, lambda: all(j.state is JobState.Running for j in started))
            await until(pilot, lambda: screen._jobs_table.row_count == jobs)
            # Past the first samples of the process monitor and the first elapsed-time refresh.
            await pilot.pause(3.0)
            guardian = _guardian()
            if jobs:
                assert guardian is not None, "no guardian process"
            percents = []
            for _ in range(windows):
                cpu, wall = _cpu_seconds(guardian), time.perf_counter()
                await asyncio.sleep(WINDOW)
                cpu, wall = _cpu_seconds(guardian) - cpu, time.perf_counter() - wall
                percents.append(100.0 * cpu / wall)
            assert all(j.state is JobState.Running for j in started)
            engine.stop_job(started, wait=True)
    return {"cpu_percent": statistics.median(percents), "windows": windows}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_measure(int(sys.argv[1]), int(sys.argv[2])))))
