"""Plain mode (``jobtui --plain``): command lines from standard input, results as lines.

For scripts, pipes and screen readers: results go to stdout, errors (and jobtui's notices) to
stderr. A statement left open (an unclosed brace, quote or parenthesis, a trailing backtick or
``|``) takes the next lines too, after a ``>>`` prompt on a terminal. At the end of input, or at
``exit``, the jobs still running are stopped, as when a PowerShell session ends, after one notice
on stderr that names them; the exit status is ``exit``'s, else 1 if the last line failed, else 0.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from typing import TextIO

from jobtui.commands import CommandResult, CommandSession, LineKind, OutputLine
from jobtui.engine import JobEngine

PROMPT = "jobtui> "
CONTINUATION_PROMPT = ">> "


def run_plain(
    stdin: TextIO, stdout: TextIO, stderr: TextIO, *, engine: JobEngine | None = None
) -> int:
    """Run every line of ``stdin`` in one session (on ``engine``, which it shuts down); the
    exit status."""
    interactive = stdin.isatty()
    engine = engine or JobEngine()
    session = CommandSession(engine, width=_width(stdout))
    status = 0
    try:
        while True:
            try:
                line = _read_statement(session, stdin, stdout, interactive)
            except KeyboardInterrupt:
                if not interactive:
                    raise
                stdout.write("\n")  # Ctrl+C at the prompt drops what was typed, as in PowerShell
                continue
            if line is None:
                _notify_stopping(engine, "end of input", stderr)
                break
            result = _run_line(session, line, stdout, stderr)
            status = 0 if result.succeeded else 1
            if result.exit_code is not None:
                _notify_stopping(engine, "exit", stderr)
                status = result.exit_code
                break
    finally:
        engine.shutdown()
    return status


#: How many job names the end-of-input notice lists before it only counts.
NOTICE_NAMES = 10


def _notify_stopping(engine: JobEngine, why: str, stderr: TextIO) -> None:
    notice = _stopping_notice(engine, why)
    if notice:
        stderr.write(notice + "\n")
        stderr.flush()


def _stopping_notice(engine: JobEngine, why: str = "end of input") -> str:
    """The one notice that the session's end stops unfinished jobs ("" if there are none)."""
    running = [job for job in engine.jobs if not job.state.is_finished]
    if not running:
        return ""
    names = ", ".join(job.name for job in running[:NOTICE_NAMES])
    if len(running) > NOTICE_NAMES:
        names += f" and {len(running) - NOTICE_NAMES} more"
    jobs = "job" if len(running) == 1 else "jobs"
    return f"jobtui: {why}; stopping {len(running)} running {jobs} ({names})."


def _width(stdout: TextIO) -> int:
    try:
        if stdout.isatty():
            return shutil.get_terminal_size().columns
    except (AttributeError, ValueError, OSError):
        pass
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else 120


def _read_statement(
    session: CommandSession, stdin: TextIO, stdout: TextIO, interactive: bool
) -> str | None:
    """The next line to run, None at the end of input.

    Blank lines and ``#`` comments are skipped. A line left open (an unclosed ``{`` or quote)
    takes the following lines too, as PowerShell's ``>>`` prompt does.
    """
    while True:
        if interactive:
            stdout.write(PROMPT)
            stdout.flush()
        raw = stdin.readline()
        if not raw:
            return None
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        while not session.is_complete(line):
            if interactive:
                stdout.write(CONTINUATION_PROMPT)
                stdout.flush()
            more = stdin.readline()
            if not more:
                break  # end of input: run it and let the parser say what is missing
            line += "\n" + more.rstrip("\n")
        return line


def _run_line(session: CommandSession, line: str, stdout: TextIO, stderr: TextIO) -> CommandResult:
    """Run one line on a worker thread, so that Ctrl+C ends a wait instead of the program.

    The line is over only when its worker is: Ctrl+C sets the cancel event and the loop goes on
    waiting, so the next line never starts while the cancelled one still prints.
    """

    def show(batch: list[OutputLine]) -> None:
        for item in batch:
            stream = stdout if item.kind is LineKind.OUTPUT else stderr
            stream.write(item.text + "\n")
        stdout.flush()
        stderr.flush()

    cancel = threading.Event()
    worker = _LineWorker(session, line, show, cancel)
    woken = False
    with _sigint_cancels(cancel):
        worker.start()
        while not _wait(worker.done, cancel):
            if cancel.is_set() and not woken:
                session.engine.wake_waiters()
                woken = True
    assert worker.result is not None
    return worker.result


def _wait(done: threading.Event, cancel: threading.Event) -> bool:
    """Wait a little for ``done``; Ctrl+C as KeyboardInterrupt (off the main thread's handler)
    sets ``cancel`` instead of ending the wait."""
    try:
        return done.wait(0.1)
    except KeyboardInterrupt:
        cancel.set()
        return False


class _LineWorker(threading.Thread):
    """One line run on its own thread; ``done`` is set once it is over, result and all."""

    def __init__(
        self,
        session: CommandSession,
        line: str,
        show: Callable[[list[OutputLine]], None],
        cancel: threading.Event,
    ) -> None:
        super().__init__(name="jobtui-plain", daemon=True)
        self.session = session
        self.line = line
        self.show = show
        self.cancel = cancel
        self.result: CommandResult | None = None
        # An Event, not Thread.join or is_alive: on Python 3.11 a KeyboardInterrupt that lands
        # in join() marks a running thread as stopped (CPython gh-90882), and the next line
        # then started while the cancelled one still printed.
        self.done = threading.Event()

    def run(self) -> None:
        try:
            self.result = self.session.execute(self.line, on_output=self.show, cancel=self.cancel)
        finally:
            if self.result is None:
                self.result = CommandResult(errors=["jobtui: the line did not finish."])
            self.done.set()


@contextlib.contextmanager
def _sigint_cancels(cancel: threading.Event) -> Iterator[None]:
    """While a line runs, SIGINT (Ctrl+C) sets ``cancel`` instead of raising KeyboardInterrupt
    at whatever the main thread is doing; outside the main thread nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_sigint(signum: int, frame: object) -> None:
        del signum, frame
        cancel.set()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
