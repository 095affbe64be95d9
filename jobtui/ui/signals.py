"""SIGTERM and SIGHUP end the app as quitting does: every job stopped, the terminal restored.

Python's default for either signal is to die on the spot, which leaves the terminal in the app's
modes (alternate screen, mouse reporting, hidden cursor) and the jobs to the guardian process.
Here the handler only hands the signal to the event loop, which starts stopping the jobs (in a
thread, through the engine) and then asks the app to exit; ``run_app`` shuts the engine down.

A terminal that hangs up sends SIGHUP, then SIGCONT, and is gone: Textual's SIGCONT handler
would start its application mode again on it, and its output thread can block for ever on a
dead terminal. So after SIGHUP that handler is dropped, and whatever happens to the terminal,
the process ends :data:`DEADLINE` seconds after its jobs were stopped. SIGKILL cannot be
handled: the guardian covers it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobtui.ui.app import JobApp

#: The signals that end the app cleanly.
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
#: Seconds the app (and the engine's shutdown) have to end once the jobs are stopped, before the
#: process ends without them.
DEADLINE = 10.0


def exit_on_signals(app: JobApp) -> Callable[[], None]:
    """Make SIGTERM and SIGHUP stop ``app``'s jobs and exit it; returns what undoes that."""
    loop = asyncio.get_running_loop()
    exiting: list[int] = []

    def handle(signum: int, frame: FrameType | None) -> None:
        # Python runs this on the main thread between two bytecodes: hand over, take no lock.
        if signum == signal.SIGHUP:
            signal.signal(signal.SIGCONT, signal.SIG_DFL)
        loop.call_soon_threadsafe(begin, signum)

    def begin(signum: int) -> None:
        if exiting:
            return
        # 128 + the signal's number: the status a shell reports for a process a signal ended.
        status = 128 + signum
        exiting.append(status)
        threading.Thread(
            target=_stop_then_end, args=(app, status), name="jobtui-exit", daemon=True
        ).start()
        app.exit(status, return_code=status)

    previous = {sig: signal.signal(sig, handle) for sig in EXIT_SIGNALS}

    def undo() -> None:
        for sig, handler in previous.items():
            # None: the handler was not set from Python; the default is the best guess.
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)

    return undo


def _stop_then_end(app: JobApp, status: int) -> None:
    """Stop every job now; end the process if the app has not ended :data:`DEADLINE` s later."""
    app.service.execute("Get-Job | Stop-Job")  # every job, as the user would stop them
    time.sleep(DEADLINE)  # a daemon thread: a process that ends in time does not wait for it
    os._exit(status)
