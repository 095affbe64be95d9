"""What a cmdlet runs with: the line's screen (:class:`Host`) and its :class:`Context`.

The Host collects what one line prints, hands it on in batches as it comes, and keeps a bounded
tail in the result. A Context is one stage of a pipeline: the session, the stage's input sink,
where its errors go, the cancel event, and the :class:`StatementStatus` it shares with the other
stages of its statement.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from jobtui.commands.output_format import OutputFormatter
from jobtui.commands.results import MAX_RESULT_LINES, CommandResult, LineKind, OutputLine
from jobtui.engine import Job, JobEngine

if TYPE_CHECKING:
    from jobtui.commands.session import CommandSession

#: Where a stage sends its objects.
Sink = Callable[[object], None]
#: Where a stage writes an error line: ``(line, is an error of the command)``; a job's received
#: stderr line is printed as an error but is not one of the command's.
ErrorWriter = Callable[[str, bool], None]

#: How many printed lines go to ``on_output`` at once while a command streams (a million
#: received lines arrive in batches, not all at the end nor one call per line).
OUTPUT_BATCH = 5_000


class Host:
    """The screen of one line: it hands the printed lines to ``on_output`` in batches as they
    come, and keeps the last of them in the result (a bounded tail: see CommandResult)."""

    def __init__(
        self, width: int, on_output: Callable[[list[OutputLine]], None] | None = None
    ) -> None:
        self.result = CommandResult()
        self.formatter = OutputFormatter(width)
        self._on_output = on_output
        self._pending: list[OutputLine] = []

    def print_object(self, value: object) -> None:
        """Print an object as PowerShell's Out-Default does (jobs as table rows...)."""
        for text in self.formatter.format(value):
            self._add(OutputLine(text, LineKind.OUTPUT))

    def print_line(self, text: str, kind: LineKind) -> None:
        """Print a line as it is."""
        for held in self.formatter.interrupt():
            self._add(OutputLine(held, LineKind.OUTPUT))
        self._add(OutputLine(text, kind))

    def error(self, message: str) -> None:
        """Print an error of the command (it makes the line fail)."""
        self.print_line(message, LineKind.ERROR)
        self.result.errors.append(message)

    def note_job(self, job: Job) -> None:
        """Remember a job the line produced."""
        if job not in self.result.jobs:
            self.result.jobs.append(job)

    def _add(self, line: OutputLine) -> None:
        lines = self.result.lines
        lines.append(line)
        if len(lines) >= 2 * MAX_RESULT_LINES:  # trimmed in steps, not on every line
            self._trim()
        if self._on_output is not None:
            self._pending.append(line)
            if len(self._pending) >= OUTPUT_BATCH:
                self.flush()

    def _trim(self) -> None:
        lines = self.result.lines
        extra = len(lines) - MAX_RESULT_LINES
        if extra > 0:
            del lines[:extra]
            self.result.truncated += extra

    def flush(self) -> None:
        """Hand the lines printed since the last flush to ``on_output`` (a table's rows held
        back for their widths come out first)."""
        for held in self.formatter.release():
            self._add(OutputLine(held, LineKind.OUTPUT))
        if self._on_output is None or not self._pending:
            return
        batch, self._pending = self._pending, []
        self._on_output(batch)

    def finish(self) -> CommandResult:
        """The line is over: the last lines out, the result's lines cut to their bound."""
        for held in self.formatter.end():
            self._add(OutputLine(held, LineKind.OUTPUT))
        self.flush()
        self._trim()
        return self.result


@dataclass
class StatementStatus:
    """Whether a statement wrote an error of its own (``$?`` after it is the opposite); shared
    by every stage of the statement and by its error writer."""

    failed: bool = False

    def fail(self) -> None:
        """The statement wrote an error of the command."""
        self.failed = True


@dataclass
class Context:
    """What a cmdlet works with: the session, its input, where its output and errors go."""

    session: CommandSession
    host: Host
    emit: Sink
    write_error: ErrorWriter
    cancel: threading.Event | None
    status: StatementStatus = field(default_factory=StatementStatus)
    #: The next stage searches what this one sends (``Receive-Job | Select-String``): a
    #: receive may send the records it took, unread, for the search to run over the store,
    #: instead of every line as a string.
    feeds_search: bool = False

    @property
    def engine(self) -> JobEngine:
        """The session's job engine."""
        return self.session.engine

    def error(self, source: str, message: str) -> None:
        """A non-terminating error: printed, and the command goes on."""
        self.status.fail()
        self.write_error(f"{source}: {message}", True)

    def stream_error(self, text: str) -> None:
        """A line a job wrote to stderr, received."""
        self.write_error(text, False)

    def info(self, text: str) -> None:
        """A notice from jobtui (not a result, not an error)."""
        self.host.print_line(text, LineKind.INFO)

    def cancelled(self) -> bool:
        """Whether Ctrl+C was pressed."""
        return self.cancel is not None and self.cancel.is_set()
