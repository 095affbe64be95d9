"""Plain mode (``jobtui --plain``): command lines from standard input, results as lines.

For scripts, pipes and screen readers: results go to stdout, errors (and jobtui's notices) to
stderr. At the end of input the jobs still running are stopped, as when a PowerShell session
ends, after one notice on stderr that names them; the exit status is 1 if the last line failed,
else 0.
"""

from __future__ import annotations

import os
import shutil
import threading
from typing import TextIO

from jobtui.commands import CommandResult, CommandSession, LineKind, OutputLine
from jobtui.engine import JobEngine

PROMPT = "jobtui> "
CONTINUATION_PROMPT = ">> "


def run_plain(stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """Run every line of ``stdin`` in one session; the exit status."""
    interactive = stdin.isatty()
    engine = JobEngine()
    session = CommandSession(engine, width=_width(stdout))
    last_ok = True
    try:
        while True:
            line = _read_statement(session, stdin, stdout, interactive)
            if line is None:
                notice = _stopping_notice(engine)
                if notice:
                    stderr.write(notice + "\n")
                    stderr.flush()
                break
            result = _run_line(session, line, stdout, stderr)
            last_ok = result.succeeded
    finally:
        engine.shutdown()
    return 0 if last_ok else 1


#: How many job names the end-of-input notice lists before it only counts.
NOTICE_NAMES = 10


def _stopping_notice(engine: JobEngine) -> str:
    """The one notice that the end of input stops unfinished jobs ("" if there are none)."""
    running = [job for job in engine.jobs if not job.state.is_finished]
    if not running:
        return ""
    names = ", ".join(job.name for job in running[:NOTICE_NAMES])
    if len(running) > NOTICE_NAMES:
        names += f" and {len(running) - NOTICE_NAMES} more"
    jobs = "job" if len(running) == 1 else "jobs"
    return f"jobtui: end of input; stopping {len(running)} running {jobs} ({names})."


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
    """Run one line on a worker thread, so that Ctrl+C ends a wait instead of the program."""

    def show(batch: list[OutputLine]) -> None:
        for item in batch:
            stream = stdout if item.kind is LineKind.OUTPUT else stderr
            stream.write(item.text + "\n")
        stdout.flush()
        stderr.flush()

    cancel = threading.Event()
    box: list[CommandResult] = []
    worker = threading.Thread(
        target=lambda: box.append(session.execute(line, on_output=show, cancel=cancel)),
        name="jobtui-plain",
        daemon=True,
    )
    worker.start()
    while worker.is_alive():
        try:
            worker.join(0.1)
        except KeyboardInterrupt:
            cancel.set()
            session.engine.wake_waiters()
    return box[0] if box else CommandResult(errors=["jobtui: the line did not finish."])
