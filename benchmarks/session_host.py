"""The session host, side by side with the in-process app: start-up with a host running,
``jobtui -c 'Get-Job'`` with 1,000 jobs, and one table refresh through the socket.

Every host here is a real ``python -m jobtui host`` process in private runtime and state
directories, stopped at the end.

- Start-up: the same probe as benchmark 5 (a new process to its first complete frame), for
  the bare Textual floor, the app with its session in process (``--no-host``) and the app
  attached to a running host. A client of the benchmark's own stays attached meanwhile, so
  each probe's leaving only detaches and the host stays up for the next.
- ``jobtui -c 'Get-Job'``: a new process that connects, runs the line in the host's session of
  1,000 jobs, prints the table and exits; against ``jobtui --version`` (the interpreter and
  the command line alone).
- A table refresh: as benchmark 4a (the UI thread's CPU time from the pull to the repainted
  frame, one visible job received), with the app a client of a host of 1,000 jobs. The pull
  is a request, and the answer carries only the job that changed.

- Reattaching: the same start-up probe, attached to a host of 1,000 finished jobs, 10 of them
  of 1,000,000 lines, against the same probe attached to a host with no job (row 5b's).
- The last line of a 1,000,000-line job shown in the pane through the host, from the key that
  selects it (benchmark 4b's measure, with the app a client of the host), against 4b itself.
- The longest gap between frames while a flood is followed through the host (benchmark 4c's
  measure: ``seq 1 100000000`` written by a monitor, read back through the socket), against 4c.
- Idle CPU: the app, the host (and its guardian) and every job's monitor while 200 jobs of
  ``sleep`` run, against benchmark 3b (app and engine in one process).

Run as a probe: ``python -m benchmarks.session_host CASE RUNS`` (CASE: refresh, pane, flood,
idle) prints one JSON line.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

from benchmarks.common import Row, against, probe

JOBS = 1000
STARTUP = "5b. start-up with a session host running (s)"
STARTUP_TARGET = 1.3
GET_JOB = "13a. jobtui -c 'Get-Job', 1,000 jobs in the host (s)"
GET_JOB_TARGET = 0.3
REFRESH = "13b. one table refresh through the host's socket, 1,000 jobs (UI thread ms)"
REFRESH_TARGET_MS = 5.0
REATTACH = "13c. reattach: first complete frame, a host of 1,000 jobs (10 of 1M lines) (s)"
REATTACH_TARGET = 0.5
LONG_JOBS = 10
PANE = "13d. select a job: its last line shown in the pane through the host, 1M lines (s)"
PANE_TARGET = 0.1
FLOOD_GAP = "13e. longest gap between frames following a flood through the host (ms)"
FLOOD_GAP_TARGET_MS = 100.0
IDLE = "13f. CPU while 200 jobs of `sleep` run: app + host + monitors (% of a core, 10 s)"
IDLE_TARGET = 1.0
IDLE_JOBS = 200


def run(runs: int) -> list[Row]:
    """The three figures, each the median of ``runs`` (at least 5)."""
    runs = max(runs, 5)
    return [
        *_startup_rows(runs),
        *_get_job_rows(runs),
        *_refresh_rows(runs),
        *_reattach_rows(runs),
        *_pane_rows(runs),
        *_flood_rows(runs),
        *_idle_rows(runs),
    ]


@contextlib.contextmanager
def host_environment() -> Iterator[dict[str, str]]:
    """Private runtime and state directories (a socket's path must be short), and the host
    in them stopped at the end."""
    with tempfile.TemporaryDirectory(prefix="jbh-") as root:
        os.mkdir(os.path.join(root, "run"))
        env = {k: v for k, v in os.environ.items() if k != "JOBTUI_NO_HOST"}
        env.update(XDG_RUNTIME_DIR=os.path.join(root, "run"), XDG_STATE_HOME=root + "/state")
        try:
            yield env
        finally:
            subprocess.run(
                [sys.executable, "-m", "jobtui", "host", "stop"],
                env=env,
                capture_output=True,
                timeout=120,
            )


def _attach(env: dict[str, str]) -> Any:
    """A client of the host in ``env`` (started if need be), attached."""
    from jobtui.data.paths import HostPaths
    from jobtui.host.autostart import connect

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return connect(HostPaths.from_environ(env), kind="bench")
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _fill(service: Any, long_jobs: int = 0) -> None:
    """1,000 finished jobs in the host's session, ``long_jobs`` of them of 1,000,000 lines."""
    for _ in range(long_jobs):
        result = service.execute("Start-Job {seq 1000000} | Out-Null")
        assert result.succeeded, result.errors
    left = JOBS - long_jobs
    while left > 0:
        count, left = min(100, left), left - 100
        result = service.execute(
            f"1..{count} | ForEach-Object {{ Start-Job {{echo x}} }} | Out-Null"
        )
        assert result.succeeded, result.errors
    deadline = time.monotonic() + 120
    while any(not job.state.is_finished for job in service.changes(-1).changed):
        assert time.monotonic() < deadline, "the jobs did not finish"
        time.sleep(0.1)


def _startup_rows(runs: int) -> list[Row]:
    from benchmarks.startup import _first_frame

    times: dict[str, list[float]] = {"floor": [], "jobtui": [], "hosted": []}
    cache_dir = tempfile.TemporaryDirectory(prefix="jobtui-bench-pyc-")
    with cache_dir as cache, host_environment() as host_env:
        env = {**host_env, "PYTHONPYCACHEPREFIX": cache}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        keeper = _attach(env)  # keeps the session alive between the probes
        try:
            for round_ in range(runs + 2):
                for case in times:
                    elapsed = _first_frame(case, env)
                    if round_ >= 2:  # the first two warm the caches
                        times[case].append(elapsed)
        finally:
            keeper.shutdown()
    floor, in_process, hosted = (statistics.median(times[case]) for case in times)
    met, shortfall = against(hosted / floor, STARTUP_TARGET, "x the floor")
    return [
        Row(STARTUP, "floor: bare Textual app, one label", floor, "s"),
        Row(STARTUP, "jobtui, session in process (--no-host)", in_process, "s"),
        Row(STARTUP, "jobtui, attached to a running host", hosted, "s",
            target=f"<= {STARTUP_TARGET:g}x the floor", met=met, shortfall=shortfall),
    ]  # fmt: skip


def _get_job_rows(runs: int) -> list[Row]:
    def timed(args: list[str], env: dict[str, str]) -> float:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "jobtui", *args], env=env, capture_output=True, text=True
        )
        elapsed = time.perf_counter() - started
        assert done.returncode == 0, done.stderr
        return elapsed

    with host_environment() as env:
        keeper = _attach(env)
        try:
            _fill(keeper)
            for _ in range(2):
                timed(["-c", "Get-Job"], env)
            version = statistics.median(timed(["--version"], env) for _ in range(runs))
            get_job = statistics.median(timed(["-c", "Get-Job"], env) for _ in range(runs))
        finally:
            keeper.shutdown()
    met, shortfall = against(get_job, GET_JOB_TARGET, "s")
    return [
        Row(GET_JOB, "reference: jobtui --version (Python and the command line)", version, "s"),
        Row(GET_JOB, "jobtui -c 'Get-Job'", get_job, "s", target=f"< {GET_JOB_TARGET:g} s",
            met=met, shortfall=shortfall),
    ]  # fmt: skip


def _refresh_rows(runs: int) -> list[Row]:
    with host_environment() as env:
        result = _probe_in(env, runs)
    met, shortfall = against(result["ms"], REFRESH_TARGET_MS, "ms")
    in_process = probe("table_refresh", "jobtui", str(runs))["ms"]
    return [
        Row(REFRESH, "jobtui table, session in process (benchmark 4a)", in_process, "ms"),
        Row(REFRESH, "jobtui table, through the host's socket", result["ms"], "ms",
            target=f"< {REFRESH_TARGET_MS:g} ms", met=met, shortfall=shortfall),
    ]  # fmt: skip


def _reattach_rows(runs: int) -> list[Row]:
    from benchmarks.startup import _first_frame

    times: dict[str, list[float]] = {"floor": [], "empty": [], "full": []}
    with (
        tempfile.TemporaryDirectory(prefix="jobtui-bench-pyc-") as cache,
        host_environment() as empty_env,
        host_environment() as full_env,
    ):
        envs = {"empty": empty_env, "full": full_env}
        for env in envs.values():
            env["PYTHONPYCACHEPREFIX"] = cache
            env.pop("PYTHONDONTWRITEBYTECODE", None)
        keepers = [_attach(env) for env in envs.values()]
        try:
            _fill(keepers[1], LONG_JOBS)
            for round_ in range(runs + 2):
                for case in times:
                    env = envs.get(case, empty_env)
                    elapsed = _first_frame("floor" if case == "floor" else "hosted", env)
                    if round_ >= 2:
                        times[case].append(elapsed)
        finally:
            for keeper in keepers:
                keeper.shutdown()
    floor, empty, full = (statistics.median(times[case]) for case in times)
    met, shortfall = against(full, REATTACH_TARGET, "s")
    return [
        Row(REATTACH, "floor: bare Textual app, one label", floor, "s"),
        Row(REATTACH, "jobtui attached to a host with no job (5b)", empty, "s"),
        Row(REATTACH, "jobtui attached to a host of 1,000 jobs", full, "s",
            target=f"< {REATTACH_TARGET:g} s", met=met, shortfall=shortfall),
    ]  # fmt: skip


def _pane_rows(runs: int) -> list[Row]:
    in_process = probe("output_pane", "1000000", str(runs))["seconds"]
    with host_environment() as env:
        hosted = _probe_in(env, runs, "pane")["seconds"]
    met, shortfall = against(hosted, PANE_TARGET, "s")
    return [
        Row(PANE, "jobtui, session in process (benchmark 4b)", in_process, "s"),
        Row(PANE, "jobtui, through the host's socket", hosted, "s",
            target=f"< {PANE_TARGET:g} s", met=met, shortfall=shortfall),
    ]  # fmt: skip


def _flood_rows(runs: int) -> list[Row]:
    from benchmarks.frames import FLOOD

    runs = max(1, min(runs, 3))  # each run writes 889 MB
    in_process = probe("frames", "flood", str(runs))["ms"]
    with host_environment() as env:
        hosted = _probe_in(env, runs, "flood")["ms"]
    met, shortfall = against(hosted, FLOOD_GAP_TARGET_MS, "ms")
    return [
        Row(FLOOD_GAP, f"jobtui following `{FLOOD}`, in process (benchmark 4c)", in_process, "ms"),
        Row(FLOOD_GAP, f"jobtui following `{FLOOD}` through the host", hosted, "ms",
            target=f"<= {FLOOD_GAP_TARGET_MS:g} ms", met=met, shortfall=shortfall),
    ]  # fmt: skip


def _idle_rows(runs: int) -> list[Row]:
    windows = str(max(3, min(runs, 5)))
    in_process = probe("idle", str(IDLE_JOBS), windows)["cpu_percent"]
    with host_environment() as env:
        hosted = _probe_in(env, int(windows), "idle")["cpu_percent"]
    met, shortfall = against(hosted, IDLE_TARGET, "%")
    return [
        Row(IDLE, "jobtui app + engine + guardian, in process (benchmark 3b)", in_process, "%"),
        Row(IDLE, "jobtui app + host + monitors", hosted, "%",
            target=f"< {IDLE_TARGET:g} %", met=met, shortfall=shortfall),
    ]  # fmt: skip


def _probe_in(env: dict[str, str], runs: int, case: str = "refresh") -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.session_host", case, str(runs)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


async def _measure_refresh(runs: int) -> dict[str, Any]:
    from benchmarks.apphost import FrameRecorder, running_app, until

    service = _attach(dict(os.environ))
    _fill(service)
    ids = sorted(job.id for job in service.changes(-1).changed)
    cpu, wall = [], []
    try:
        async with running_app(None, service=service) as (app, pilot, screen):
            table = screen._jobs_table
            await until(pilot, lambda: table.row_count == JOBS)
            pacer = screen.pull._pacer  # the refreshes measured are the only pulls
            assert pacer._fast is not None and pacer._slow is not None
            pacer._fast.pause()
            pacer._slow.pause()
            recorder = FrameRecorder(app, keep_text=True)
            for job_id in ids[:runs]:  # the top rows: on screen
                await pilot.pause(0.3)
                seen = service.change_count
                service.execute(f"Receive-Job -Id {job_id} | Out-Null")
                await until(pilot, lambda seen=seen: service.change_count > seen)
                started, at = time.thread_time(), time.perf_counter()
                screen.refresh_table()
                frame = await recorder.next_frame()
                assert "False" in frame.text, "the frame does not show the change"
                cpu.append((frame.cpu - started) * 1000)
                wall.append((frame.at - at) * 1000)
    finally:
        service.shutdown()
    return {"ms": statistics.median(cpu), "wall_ms": statistics.median(wall), "samples": cpu}


async def _measure_pane(runs: int) -> dict[str, Any]:
    """Benchmark 4b's measure with the app a client of the host: select the job of 1,000,000
    lines (from the one above it); time until a frame shows its last line."""
    from benchmarks.apphost import FrameRecorder, running_app, until
    from benchmarks.output_pane import COMMAND

    count = 1_000_000
    service = _attach(dict(os.environ))
    times = []
    try:
        service.execute("Start-Job {echo first} | Out-Null")
        service.execute(f"Start-Job {{{COMMAND.format(count=count)}}} | Out-Null")
        _wait_finished(service)
        first, long = sorted(job.id for job in service.changes(-1).changed)
        async with running_app(None, service=service) as (app, pilot, screen):
            table = screen._jobs_table
            await until(pilot, lambda: table.row_count == 2)
            table.focus()
            recorder = FrameRecorder(app, keep_text=True)
            for _ in range(runs):
                table.move_cursor(row=0)
                await until(pilot, lambda: screen.shown_job_id == first)
                await pilot.pause(0.3)
                started = time.perf_counter()
                await pilot.press("down")
                frame = await recorder.frame_showing(f"{count} is the last line", since=started)
                assert screen.shown_job_id == long
                times.append(frame.at - started)
    finally:
        service.shutdown()
    return {"seconds": statistics.median(times), "samples": times}


async def _measure_flood(runs: int) -> dict[str, Any]:
    """Benchmark 4c's measure with the app a client of the host: the longest gap between two
    frames (a ticker asks for 30 a second) while the flood runs under its monitor and is
    followed in the pane, to 0.5 s after its end."""
    from benchmarks.apphost import FrameRecorder, running_app
    from benchmarks.frames import FLOOD, _ticker
    from jobtui.ui.widgets.key_bar import KeyBar

    service = _attach(dict(os.environ))
    gaps = []
    try:
        async with running_app(None, service=service) as (app, _pilot, screen):
            recorder = FrameRecorder(app)
            _ticker(app, screen.query_one(KeyBar))
            for _ in range(runs):
                await asyncio.sleep(0.5)
                started = time.perf_counter()
                result = await asyncio.to_thread(service.execute, f"Start-Job {{{FLOOD}}}")
                (job_id,) = result.job_ids
                while not await asyncio.to_thread(_finished, service, job_id):
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.5)
                gaps.append(recorder.longest_gap(started, time.perf_counter()) * 1000)
                child = (service.snapshot(job_id) or _missing(job_id)).child_jobs[0]
                source = service.transcript(child.id)
                assert source is not None and source.line_count == 100_000_000, job_id
                assert screen.shown_job_id == job_id, "the pane does not show the flood"
                await asyncio.to_thread(service.execute, f"Remove-Job -Id {job_id}")
                await asyncio.sleep(0.3)
    finally:
        service.shutdown()
    return {"ms": statistics.median(gaps), "samples": gaps}


async def _measure_idle(windows: int) -> dict[str, Any]:
    """CPU of this app, the host (with its children: the guardian) and every job's monitor,
    while 200 jobs of ``sleep`` run, as a percentage of one core over windows of 10 s."""
    import resource

    import psutil

    from benchmarks.apphost import running_app, until
    from benchmarks.idle import WINDOW
    from jobtui.data.paths import HostPaths
    from jobtui.engine.local.jobfiles import JobFiles

    paths = HostPaths.from_environ()
    service = _attach(dict(os.environ))
    try:
        async with running_app(None, service=service) as (_app, pilot, screen):
            service.execute(
                f"1..{IDLE_JOBS} | ForEach-Object {{ Start-Job {{sleep 600}} }} | Out-Null"
            )
            await until(pilot, lambda: screen._jobs_table.row_count == IDLE_JOBS)
            await until(pilot, lambda: _all_running(service))
            await pilot.pause(3.0)  # past the first samples and the first elapsed-time refresh
            host = psutil.Process(int(paths.lock.read_text().strip()))
            others = [host, *host.children(recursive=True)]
            for directory in (paths.state / "jobs").iterdir():
                info = JobFiles(directory).monitor_info()
                if info is not None:
                    others.append(psutil.Process(info.monitor_pid))
            unique = {process.pid: process for process in others}
            watched = [p for p in unique.values() if "sleep" not in p.name()]

            def cpu() -> tuple[float, float, float]:
                """Seconds used by the app, the host and its guardian, the monitors."""
                usage = resource.getrusage(resource.RUSAGE_SELF)
                parts = [usage.ru_utime + usage.ru_stime, 0.0, 0.0]
                for process in watched:
                    with contextlib.suppress(psutil.Error):
                        times = process.cpu_times()
                        part = 1 if process.pid == host.pid or process in hosts else 2
                        parts[part] += times.user + times.system
                return parts[0], parts[1], parts[2]

            hosts = [p for p in host.children() if "watchdog" in " ".join(p.cmdline())]
            percents, split = [], []
            for _ in range(windows):
                used, wall = cpu(), time.perf_counter()
                await asyncio.sleep(WINDOW)
                after, wall = cpu(), time.perf_counter() - wall
                shares = [100.0 * (b - a) / wall for a, b in zip(used, after, strict=True)]
                percents.append(sum(shares))
                split.append(shares)
            assert _all_running(service)
            monitors = len(watched) - 1
    finally:
        service.shutdown()
    app, host_share, monitor_share = (
        statistics.median(column) for column in zip(*split, strict=True)
    )
    return {"cpu_percent": statistics.median(percents), "samples": percents,
            "processes": monitors, "app": app, "host": host_share,
            "monitors": monitor_share}  # fmt: skip


def _all_running(service: Any) -> bool:
    jobs = service.changes(-1).changed
    return len(jobs) == IDLE_JOBS and all(job.state.name == "Running" for job in jobs)


def _finished(service: Any, job_id: int) -> bool:
    snapshot = service.snapshot(job_id)
    return snapshot is not None and snapshot.state.is_finished


def _missing(job_id: int) -> Any:
    raise AssertionError(f"job {job_id} is gone")


def _wait_finished(service: Any) -> None:
    deadline = time.monotonic() + 120
    while any(not job.state.is_finished for job in service.changes(-1).changed):
        assert time.monotonic() < deadline, "the jobs did not finish"
        time.sleep(0.1)


PROBES = {
    "refresh": _measure_refresh,
    "pane": _measure_pane,
    "flood": _measure_flood,
    "idle": _measure_idle,
}


if __name__ == "__main__":
    if sys.argv[1] in PROBES:
        print(json.dumps(asyncio.run(PROBES[sys.argv[1]](int(sys.argv[2])))))
    else:
        for row in run(int(sys.argv[1]) if len(sys.argv) > 1 else 5):
            print(row)
