"""A small guardian process: if jobtui dies, even by SIGKILL, it ends every job's processes.

jobtui starts it with a pipe on its stdin and tells it each job's process group. When the pipe
reaches end of file without a goodbye, jobtui is gone: the guardian signals the groups it knows
and every process tagged with the session's id (which catches daemons that left their group).
Run as ``python -m jobtui.engine.local.watchdog SESSION_ID``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

GOODBYE = "bye"


class Guardian:
    """jobtui's handle on its guardian process."""

    def __init__(self, session_id: str) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "jobtui.engine.local.watchdog", session_id],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # the terminal's signals for jobtui must not reach it
            close_fds=True,
        )

    def watch(self, pgid: int) -> None:
        """Tell the guardian about a job's process group."""
        self._send(f"+{pgid}")

    def forget(self, pgid: int) -> None:
        """The group is gone; the guardian must not signal a recycled id later."""
        self._send(f"-{pgid}")

    def close(self) -> None:
        """jobtui ends cleanly: it stopped its jobs itself."""
        self._send(GOODBYE)
        if self._proc.stdin:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def _send(self, line: str) -> None:
        stdin = self._proc.stdin
        if stdin is None:
            return
        with contextlib.suppress(OSError, ValueError):
            stdin.write(f"{line}\n".encode())
            stdin.flush()


def guard(session_id: str) -> None:
    """The guardian's loop: remember groups until end of input, then clean up if needed."""
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_IGN)
    groups: set[int] = set()
    for raw in sys.stdin.buffer:
        line = raw.decode("ascii", "replace").strip()
        if line == GOODBYE:
            return
        if line[:1] in "+-" and line[1:].isdigit():
            (groups.add if line[0] == "+" else groups.discard)(int(line[1:]))
    _end_everything(session_id, groups)


def _end_everything(session_id: str, groups: set[int]) -> None:
    from jobtui.engine.local import processes

    for sig, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 1.0)):
        pids = processes.tagged_pids(processes.SESSION_TAG, session_id)
        for pgid in groups:
            with contextlib.suppress(OSError):
                os.killpg(pgid, signal.SIGCONT)
        for pgid in groups:
            with contextlib.suppress(OSError):
                os.killpg(pgid, sig)
        processes.signal_pids(pids, None, sig)
        processes.signal_pids(pids, None, signal.SIGCONT)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not processes.tagged_pids(processes.SESSION_TAG, session_id):
                return
            time.sleep(0.05)


if __name__ == "__main__":
    guard(sys.argv[1])
