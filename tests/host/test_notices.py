"""What went wrong when the history was restored (a corrupt store moved aside, jobs lost while
no host ran, a record in a format this jobtui cannot read) is said to the first client that
asks, once: a line on stderr for ``jobtui -c`` and ``--plain``, a toast in the app."""

from __future__ import annotations

import json
import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobtui.engine.local import processes
from jobtui.engine.local.jobfiles import JobFiles
from jobtui.engine.local.jobmonitor import MONITOR
from jobtui.persistent import UNREADABLE, lost_notice
from jobtui.ui.app import JobApp
from tests.host.conftest import RealHost, gone, wait_for
from tests.hosting import Host

CORRUPT = b"this is not a database" * 100


def _kill_jobs(state: Path) -> list[Path]:
    """SIGKILL every monitor in ``state`` and its job's processes; their job directories."""
    dirs = list((state / "jobs").glob("*"))
    for directory in dirs:
        info = JobFiles(directory).monitor_info()
        if info is None:
            continue
        table = processes.process_table()
        for pid in table.job_pids(info.job_pid, info.pgid, info.tag) | {info.monitor_pid}:
            if not gone(pid):
                os.kill(pid, signal.SIGKILL)
        wait_for(lambda info=info: gone(info.monitor_pid) and gone(info.job_pid))
    return dirs


@pytest.fixture
def stopped_host(host_root: Path) -> Iterator[RealHost]:
    """A host not started yet (the test prepares its state first); stopped at the end."""
    made = RealHost(host_root, start=False)
    try:
        yield made
    finally:
        if hasattr(made, "process"):
            made.stop()
        _kill_jobs(made.paths.state)


def test_a_corrupt_history_is_said_once_by_the_first_c(stopped_host: RealHost) -> None:
    stopped_host.paths.state.mkdir(parents=True)
    (stopped_host.paths.state / "history.db").write_bytes(CORRUPT)
    stopped_host.start()

    first = stopped_host.run("-c", "Get-Job")
    assert first.returncode == 0, first.stderr
    (line,) = first.stderr.splitlines()
    assert line.startswith("jobtui: ") and "moved aside" in line

    second = stopped_host.run("-c", "Get-Job")
    assert second.returncode == 0 and second.stderr == ""  # once


def test_jobs_lost_while_no_host_ran_are_said_to_the_first_plain_client(
    stopped_host: RealHost,
) -> None:
    stopped_host.start()
    assert stopped_host.run("-c", "Start-Job -Name lost {sleep 1000}").returncode == 0
    assert stopped_host.run("-c", "Start-Job -Name kept {echo kept}").returncode == 0
    assert stopped_host.run("-c", "Wait-Job kept").returncode == 0
    stopped_host.process.kill()  # the host crashes, then the monitor dies too
    stopped_host.process.wait(10)
    _kill_jobs(stopped_host.paths.state)

    stopped_host.start()
    done = stopped_host.run("--plain", input="Get-Job lost\nDisconnect-PSSession\n")
    assert done.returncode == 0, done.stderr
    notices = [line for line in done.stderr.splitlines() if "lost since" in line]
    assert len(notices) == 1
    assert notices[0].startswith("jobtui: 1 job was lost since the session last ran")
    assert "lost: The job's monitor (pid" in notices[0]
    assert "Failed" in done.stdout
    again = stopped_host.run("-c", "Get-Job")
    assert "lost since" not in again.stderr


def test_a_record_in_a_format_this_jobtui_cannot_read_is_named(stopped_host: RealHost) -> None:
    stopped_host.start()
    assert stopped_host.run("-c", "Start-Job -Name newer {sleep 1000}").returncode == 0
    stopped_host.process.kill()
    stopped_host.process.wait(10)
    (directory,) = _kill_jobs(stopped_host.paths.state)
    record = json.loads((directory / MONITOR).read_text())
    (directory / MONITOR).write_text(json.dumps({**record, "format": 999}))

    stopped_host.start()
    done = stopped_host.run("-c", "Get-Job newer | Format-List Name,State")
    assert done.returncode == 0, done.stderr
    assert UNREADABLE.rstrip(".") in done.stderr and "newer" in done.stderr
    assert "Failed" in done.stdout


def test_the_lost_notice_names_a_few_and_counts_the_rest() -> None:
    lost = [(f"job{n}", "The machine was rebooted while the job ran.") for n in range(7)]
    text = lost_notice(lost)
    assert text.startswith("7 jobs were lost since the session last ran, and are Failed (")
    assert "job0: The machine was rebooted while the job ran;" in text
    assert "job4" in text and "job5" not in text and text.endswith("; and 2 more)")
    assert "\n" not in text


async def test_the_app_attached_first_shows_each_notice_once_as_a_toast(tmp_path: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="jh-") as root:  # a socket path must be short
        (Path(root) / "state").mkdir()
        (Path(root) / "state" / "history.db").write_bytes(CORRUPT)
        host = Host(Path(root))
        try:
            service = host.connect(kind="app")
            app = JobApp(service=service, history_path=tmp_path / "history")
            async with app.run_test(size=(120, 36), notifications=True) as pilot:
                for _ in range(40):
                    await pilot.pause(0.05)
                    if app._notifications:
                        break
                messages = [n.message for n in app._notifications]
                assert len([m for m in messages if "moved aside" in m]) == 1
            assert host.connect(kind="").take_notices() == []  # taken: no other client sees it
            service.disconnect()
        finally:
            host.stop()
