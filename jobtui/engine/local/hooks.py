"""Commands run for the front end's notifications: the user's hook, and ``notify-send``.

A hook is pueue's callback and task-spooler's ``TS_ONFINISH``: a shell command that gets a
job's record as JSON on its standard input when the job ends, fails or starts waiting for
input. It runs in a session of its own, so that at its time limit the whole of it (a script and
whatever it started) is killed and reaped: a hook never leaves a process behind, whatever it
does. The caller runs this off the UI thread; the result is one line for the user, or None.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence

#: Seconds a hook may run before it is killed (a notification that takes longer is late).
HOOK_TIMEOUT = 10.0
#: Bytes of a failed hook's stderr quoted in its one-line notice.
_QUOTED = 160


def run_hook(command: str, stdin: str, *, timeout: float = HOOK_TIMEOUT) -> str | None:
    """Run ``command`` with ``/bin/sh -c``, ``stdin`` on its standard input; None if it
    exited 0, else one line saying what went wrong."""
    return _run(["/bin/sh", "-c", command], stdin.encode("utf-8"), timeout, "The hook")


def notify_send(title: str, body: str, *, timeout: float = HOOK_TIMEOUT) -> str | None:
    """A desktop notification through ``notify-send``; None if it was sent, else one line (it is
    not installed, or failed)."""
    program = shutil.which("notify-send")
    if program is None:
        return "notify-send is not installed: no desktop notification was sent."
    return _run([program, "--app-name=jobtui", title, body], b"", timeout, "notify-send")


def _run(argv: Sequence[str], stdin: bytes, timeout: float, what: str) -> str | None:
    # stderr goes to a file, not a pipe: a pipe would be held open by whatever the hook left
    # in the background, and reading it to its end would wait for that too.
    with tempfile.TemporaryFile() as err_file:
        try:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=err_file,
                start_new_session=True,  # its own process group: killed whole at the limit
            )
        except OSError as error:
            return f"{what} could not start: {error.strerror or error}."
        try:
            process.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process.pid)
            process.wait()  # reaped
            return f"{what} was stopped after {timeout:g} s: {argv[-1]}"
        finally:
            # What it left running in its group (a `sleep &` it did not wait for) goes too.
            _kill_group(process.pid)
        if process.returncode == 0:
            return None
        err_file.seek(0)
        err = err_file.read()[-4096:]
    lines = err.decode("utf-8", "replace").splitlines()
    last = next((line for line in reversed(lines) if line.strip()), "")
    status = (
        f"exit code {process.returncode}"
        if process.returncode > 0
        else f"signal {signal.Signals(-process.returncode).name}"
    )
    return f"{what} failed ({status})" + (f": {last[:_QUOTED]}" if last.strip() else ".")


def _kill_group(pgid: int) -> None:
    # Already gone (the common case: it exited and nothing of it was left): nothing to end.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
