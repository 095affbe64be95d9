"""Load: 500 jobs running and 5,000 finished in the table; the bar still answers; nothing leaks.

The jobs are started from a thread, as a script driving the engine would, while the test types
into the command bar. Keys arrive as a terminal sends them (through the driver), and each one's
latency is the time until the screen shows its effect: Pilot's ``press`` waits until the whole
process is idle, which a busy engine thread never is, so it would measure the load, not the app.
Threads and file descriptors are counted after a warm-up run of the app, and must come back to
that count once the jobs are removed and the app is closed.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable

import psutil
import pytest
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot

from jobtui.engine import Job, JobEngine, JobState
from jobtui.ui.app import JobApp

from .conftest import AppRunner, main_screen, until

RUNNING = 500
FINISHED = 5000
#: Seconds one key may take to show while thousands of jobs start: generous, for 2 shared cores.
KEY_BOUND = 5.0
#: Seconds a typed line may take to show its result under the load.
UNDER_LOAD = 30.0
#: The engine's sampling thread (it lives while process jobs run, and a tick longer).
MONITOR = "jobtui-monitor"
#: Keys whose name is not their character.
_NAMED_KEYS = {"escape": "\x1b", "enter": "\r"}


def alive(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def open_fds() -> int:
    return len(os.listdir(f"/proc/{os.getpid()}/fd"))


def console_texts(app: JobApp) -> list[str]:
    return main_screen(app).console.texts()


def table_title(app: JobApp) -> str:
    """What the job table's border says: "Jobs 5501 · 500 active"."""
    return str(main_screen(app).query_one("#jobs").border_title)


def send_key(app: JobApp, key: str) -> None:
    """One key, sent to the app the way the terminal driver sends it."""
    if key in _NAMED_KEYS:
        event = events.Key(key, _NAMED_KEYS[key])
    else:
        event = events.Key(key if key.isalnum() else _character_to_key(key), key)
    event.set_sender(app)
    assert app._driver is not None
    app._driver.send_message(event)


async def type_line(pilot: Pilot[int], app: JobApp, line: str) -> float:
    """Esc, :, ``line`` and Enter, each key waited for until its effect shows.

    Returns the seconds the slowest key took.
    """
    bar = main_screen(app).command_line.bar
    steps: list[tuple[str, Callable[[], object]]] = [
        ("escape", lambda: app.focused is not bar),
        (":", lambda: app.focused is bar),
    ]

    def shows(typed: str) -> Callable[[], bool]:
        return lambda: bar.value == typed

    steps += [(line[end - 1], shows(line[:end])) for end in range(1, len(line) + 1)]
    slowest = 0.0
    for key, shown in steps:
        started = time.monotonic()
        send_key(app, key)
        await until(pilot, shown, timeout=KEY_BOUND)
        slowest = max(slowest, time.monotonic() - started)
    send_key(app, "enter")
    return slowest


def job_with(engine: JobEngine, command: str) -> Job | None:
    """The job that runs ``command``."""
    return next((job for job in engine.jobs if job.command == command), None)


async def settle(deadline: float, threads: int, fds: int) -> tuple[int, int]:
    """Thread and descriptor counts, once at or below the given ones (or at the deadline)."""
    while time.monotonic() < deadline:
        if threading.active_count() <= threads and open_fds() <= fds:
            break
        await asyncio.sleep(0.1)
    return threading.active_count(), open_fds()


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors in /proc")
async def test_the_bar_answers_under_500_running_and_5000_finished_jobs_and_nothing_leaks(
    run_app: AppRunner, engine: JobEngine
) -> None:
    def warm_done() -> bool:
        job = job_with(engine, "echo warm")
        return job is not None and job.state.is_finished

    # Warm-up: the engine's reactor and monitor, and one run of the app, exist before counting.
    async with run_app() as (app, pilot):
        await type_line(pilot, app, "echo warm &")
        await until(pilot, lambda: warm_done())
        engine.remove_job(engine.jobs[0])
    threads, fds = await settle(time.monotonic() + 5, 0, 0)
    idents = {t.ident for t in threading.enumerate()}

    running: list[Job] = []
    finished: list[Job] = []

    def load() -> None:
        running.extend(engine.start_job("sleep 60", name=f"run{i}") for i in range(RUNNING))
        finished.extend(engine.start_job("true", name=f"done{i}") for i in range(FINISHED))

    loader = threading.Thread(target=load, name="load")
    async with run_app() as (app, pilot):
        loader.start()
        await until(pilot, lambda: len(running) == RUNNING, timeout=60)

        # Typed while 500 jobs run and thousands more are being started: every key shows in
        # the bar in bounded time, the line runs, the new job's row shows in the console.
        assert loader.is_alive()
        started = time.monotonic()
        slowest = await type_line(pilot, app, "echo typed-under-load &")
        assert loader.is_alive(), "the load ended before the line was typed"
        assert slowest < KEY_BOUND
        await until(pilot, lambda: job_with(engine, "echo typed-under-load"), UNDER_LOAD)
        typed = job_with(engine, "echo typed-under-load")
        assert typed is not None
        row = f"{typed.id} {typed.name} BackgroundJob"
        await until(
            pilot,
            lambda: any(" ".join(t.split()).startswith(row) for t in console_texts(app)),
            timeout=UNDER_LOAD,
        )
        assert time.monotonic() - started < UNDER_LOAD

        # All of them in the table, and the bar still answers.
        loader.join(timeout=120)
        assert not loader.is_alive()
        await until(pilot, lambda: engine.wait_job(finished, timeout=0) == finished, timeout=60)
        total = RUNNING + FINISHED + 1
        await until(pilot, lambda: table_title(app) == f"Jobs {total} · {RUNNING} active")
        assert all(job.state is JobState.Running for job in running)
        await type_line(pilot, app, f"Receive-Job -Id {typed.id}")
        await until(pilot, lambda: "typed-under-load" in console_texts(app))

        # The bar stops and removes all 5,501 at once; the table empties.
        pids = {job.child_jobs[0].process.pid for job in running}
        await type_line(pilot, app, "Get-Job | Remove-Job -Force")
        await until(pilot, lambda: not engine.jobs, timeout=UNDER_LOAD)
        await until(pilot, lambda: table_title(app) == "Jobs 0", timeout=UNDER_LOAD)
        assert not [pid for pid in pids if pid is not None and alive(pid)]

    # The app closed: no thread, pipe or spill file of 5,501 jobs and the app's run is left.
    after = await settle(time.monotonic() + 10, threads, fds)
    new_threads = [t.name for t in threading.enumerate() if t.ident not in idents]
    # The engine's monitor thread ends at its next tick, which it puts off after costly ticks
    # (a tick over 500 jobs on a busy machine: 10-30 s): one thread, not one per job.
    lingering = new_threads.count(MONITOR)
    assert after <= (threads + lingering, fds), f"before: {(threads, fds)}, after: {after}"
    assert set(new_threads) <= {MONITOR}, new_threads
