"""Plain mode (``jobtui --plain``): command lines from standard input, results as lines.

For scripts, pipes and screen readers: results go to stdout, errors (and jobtui's notices) to
stderr. A statement left open (an unclosed brace, quote or parenthesis, a trailing backtick or
``|``) takes the next lines too, after a ``>>`` prompt on a terminal. At the end of input, or at
``exit``, the jobs still running are stopped, as when a PowerShell session ends, after one notice
on stderr that names them; the exit status is ``exit``'s, else 1 if the last line failed, else 0.

Plain mode is a client of the session host by default: the session ends at the end of input
only if no other client is attached, and Disconnect-PSSession leaves it running.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from typing import TextIO

from jobtui.commands import LineKind, OutputLine
from jobtui.engine import JobEngine
from jobtui.service import JobService, LineResult, LocalService

PROMPT = "jobtui> "
CONTINUATION_PROMPT = ">> "


def run_plain(
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO,
    *,
    engine: JobEngine | None = None,
    service: JobService | None = None,
    leave: Callable[[], list[str]] | None = None,
) -> int:
    """Run every line of ``stdin`` in one session; the exit status.

    The session is ``service`` (a session host's), or one in this process over ``engine``
    (which it shuts down). ``leave`` ends a hosted session's part in it and returns the names
    of the jobs that stopped (none while other clients are attached); in process every running
    job is stopped. A line that ran Disconnect-PSSession ends plain mode and leaves the
    session's jobs running.
    """
    interactive = stdin.isatty()
    if service is None:
        service = LocalService(engine or JobEngine())
    service.width = _width(stdout)
    status = 0
    why: str | None = None
    try:
        while True:
            try:
                line = _read_statement(service, stdin, stdout, interactive)
            except KeyboardInterrupt:
                if not interactive:
                    raise
                stdout.write("\n")  # Ctrl+C at the prompt drops what was typed, as in PowerShell
                continue
            if line is None:
                why = "end of input"
                break
            result = _run_line(service, line, stdout, stderr)
            status = 0 if result.succeeded else 1
            if result.disconnected:
                break
            if result.exit_code is not None:
                why = "exit"
                status = result.exit_code
                break
    except HostGone as exc:
        stderr.write(f"jobtui: {exc}\n")
        return 1
    finally:
        if why is not None:
            _end_session(service, leave, why, stderr)
        elif leave is None:
            service.shutdown()
    return status


class HostGone(Exception):
    """The session's host went away while a line ran (one line of text)."""


def _end_session(
    service: JobService, leave: Callable[[], list[str]] | None, why: str, stderr: TextIO
) -> None:
    """End this front end's part: in process, stop every running job (after one notice);
    hosted, leave, and name the jobs that leaving stopped."""
    if leave is None:
        running = [job.name for job in service.changes(-1).changed if not job.state.is_finished]
        _write_notice(stderr, _stopping_notice(running, why))
        service.shutdown()
        return
    try:
        stopped = leave()
    except ConnectionError as exc:  # the host went meanwhile: nothing is left to stop
        stderr.write(f"jobtui: {exc}\n")
        return
    _write_notice(stderr, _stopping_notice(stopped, why))


#: How many job names the end-of-input notice lists before it only counts.
NOTICE_NAMES = 10


def _write_notice(stderr: TextIO, notice: str) -> None:
    if notice:
        stderr.write(notice + "\n")
        stderr.flush()


def _stopping_notice(running: list[str], why: str = "end of input") -> str:
    """The one notice that the session's end stops unfinished jobs ("" if there are none)."""
    if not running:
        return ""
    names = ", ".join(running[:NOTICE_NAMES])
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
    session: JobService, stdin: TextIO, stdout: TextIO, interactive: bool
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


def _run_line(service: JobService, line: str, stdout: TextIO, stderr: TextIO) -> LineResult:
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
    worker = _LineWorker(service, line, show, cancel)
    woken = False
    with _sigint_cancels(cancel):
        worker.start()
        while not _wait(worker.done, cancel):
            if cancel.is_set() and not woken:
                service.wake_waiters()
                woken = True
    if worker.lost is not None:
        raise HostGone(worker.lost)
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
        service: JobService,
        line: str,
        show: Callable[[list[OutputLine]], None],
        cancel: threading.Event,
    ) -> None:
        super().__init__(name="jobtui-plain", daemon=True)
        self.service = service
        self.line = line
        self.show = show
        self.cancel = cancel
        self.result: LineResult | None = None
        #: Why the session's host went away during the line (None: it did not).
        self.lost: str | None = None
        # An Event, not Thread.join or is_alive: on Python 3.11 a KeyboardInterrupt that lands
        # in join() marks a running thread as stopped (CPython gh-90882), and the next line
        # then started while the cancelled one still printed.
        self.done = threading.Event()

    def run(self) -> None:
        try:
            self.result = self.service.execute(self.line, on_output=self.show, cancel=self.cancel)
        except ConnectionError as exc:  # the host's HostLost is one (see jobtui.host.client)
            self.lost = str(exc)
        finally:
            if self.result is None:
                self.result = LineResult(errors=["jobtui: the line did not finish."])
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
