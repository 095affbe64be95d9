"""Jobs run under monitors (a persistent session): capture speed, memory, and idle CPU.

Run in the table by ``python -m benchmarks.run --only monitored``, or as a probe:
``python -m benchmarks.monitored capture|memory|gib|idle [N]`` prints one JSON line.

- capture: ``seq 10000000`` started with Start-Job in a persistent session, until the job is
  Completed with every byte in its store (the monitor writes it to disk, the session follows it
  into the store), against ``seq 10000000 | cat > file`` (the limit) and task-spooler, in turn
  round after round. The first job of a fresh process is timed apart: it starts the follower
  thread and pays the first monitor's cold start.
- memory: RSS and PSS of one monitor while the job sleeps, and of the session's fork server and
  keeper (every forked monitor's sentinel).
- gib: a job writing 1 GiB in a persistent session: the peak memory of the session's process,
  its fork server and keeper and the job's monitor together (sampled PSS; RSS too, and the
  session's own peak).
- idle: CPU of the session's process plus every monitor, the fork server and keeper, while
  200 jobs of ``sleep 120`` run, over windows of 10 s.
"""

from __future__ import annotations

import contextlib
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
from benchmarks.memory import peak_rss_kib

CAPTURE = "3c. Capture through a monitor: seq 10000000 into a persistent session's job (s)"
COLD = "3c. The first monitored job of a fresh session: `true`, Start-Job to Completed (s)"
MEMORY = "3d. Memory of one job's monitor, and of the session's fork server and keeper (MiB)"
GIB = "3f. 1 GiB of output through a persistent session's job: resident memory (MiB)"
IDLE = "3e. CPU while 200 monitored jobs of `sleep 120` run, session + monitors (% of a core)"
SEQ_BYTES = 78888897
JOBS = 200
WINDOW = 10.0
OPTIONS = {"grace": 0.5, "guardian": False, "shell": "/bin/sh"}


def run(runs: int) -> list[Row]:
    """The rows, each from a fresh process."""
    capture = probe("monitored", "capture", str(max(3, min(runs, 5))))
    met, shortfall = against(capture["ratio_cat"], 1.1, "x")
    if "tsp" in capture and capture["ratio_tsp"] > 1.0:
        met = False
        shortfall = "; ".join(
            filter(None, [shortfall, f"{capture['ratio_tsp']:.2f}x tsp, against 1x"])
        )
    memory = probe("monitored", "memory")
    gib = probe("monitored", "gib")
    gib_met, gib_short = against(gib["pss_mib"], 50, "MiB")
    idle = probe("monitored", "idle", str(max(3, min(runs, 5))))
    idle_met, idle_short = against(idle["cpu_percent"], 1.0, "%")
    rows = [
        Row(CAPTURE, "limit: seq 10000000 | cat > file", capture["cat"], "s"),
    ]
    if "tsp" in capture:
        rows.append(Row(CAPTURE, "tsp", capture["tsp"], "s"))
    rows += [
        Row(CAPTURE, "jobtui, through a monitor (warm)", capture["warm"], "s",
            target="<= 1.1x cat and <= tsp", met=met, shortfall=shortfall),
        Row(CAPTURE, "jobtui, the first job of a fresh process", capture["cold"], "s"),
        Row(COLD, "jobtui (the follower thread and a monitor's cold start)", capture["first_true"],
            "s"),
        Row(MEMORY, "monitor RSS", memory["monitor_rss"], "MiB"),
        Row(MEMORY, "monitor PSS (what each more job adds; its sentinel is the session's keeper)",
            memory["pss"], "MiB"),
        Row(MEMORY, "the session's fork server and keeper, PSS (one each for all jobs)",
            memory["session_pss"], "MiB"),
        Row(GIB, "session + fork server + keeper + monitor, peak PSS together", gib["pss_mib"],
            "MiB",
            target="< 50 MiB", met=gib_met, shortfall=gib_short),
        Row(GIB, "the same, RSS summed (shared pages counted twice)", gib["rss_mib"], "MiB"),
        Row(GIB, "the session's process alone, peak RSS", gib["session_mib"], "MiB"),
        Row(IDLE, "session + 200 monitors + fork server and keeper", idle["cpu_percent"], "%",
            target="< 1 %", met=idle_met, shortfall=idle_short),
    ]  # fmt: skip
    return rows


def _session(root: Path):  # type: ignore[no-untyped-def]
    from jobtui.service import LocalService

    return LocalService.persistent(root / "state", **OPTIONS)


def _capture(runs: int) -> dict[str, float]:
    """jobtui, ``| cat > file`` and tsp in turn, round after round (a machine that drifts
    drifts for all three); the ratios are medians of the rounds' own ratios."""
    from benchmarks import peers
    from jobtui.engine import JobState

    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        service = _session(root)
        engine = service.engine
        have_tsp = peers.have("tsp")
        try:
            start = time.perf_counter()
            job = engine.start_job("true")
            job.finished.wait(30)
            first_true = time.perf_counter() - start
            times, cats, tsps = [], [], []
            for _ in range(runs + 1):
                start = time.perf_counter()
                job = engine.start_job("seq 10000000")
                assert job.finished.wait(120)
                times.append(time.perf_counter() - start)
                store = job.transcript
                assert job.state is JobState.Completed and store is not None
                assert store.size == SEQ_BYTES, store.size
                assert store.line_count == 10_000_000
                _remove(engine, job)
                # A new file, as the job's transcript and tsp's output are: writing over the
                # last round's 78 MB would make cat pay for freeing its pages (about 40 ms).
                target = root / "seq.txt"
                start = time.perf_counter()
                subprocess.run(f"seq 10000000 | cat > {target}", shell=True, check=True)
                cats.append(time.perf_counter() - start)
                target.unlink()
                if have_tsp:
                    tsps.append(peers.tsp_capture("seq 10000000"))
        finally:
            service.shutdown()
    warm = times[1:]  # the first is the cold one, timed apart
    result = {
        "first_true": first_true,
        "cold": times[0],
        "warm": statistics.median(warm),
        "cat": statistics.median(cats[1:]),
        "ratio_cat": statistics.median(t / c for t, c in zip(warm, cats[1:], strict=True)),
    }
    if have_tsp:
        result["tsp"] = statistics.median(tsps[1:])
        result["ratio_tsp"] = statistics.median(t / p for t, p in zip(warm, tsps[1:], strict=True))
    return result


def _remove(engine: object, job: object) -> None:
    """Remove the job and wait until its directory is gone: the history's writer deletes it
    in the background, which must not overlap the next round."""
    directory = engine.job_dir(job.executing_job)  # type: ignore[attr-defined]
    engine.remove_job(job)  # type: ignore[attr-defined]
    deadline = time.monotonic() + 30
    while directory is not None and directory.exists() and time.monotonic() < deadline:
        time.sleep(0.01)


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


def _session_processes(monitors: list[psutil.Process]) -> list[psutil.Process]:
    """The fork server the monitors were forked from, and its keeper (every forked monitor's
    sentinel): one each per session, whatever its number of jobs."""
    server = monitors[0].parent()
    if server is None or "--serve" not in server.cmdline():
        return []
    mine = {p.pid for p in monitors}
    return [server, *(c for c in server.children() if c.pid not in mine)]


def _memory() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as temporary:
        service = _session(Path(temporary))
        try:
            service.engine.start_job("sleep 60")
            time.sleep(0.5)
            own = _monitor_processes(service.engine)  # the monitor (and a sentinel of its own)
            rss = own[0].memory_full_info().rss / 2**20
            pss = sum(p.memory_full_info().pss for p in own) / 2**20
            shared = sum(p.memory_full_info().pss for p in _session_processes(own)) / 2**20
        finally:
            service.shutdown()
    return {"monitor_rss": rss, "pss": pss, "session_pss": shared}


def _gib() -> dict[str, float]:
    """Memory of the session's process, its fork server and keeper and the job's monitor while
    the job writes 1 GiB of 80-character lines, sampled every 20 ms: the peak of their PSS
    summed (each shared page counted once: all but the session are forks of the server), of
    their RSS summed (shared pages counted twice), and the session's own peak RSS from the
    kernel."""
    from benchmarks.memory import CASES
    from jobtui.engine import JobState

    with tempfile.TemporaryDirectory() as temporary:
        service = _session(Path(temporary))
        engine = service.engine
        me = psutil.Process()
        try:
            job = engine.start_job(CASES["one-gib"][0])
            own = _monitor_processes(engine)
            watched = [me, *own, *_session_processes(own)]
            pss = rss = 0.0
            while not job.finished.is_set():
                now_pss = now_rss = 0
                for process in watched:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        figures = process.memory_full_info()
                        now_pss += figures.pss
                        now_rss += figures.rss
                pss, rss = max(pss, now_pss), max(rss, now_rss)
                job.finished.wait(0.02)
            store = job.transcript
            assert job.state is JobState.Completed and store is not None
            assert store.size == 1 << 30, store.size
            session = peak_rss_kib() * 1024
        finally:
            service.shutdown()
    return {"pss_mib": pss / 2**20, "rss_mib": rss / 2**20, "session_mib": session / 2**20}


def _idle(windows: int) -> dict[str, float]:
    from jobtui.engine import JobState

    with tempfile.TemporaryDirectory() as temporary:
        service = _session(Path(temporary))
        engine = service.engine
        try:
            jobs = [engine.start_job("sleep 120") for _ in range(JOBS)]
            assert all(job.state is JobState.Running for job in jobs)
            time.sleep(3.0)  # past the first looks and the history's writes
            monitors = _monitor_processes(engine)
            assert len(monitors) == JOBS  # their sentinel is the session's keeper
            watched = [*monitors, *_session_processes(monitors)]

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
    result = {
        "capture": lambda: _capture(count),
        "memory": _memory,
        "gib": _gib,
        "idle": lambda: _idle(count),
    }
    print(json.dumps(result[what]()))
