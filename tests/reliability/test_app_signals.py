"""jobtui itself gets SIGTERM, SIGHUP or SIGKILL while its jobs run: no job process is left.

The real ``python -m jobtui`` runs in a tmux pane; jobs (a process tree and a ``setsid``
daemon) are started from its command bar, then the jobtui process is signalled. SIGTERM and
SIGHUP end the app cleanly: the terminal is restored (tmux reports the pane's modes) and the
engine stops the jobs. SIGKILL cannot be caught: the guardian process ends the jobs.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from jobtui.engine.local.processes import SESSION_TAG, tagged_pids
from tests.tmux import Pane, jobtui_command, running

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed: no terminal"),
]

#: The signal tests' own tmux server.
SERVER = "jobtui-reliability"
STATUS = "jobtui-exit-status="


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[Pane]:
    """``python -m jobtui`` in a tmux pane; its exit status is printed when it ends."""
    command = jobtui_command(tmp_path / "state") + f"; echo {STATUS}$?; sleep 60"
    with running(SERVER, "jobtui-signals", command) as pane:
        yield pane


def jobtui_process(pane: Pane) -> psutil.Process:
    """The ``python -m jobtui`` under the pane's shell."""
    shell = psutil.Process(int(pane.flag("pane_pid")))
    for process in [shell, *shell.children(recursive=True)]:
        if process.cmdline()[1:3] == ["-m", "jobtui"]:
            return process
    raise AssertionError("no jobtui process in the pane")


def alive(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def wait_gone(pids: set[int], timeout: float) -> list[int]:
    """The pids still alive after up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    return sorted(p for p in pids if alive(p))


#: How jobtui is ended: a signal to its process, or its terminal closed (the kernel hangs up).
ENDINGS = ["SIGTERM", "SIGHUP", "SIGKILL", "closed-terminal"]


@pytest.mark.parametrize("ending", ENDINGS)
def test_no_job_outlives_a_signalled_jobtui(pane: Pane, tmp_path: Path, ending: str) -> None:
    pane.wait_for("Jobs 0")
    daemon_file = tmp_path / "daemon.pid"
    pane.type_line("Start-Job -Name tree {sleep 300 & sleep 300 & wait}")
    pane.wait_for("Jobs 1")
    pane.type_line(
        "Start-Job -Name daemon {setsid sh -c 'sleep 300 >/dev/null 2>&1 </dev/null &"
        f" echo $! > {daemon_file}'; sleep 300}}"
    )
    pane.wait_for("Jobs 2")
    deadline = time.monotonic() + 20
    while not daemon_file.read_text().strip() if daemon_file.exists() else True:
        assert time.monotonic() < deadline, "the daemon never started"
        time.sleep(0.05)
    daemon = int(daemon_file.read_text())

    app = jobtui_process(pane)
    children = app.children(recursive=True)
    guardian = next(p for p in children if "jobtui.engine.local.watchdog" in " ".join(p.cmdline()))
    job_process = next(p for p in children if SESSION_TAG in p.environ())
    session = job_process.environ()[SESSION_TAG]
    pids = tagged_pids(SESSION_TAG, session)
    # Two shells, three sleeps, and the daemon, which left both the tree and the group.
    assert len(pids) >= 6 and daemon in pids
    assert daemon not in {p.pid for p in children}

    if ending == "closed-terminal":
        pane.tmux("kill-session", "-t", pane.name)
    else:
        os.kill(app.pid, signal.Signals[ending])

    assert wait_gone(pids, timeout=20) == []
    assert wait_gone({app.pid, guardian.pid}, timeout=10) == []
    if ending in ("SIGKILL", "closed-terminal"):
        return  # nothing to restore, or no terminal left to restore
    screen = pane.wait_for(STATUS)
    status = re.search(rf"{STATUS}(\d+)", screen)
    assert status is not None and int(status.group(1)) == 128 + signal.Signals[ending]
    # The app left the terminal as it found it.
    assert pane.flag("alternate_on") == "0"
    assert pane.flag("mouse_any_flag") == "0"
    assert pane.flag("cursor_flag") == "1"
