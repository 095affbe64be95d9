"""jobtui in a real terminal: a tmux pane on a private server, keys in, screen text out.

Shared by the end-to-end tests and the reliability tests that signal jobtui. Each caller has its
own server (``tmux -L NAME``) with no configuration file: the tests never see or touch the
user's own sessions, and the user's settings never change what the tests see.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 120, 36


class Pane:
    """One detached tmux session running one command."""

    def __init__(self, server: str, name: str) -> None:
        self.server = server
        self.name = name

    def tmux(self, *args: str) -> str:
        """Run a tmux command on this pane's server; its standard output."""
        return subprocess.run(
            ["tmux", "-L", self.server, "-f", "/dev/null", *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout

    def send(self, *keys: str) -> None:
        """Keys by name (Enter, Escape, C-c) or text."""
        self.tmux("send-keys", "-t", self.name, *keys)

    def type(self, text: str) -> None:
        """Text, literally."""
        self.tmux("send-keys", "-t", self.name, "-l", text)

    def type_line(self, text: str) -> None:
        """Text, then Enter."""
        self.type(text)
        self.send("Enter")

    def type_long(self, text: str, chunk: int = 4000) -> None:
        """Text of any length, literally, as keys: in pieces, since one tmux command can carry
        only about 16 kB."""
        for start in range(0, len(text), chunk):
            self.type(text[start : start + chunk])

    def paste(self, text: str) -> None:
        """Text pasted as a terminal pastes it: bracketed, if the program asked for that
        (tmux paste-buffer -p), with each line end sent as a carriage return."""
        buffer = f"paste-{uuid.uuid4().hex[:8]}"
        self.tmux("set-buffer", "-b", buffer, text)
        self.tmux("paste-buffer", "-p", "-d", "-b", buffer, "-t", self.name)

    def send_bytes(self, data: bytes) -> None:
        """Raw bytes, as a terminal would read them (tmux send-keys -H)."""
        self.tmux("send-keys", "-t", self.name, "-H", *(f"{byte:02x}" for byte in data))

    def screen(self) -> str:
        """The pane's text."""
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def flag(self, name: str) -> str:
        """A pane format variable: alternate_on, cursor_flag, mouse_any_flag, pane_pid..."""
        return self.tmux("display-message", "-p", "-t", self.name, f"#{{{name}}}").strip()

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        """The screen, once ``text`` is on it; fails after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared on the screen:\n{screen}")


def jobtui_command(state: Path, program: str | None = None, *, animations: bool = False) -> str:
    """A shell command that runs jobtui from the repository with its state under ``state``, a
    fixed terminal type and no animations (unless ``animations``, as a user's terminal has
    them). ``program`` defaults to ``python -m jobtui`` with the tests' interpreter. COLUMNS
    and LINES go: the test process may carry stale ones (readline sets them), and they would
    beat the pane's size."""
    env = {
        # This checkout's code, whichever jobtui is installed (and whatever environment the
        # tmux server was started with).
        "PYTHONPATH": str(REPO),
        "XDG_STATE_HOME": str(state),
        "TERM": "xterm-256color",
        "TEXTUAL_ANIMATIONS": "full" if animations else "none",
        "SHELL": "/bin/sh",
    }
    exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
    program = program or f"{shlex.quote(sys.executable)} -m jobtui"
    return f"cd {shlex.quote(str(REPO))} && env -u COLUMNS -u LINES {exports} {program}"


@contextmanager
def running(server: str, prefix: str, command: str) -> Iterator[Pane]:
    """A WIDTHxHEIGHT pane running ``command`` on a tmux server of its own, ended afterwards.

    One server per pane: with one server shared by the tests, a test's new-session could reach
    the server just as the previous test's kill-session made it exit ("server exited
    unexpectedly", a set-up error seen once in a few runs).
    """
    unique = uuid.uuid4().hex[:8]
    pane = Pane(f"{server}-{unique}", f"{prefix}-{unique}")
    pane.tmux("new-session", "-d", "-s", pane.name, "-x", str(WIDTH), "-y", str(HEIGHT), command)
    try:
        yield pane
    finally:
        subprocess.run(
            ["tmux", "-L", pane.server, "-f", "/dev/null", "kill-server"],
            check=False,
            capture_output=True,
            timeout=10,
        )
