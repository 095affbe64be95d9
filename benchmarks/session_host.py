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

Run as a probe: ``python -m benchmarks.session_host refresh RUNS`` prints one JSON line.
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


def run(runs: int) -> list[Row]:
    """The three figures, each the median of ``runs`` (at least 5)."""
    runs = max(runs, 5)
    return [*_startup_rows(runs), *_get_job_rows(runs), *_refresh_rows(runs)]


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


def _fill(service: Any) -> None:
    """1,000 finished jobs in the host's session."""
    for _ in range(JOBS // 100):
        result = service.execute("1..100 | ForEach-Object { Start-Job {echo x} } | Out-Null")
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


def _probe_in(env: dict[str, str], runs: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.session_host", "refresh", str(runs)],
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


if __name__ == "__main__":
    if sys.argv[1] == "refresh":
        print(json.dumps(asyncio.run(_measure_refresh(int(sys.argv[2])))))
    else:
        for row in run(int(sys.argv[1]) if len(sys.argv) > 1 else 5):
            print(row)
