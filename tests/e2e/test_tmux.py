"""Start jobtui in tmux, type into the command bar, read the result from the screen."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

WIDTH, HEIGHT = 120, 36
REPO = Path(__file__).resolve().parents[2]
#: A private tmux server (``tmux -L``) with no configuration file: the tests never see or touch
#: the user's own sessions, and the user's settings never change what the tests see.
TMUX = ("tmux", "-L", "jobtui-e2e", "-f", "/dev/null")


class Tmux:
    """One detached tmux session running a command; keys in, screen text out."""

    def __init__(self, name: str) -> None:
        self.name = name

    def run(self, *args: str) -> str:
        result = subprocess.run(
            [*TMUX, *args], check=True, capture_output=True, text=True, timeout=10
        )
        return result.stdout

    def send(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.name, *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", self.name, "-l", text)

    def send_bytes(self, data: bytes) -> None:
        """Raw bytes, as a terminal would read them (tmux send-keys -H)."""
        self.run("send-keys", "-t", self.name, "-H", *(f"{byte:02x}" for byte in data))

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.name)

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared on the screen:\n{screen}")


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    session = Tmux(f"jobtui-e2e-{uuid.uuid4().hex[:8]}")
    env = {
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "TERM": "xterm-256color",
        "TEXTUAL_ANIMATIONS": "none",
        "SHELL": "/bin/sh",
    }
    exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
    # The installed entry point beside the tests' interpreter, else the package itself.
    script = Path(sys.executable).parent / "jobtui"
    program = (
        shlex.quote(str(script)) if script.exists() else f"{shlex.quote(sys.executable)} -m jobtui"
    )
    # "; sleep" keeps the pane readable for a moment if jobtui dies. COLUMNS and LINES go: the
    # test process may carry stale ones (readline sets them), and they would beat the pane's size.
    command = (
        f"cd {shlex.quote(str(REPO))} && env -u COLUMNS -u LINES {exports} {program};"
        ' echo "jobtui exited with $?"; sleep 5'
    )
    subprocess.run(
        [
            *TMUX,
            "new-session",
            "-d",
            "-s",
            session.name,
            "-x",
            str(WIDTH),
            "-y",
            str(HEIGHT),
            command,
        ],
        check=True,
        timeout=10,
    )
    try:
        yield session
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", session.name], check=False, timeout=10)


def test_a_typed_command_runs_and_its_job_and_output_show(tmux: Tmux) -> None:
    tmux.wait_for("PS>")
    tmux.wait_for("Jobs 0")
    tmux.type("Start-Job -Name greet {echo hello-from-e2e}")
    tmux.send("Enter")
    # The table has the job, the console has Start-Job's own table.
    tmux.wait_for("PS> Start-Job -Name greet {echo hello-from-e2e}")
    screen = tmux.wait_for("✓ Completed")
    row = next(line for line in screen.splitlines() if "✓ Completed" in line)
    assert "greet" in row and "BackgroundJob" in row
    # To the table, then the job's output in the Output pane ("c" leaves the Console).
    tmux.send("Escape")
    tmux.wait_for("r Receive")  # the footer shows the table's keys: the bar has let go
    tmux.send("c")
    screen = tmux.wait_for("greet (Id 1)")
    output = screen[screen.index("greet (Id 1)") :]
    assert "hello-from-e2e" in output.splitlines()[1]
    # An error stays on one line under the bar, with the text kept.
    tmux.send(":")
    tmux.wait_for("tab Complete")
    tmux.type("Receive-Job -Id 42")
    tmux.send("Enter")
    # The line leaves the bar at once, and comes back (selected) when it has failed.
    screen = tmux.wait_for(" Receive-Job: The command cannot find a job with the job ID 42.")
    lines = screen.splitlines()
    assert lines[0].startswith("PS> Receive-Job -Id 42")
    assert "Receive-Job" in lines[1] and "42" in lines[1]
    # Quit with nothing running: no question.
    tmux.send("Escape")
    tmux.wait_for("q Quit")
    tmux.send("q")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "Jobs 1" in tmux.screen():
        time.sleep(0.1)
    assert "Jobs 1" not in tmux.screen()


def test_input_that_is_not_utf8_does_no_harm(tmux: Tmux) -> None:
    tmux.wait_for("Jobs 0")
    tmux.type("echo ")
    tmux.send_bytes(b"\xc3\x28")  # a lead byte with no continuation: invalid UTF-8
    tmux.type(" odd")
    screen = tmux.wait_for("odd")
    assert screen.splitlines()[0].startswith("PS> echo \ufffd( odd")
    # Still alive and answering keys; quitting gives a zero exit status.
    tmux.send("C-u")
    tmux.type("Get-Job")
    tmux.send("Enter")
    tmux.wait_for("PS> Get-Job")
    tmux.send("Escape")
    tmux.wait_for("q Quit")
    tmux.send("q")
    tmux.wait_for("jobtui exited with 0")
