"""Jobs run under monitors (a persistent session): capture speed, memory, and idle CPU.

Run in the table by ``python -m benchmarks.run --only monitored``, or as a probe:
``python -m benchmarks.monitored capture|memory|idle [N]`` prints one JSON line.

- capture: ``seq 10000000`` started with Start-Job in a persistent session, until the job is
  Completed with every byte in its store (the monitor writes it to disk, the session follows it
  into the store), against ``seq 10000000 | cat > file``. The first job of a fresh process is
  timed apart: it starts the follower thread and pays the first monitor's cold start.
- memory: RSS and PSS of one monitor and its sentinel while the job sleeps.
- idle: CPU of the session's process plus every monitor and sentinel, while 200 jobs of
  ``sleep 120`` run, over windows of 10 s.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from benchmarks.common import Row, against, probe

CAPTURE = "3c. Capture through a monitor: seq 10000000 into a persistent session's job (s)"
COLD = "3c. The first monitored job of a fresh session: `true`, Start-Job to Completed (s)"
MEMORY = "3d. Memory of one job's monitor (its sentinel included, MiB)"
IDLE = "3e. CPU while 200 monitored jobs of `sleep 120` run, session + monitors (% of a core)"
SEQ_BYTES = 78888897
JOBS = 200
WINDOW = 10.0
OPTIONS = {"grace": 0.5, "guardian": False, "shell": "/bin/sh"}


def run(runs: int) -> list[Row]:
    """The rows, each from a fresh process."""
    capture = probe("monitored", "capture", str(max(3, min(runs, 5))))
    ratio = capture["warm"] / capture["cat"]
    met, shortfall = against(ratio, 1.5, "x")
    memory = probe("monitored", "memory")
    idle = probe("monitored", "idle", str(max(3, min(runs, 5))))
    idle_met, idle_short = against(idle["cpu_percent"], 1.0, "%")
    return [
        Row(CAPTURE, "seq 10000000 | cat > file", capture["cat"], "s"),
        Row(CAPTURE, "jobtui, through a monitor (warm)", capture["warm"], "s",
            target="< 1.5x cat", met=met, shortfall=shortfall),
        Row(CAPTURE, "jobtui, the first job of a fresh process", capture["cold"], "s"),
        Row(COLD, "jobtui (the follower thread and a monitor's cold start)", capture["first_true"],
            "s"),
        Row(MEMORY, "monitor RSS", memory["monitor_rss"], "MiB"),
        Row(MEMORY, "monitor + sentinel PSS (what each more job adds)", memory["pss"], "MiB"),
        Row(IDLE, "session + 200 monitors + sentinels", idle["cpu_percent"], "%",
            target="< 1 %", met=idle_met, shortfall=idle_short),
    ]  # fmt: skip


def _session(root: Path):  # type: ignore[no-untyped-def]
    from jobtui.service import LocalService

    return LocalService.persistent(root / "state", **OPTIONS)


def _capture(runs: int) -> dict[str, float]:
    from jobtui.engine import JobState

    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        service = _session(root)
        engine = service.engine
        try:
            start = time.perf_counter()
            job = engine.start_job("true")
            job.finished.wait(30)
            first_true = time.perf_counter() - start
            times = []
            for _ in range(runs + 1):
                start = time.perf_counter()
                job = engine.start_job("seq 10000000")
                assert job.finished.wait(120)
                times.append(time.perf_counter() - start)
                store = job.transcript
                assert job.state is JobState.Completed and store is not None
                assert store.size == SEQ_BYTES, store.size
                engine.remove_job(job)
            cats = []
            for _ in range(runs):
                start = time.perf_counter()
                subprocess.run(f"seq 10000000 | cat > {root / 'seq.txt'}", shell=True, check=True)
                cats.append(time.perf_counter() - start)
        finally:
            service.shutdown()
    return {
        "first_true": first_true,
        "cold": times[0],
        "warm": statistics.median(times[1:]),
        "cat": statistics.median(cats),
    }


def _monitor_processes(engine: object) -> list[psutil.Process]:
    found = []
    for job in engine.jobs:  # type: ignore[attr-defined]
        info = getattr(job.executing_job.runner, "info", None)
        if info is None:
            continue
        monitor = psutil.Process(info.monitor_pid)
        found.append(monitor)
        found.extend(c for c in monitor.children() if c.pid != info.job_pid)
    return found


def _memory() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as temporary:
        service = _session(Path(temporary))
        try:
            service.engine.start_job("sleep 60")
            time.sleep(0.5)
            monitor, sentinel = _monitor_processes(service.engine)
            rss = monitor.memory_full_info().rss / 2**20
            pss = sum(p.memory_full_info().pss for p in (monitor, sentinel)) / 2**20
        finally:
            service.shutdown()
    return {"monitor_rss": rss, "pss": pss}


def _idle(windows: int) -> dict[str, float]:
    from jobtui.engine import JobState

    with tempfile.TemporaryDirectory() as temporary:
        service = _session(Path(temporary))
        engine = service.engine
        try:
            jobs = [engine.start_job("sleep 120") for _ in range(JOBS)]
            assert all(job.state is JobState.Running for job in jobs)
            time.sleep(3.0)  # past the first looks and the history's writes
            watched = _monitor_processes(engine)
            assert len(watched) == 2 * JOBS

            def own() -> float:
                usage = resource.getrusage(resource.RUSAGE_SELF)
                return usage.ru_utime + usage.ru_stime

            def theirs() -> float:
                return sum(sum(p.cpu_times()[:2]) for p in watched)

            percents = []
            for _ in range(windows):
                # The sweep over 400 processes costs this process tens of milliseconds: the
                # window of its own time starts after the first sweep and ends before the last.
                monitors = theirs()
                host, wall = own(), time.perf_counter()
                time.sleep(WINDOW)
                host = own() - host
                monitors = theirs() - monitors
                percents.append(100 * (host + monitors) / (time.perf_counter() - wall))
        finally:
            service.shutdown()
    return {"cpu_percent": statistics.median(percents)}


if __name__ == "__main__":
    what = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    result = {"capture": lambda: _capture(count), "memory": _memory, "idle": lambda: _idle(count)}
    print(json.dumps(result[what]()))
