"""SIGTERM and SIGHUP end the app as quitting does: the terminal restored, then every job stopped.

Python's default for either signal is to die on the spot, which leaves the terminal in the app's
modes (alternate screen, mouse reporting, hidden cursor) and the jobs to the guardian process.
Handled on the event loop instead, they make the app exit; whoever runs it (``run_app``) then
shuts the engine down, which stops the jobs through the engine. SIGKILL cannot be handled: the
guardian covers it.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from functools import partial

from textual.app import App

#: The signals that end the app cleanly.
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def exit_on_signals(app: App[int]) -> Callable[[], None]:
    """Make SIGTERM and SIGHUP exit ``app`` (from its event loop); returns what undoes it."""
    loop = asyncio.get_running_loop()
    for sig in EXIT_SIGNALS:
        loop.add_signal_handler(sig, partial(_exit, app, sig))

    def undo() -> None:
        for sig in EXIT_SIGNALS:
            loop.remove_signal_handler(sig)

    return undo


def _exit(app: App[int], sig: signal.Signals) -> None:
    # 128 + the signal's number: the status a shell reports for a process a signal ended.
    status = 128 + sig
    app.exit(status, return_code=status)
