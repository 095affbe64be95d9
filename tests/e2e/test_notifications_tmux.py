"""Notifications a terminal must carry: the bell while the app is not focused, and a desktop
notification as OSC 777. What jobtui writes is recorded raw (tmux pipe-pane), before tmux reads
it."""

from __future__ import annotations

import re
import shlex
import sys
import time
from pathlib import Path

from tests.tmux import Pane, jobtui_command, running

SERVER = "jobtui-notify"
#: OSC sequences (Textual's own, and ours), so that a BEL that ends one is not counted as a bell.
_OSC = re.compile(rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def bells(raw: bytes) -> int:
    """BEL characters written on their own: rings of the bell."""
    return _OSC.sub(b"", raw).count(b"\x07")


def wait_for_bytes(path: Path, predicate: object, timeout: float = 20.0) -> bytes:
    deadline = time.monotonic() + timeout
    data = b""
    while time.monotonic() < deadline:
        data = path.read_bytes() if path.exists() else b""
        if predicate(data):  # type: ignore[operator]
            return data
        time.sleep(0.1)
    raise AssertionError(f"never written; the last 300 bytes: {data[-300:]!r}")


def start(tmp_path: Path, config: str) -> tuple[str, Path]:
    home = tmp_path / "config"
    (home / "jobtui").mkdir(parents=True)
    (home / "jobtui" / "config.toml").write_text(config)
    program = (
        f"env XDG_CONFIG_HOME={shlex.quote(str(home))} {shlex.quote(sys.executable)} -m jobtui"
    )
    return jobtui_command(tmp_path / "state", program), tmp_path / "raw.out"


def record(pane: Pane, raw: Path) -> None:
    pane.tmux("pipe-pane", "-o", "-t", pane.name, f"cat >> {shlex.quote(str(raw))}")


def test_the_bell_rings_when_a_job_ends_while_the_terminal_is_elsewhere(tmp_path: Path) -> None:
    command, raw = start(tmp_path, "")
    with running(SERVER, "bell", command) as pane:
        pane.tmux("set-option", "-t", pane.name, "focus-events", "on")
        pane.wait_for("Jobs 0")
        record(pane, raw)
        pane.type_line("Start-Job { sleep 1 }")
        pane.wait_for("Completed")
        time.sleep(0.5)
        assert bells(raw.read_bytes() if raw.exists() else b"") == 0  # focused: no bell
        # A key gives the app its focus back (Textual's rule): the job starts first, then the
        # terminal's focus goes elsewhere (FocusOut) while it runs.
        pane.type_line("Start-Job -Name later { sleep 2 }")
        pane.wait_for("later")
        pane.send_bytes(b"\x1b[O")
        wait_for_bytes(raw, lambda data: bells(data) >= 1)


def test_a_desktop_notification_goes_to_the_terminal_as_osc_777(tmp_path: Path) -> None:
    command, raw = start(tmp_path, 'notify_desktop = "osc777"\n')
    with running(SERVER, "osc", command) as pane:
        pane.wait_for("Jobs 0")
        record(pane, raw)
        pane.type_line("Start-Job -Name nightly { exit 3 }")
        data = wait_for_bytes(raw, lambda d: b"\x1b]777;notify;nightly failed;" in d)
        start_at = data.index(b"\x1b]777;notify;nightly failed;")
        assert b"Exit code 3" in data[start_at : start_at + 200]
