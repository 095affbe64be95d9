"""Nothing leaks and nothing is orphaned: threads, descriptors and processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import psutil
import pytest

from jobtui.engine import JobEngine, JobState

from .conftest import alive, finish


def open_fds() -> int:
    return len(os.listdir(f"/proc/{os.getpid()}/fd")) if os.path.isdir("/proc") else 0


@pytest.mark.slow
def test_a_thousand_jobs_started_and_removed_leak_no_thread_or_descriptor() -> None:
    with JobEngine(guardian=False, monitor_interval=0.2) as engine:
        warm = engine.start_job("true")  # the reactor and monitor exist from here on
        finish(engine, warm)
        engine.remove_job(warm)
        time.sleep(0.5)  # let the monitor notice there is nothing to watch
        threads, fds = threading.active_count(), open_fds()
        for batch in range(10):
            jobs = [engine.start_job(f"echo {batch}-{i}") for i in range(100)]
            assert engine.wait_job(jobs, timeout=30) == jobs
            assert all(j.state is JobState.Completed for j in jobs)
            for job in jobs:
                engine.remove_job(job)
        assert engine.jobs == []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and threading.active_count() > threads:
            time.sleep(0.1)
        assert threading.active_count() <= threads
        assert open_fds() <= fds


def test_shutdown_stops_every_running_job() -> None:
    engine = JobEngine(guardian=False, grace=0.5)
    jobs = [engine.start_job("sleep 100 & sleep 100; wait") for _ in range(3)]
    time.sleep(0.2)
    pids = [p.pid for j in jobs for p in _tree(j.child_jobs[0].process.pid)]
    assert len(pids) >= 6
    engine.shutdown()
    assert all(j.state is JobState.Stopped for j in jobs)
    assert not any(alive(pid) for pid in pids)


_HOST = textwrap.dedent(
    """
    import json, sys, time
    from jobtui.engine import JobEngine
    engine = JobEngine(guardian=True)
    tree = engine.start_job("sleep 300 & sleep 300; wait")
    daemon = engine.start_job(
        "setsid sh -c 'sleep 300 >/dev/null 2>&1 </dev/null & echo $!'; sleep 300")
    deadline = time.monotonic() + 10
    while daemon.transcript.line_count == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    print(json.dumps({"daemon": int(daemon.transcript.lines(0, 1)[0][1]),
                      "mains": [tree.child_jobs[0].process.pid,
                                daemon.child_jobs[0].process.pid]}), flush=True)
    time.sleep(300)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP])
def test_no_job_outlives_a_killed_jobtui(sig: signal.Signals) -> None:
    host = subprocess.Popen(
        [sys.executable, "-c", _HOST], stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
    )
    try:
        assert host.stdout is not None
        info = json.loads(host.stdout.readline())
        pids = {info["daemon"]}
        for main in info["mains"]:
            pids |= {p.pid for p in _tree(main)}
        assert len(pids) >= 5 and all(alive(p) for p in pids)
        host.send_signal(sig)
        host.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(p) for p in pids):
            time.sleep(0.1)
        assert not [p for p in pids if alive(p)]
    finally:
        if host.poll() is None:
            host.kill()
            host.wait()


def _tree(pid: int | None) -> list[psutil.Process]:
    if pid is None:
        return []
    try:
        main = psutil.Process(pid)
        return [main, *main.children(recursive=True)]
    except psutil.Error:
        return []


_INHERITED = textwrap.dedent(
    """
    import json, os, sys
    from jobtui.engine import JobEngine
    given = os.open(os.devnull, os.O_RDONLY)
    os.set_inheritable(given, True)  # as a shell's `3<file` gives it to the process
    with JobEngine(guardian=False) as engine:
        job = engine.start_job("ls /proc/$$/fd; grep SigIgn /proc/$$/status")
        engine.wait_job([job])
        print(json.dumps([text for _, text in job.transcript.lines(0, 100)]))
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")
def test_a_job_inherits_no_descriptor_and_no_ignored_signal_of_the_engines_process() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _INHERITED],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
        cwd=os.getcwd(),
    )
    lines = json.loads(done.stdout)
    assert lines[:3] == ["0", "1", "2"] and len(lines) == 4, lines
    # None of signals 1 to 31 (glibc's posix_spawn leaves its own two, 32 and 33, ignored).
    assert int(lines[3].split()[1], 16) & 0x7FFFFFFF == 0, lines[3]
