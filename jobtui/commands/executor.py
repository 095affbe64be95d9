"""Running a parsed line: evaluating expressions, statements and pipelines against the engine.

A pipeline runs stage by stage; the last stage's objects go to a sink: the screen (formatted
as they arrive), a variable, or a file. Error lines go to the screen unless ``2>`` sends them
elsewhere. A cmdlet's terminating error ends its statement; the next statement still runs,
as in PowerShell. Ctrl+C (the ``cancel`` event) ends the line.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from jobtui.commands import jobcmdlets
from jobtui.commands.binder import bind
from jobtui.commands.cmdlets import find_cmdlet
from jobtui.commands.errors import Cancelled, CommandError
from jobtui.commands.formatting import OutputFormatter
from jobtui.commands.results import (
    MAX_RESULT_LINES,
    CommandResult,
    LineKind,
    OutputLine,
    WaitOutcome,
    WaitStarted,
)
from jobtui.commands.syntax import (
    ArrayLiteral,
    CommandCall,
    Constant,
    ExpandableString,
    Expression,
    IndexExpression,
    MemberExpression,
    Pipeline,
    Redirection,
    Script,
    ScriptBlockExpression,
    ShellCommand,
    Statement,
    SubExpression,
    VariableExpression,
)
from jobtui.commands.values import (
    ScriptBlock,
    as_list,
    get_index,
    get_member,
    to_text,
    unwrap,
)
from jobtui.engine import Job, JobEngine, JobError

if TYPE_CHECKING:
    from jobtui.commands.session import CommandSession

log = logging.getLogger(__name__)

Sink = Callable[[object], None]

#: How many printed lines go to ``on_output`` at once while a command streams (a million
#: received lines arrive in batches, not all at the end nor one call per line).
OUTPUT_BATCH = 5_000


class Host:
    """The screen of one line: it hands the printed lines to ``on_output`` in batches as they
    come, and keeps the last of them in the result (a bounded tail: see CommandResult)."""

    def __init__(
        self,
        width: int,
        on_output: Callable[[list[OutputLine]], None] | None = None,
        on_wait: Callable[[WaitStarted], None] | None = None,
    ) -> None:
        self.result = CommandResult()
        self.formatter = OutputFormatter(width)
        self._on_output = on_output
        self._on_wait = on_wait
        self._pending: list[OutputLine] = []

    def wait_started(self, started: WaitStarted) -> None:
        """A Wait-Job begins to block: what has printed goes out first, then the front end hears
        of the wait (it may show it as a view of its own)."""
        self.flush()
        if self._on_wait is not None:
            self._on_wait(started)

    def wait_ended(self, outcome: WaitOutcome) -> None:
        """A Wait-Job ended: the result says how."""
        self.result.wait = outcome

    def print_object(self, value: object) -> None:
        """Print an object as PowerShell's Out-Default does (jobs as table rows...)."""
        for text in self.formatter.format(value):
            self._add(OutputLine(text, "output"))

    def print_line(self, text: str, kind: LineKind) -> None:
        """Print a line as it is."""
        self.formatter.interrupt()
        self._add(OutputLine(text, kind))

    def error(self, message: str) -> None:
        """Print an error of the command (it makes the line fail)."""
        self.print_line(message, "error")
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
        """Hand the lines printed since the last flush to ``on_output``."""
        if self._on_output is None or not self._pending:
            return
        batch, self._pending = self._pending, []
        self._on_output(batch)

    def finish(self) -> CommandResult:
        """The line is over: the last lines out, the result's lines cut to their bound."""
        self.flush()
        self._trim()
        return self.result


@dataclass
class Context:
    """What a cmdlet works with: the session, its input, where its output and errors go."""

    session: CommandSession
    host: Host
    emit: Sink
    write_error: Callable[[str, bool], None]  # (line, is an error of the command)
    cancel: threading.Event | None
    statement_failed: list[bool] = field(default_factory=lambda: [False])

    @property
    def engine(self) -> JobEngine:
        """The session's job engine."""
        return self.session.engine

    def error(self, source: str, message: str) -> None:
        """A non-terminating error: printed, and the command goes on."""
        self.statement_failed[0] = True
        self.write_error(f"{source}: {message}", True)

    def stream_error(self, text: str) -> None:
        """A line a job wrote to stderr, received."""
        self.write_error(text, False)

    def info(self, text: str) -> None:
        """A notice from jobtui (not a result, not an error)."""
        self.host.print_line(text, "info")

    def cancelled(self) -> bool:
        """Whether Ctrl+C was pressed."""
        return self.cancel is not None and self.cancel.is_set()


class Executor:
    """Runs the statements of one line in a session."""

    def __init__(self, session: CommandSession, host: Host, cancel: threading.Event | None) -> None:
        self.session = session
        self.host = host
        self.cancel = cancel

    def run(self, script: Script) -> None:
        """Run every statement; stop early only when Ctrl+C ended a wait."""
        for statement in script.statements:
            try:
                ok = self.run_statement(statement)
            except Cancelled as cancelled:
                self.host.print_line(cancelled.notice, "info")
                self.session.set_variable("?", False)
                self.host.flush()
                return
            self.session.set_variable("?", ok)
            self.host.flush()

    # -- statements -------------------------------------------------------------------------

    def run_statement(self, statement: Statement) -> bool:
        """Run one statement; False if it wrote an error."""
        failed = [False]
        collected: list[object] = []
        files: list[IO[str]] = []
        try:
            output_sink, error_writer = self._sinks(statement, collected, files, failed)
        except OSError as error:
            self.host.error(f"Out-File: {_os_message(error)}")
            return False
        try:
            self.run_body(statement.body, output_sink, error_writer, failed)
        except CommandError as error:
            failed[0] = True
            error_writer(str(error), True)
        except JobError as error:
            failed[0] = True
            error_writer(f"{_source(statement)}: {error}", True)
        finally:
            for handle in files:
                handle.close()
        if statement.assign_to is not None:
            self.session.set_variable(statement.assign_to.name, unwrap(collected))
        return not failed[0]

    def _sinks(
        self,
        statement: Statement,
        collected: list[object],
        files: list[IO[str]],
        failed: list[bool],
    ) -> tuple[Sink, Callable[[str, bool], None]]:
        host = self.host
        output_sink: Sink
        output_sink = collected.append if statement.assign_to is not None else host.print_object
        error_writer: Callable[[str, bool], None]

        def to_screen(text: str, counts: bool) -> None:
            if counts:
                host.error(text)
            else:
                host.print_line(text, "error")

        error_writer = to_screen
        for redirection in statement.redirections:
            if redirection.target is None:  # 2>&1: errors become output
                merge_into = output_sink

                def merged(text: str, counts: bool, sink: Sink = merge_into) -> None:
                    sink(text)

                error_writer = merged
                continue
            handle = _open(redirection, self.session, files)
            if redirection.stream in ("output", "all"):
                output_sink = handle
            if redirection.stream in ("error", "all"):
                file_sink = handle

                def to_file(text: str, counts: bool, sink: Sink = file_sink) -> None:
                    sink(text)

                error_writer = to_file

        def error_with_failure(text: str, counts: bool) -> None:
            if counts:
                failed[0] = True
            error_writer(text, counts)

        def note_jobs(value: object) -> None:
            if isinstance(value, Job):
                host.note_job(value)
            output_sink(value)

        return note_jobs, error_with_failure

    def run_body(
        self,
        body: Pipeline | ShellCommand,
        sink: Sink,
        write_error: Callable[[str, bool], None],
        failed: list[bool],
    ) -> None:
        """Run a statement's body, its last objects to ``sink``, its errors to ``write_error``."""
        if isinstance(body, ShellCommand):
            job = self.session.engine.start_job(
                body.text, environment=dict(self.session.environment) or None
            )
            sink(job)
            return
        objects: list[object] | None = None
        count = len(body.elements)
        for index, element in enumerate(body.elements):
            last = index == count - 1
            stage_output: list[object] = []
            emit: Sink = sink if last else self._collector(stage_output)
            context = Context(self.session, self.host, emit, write_error, self.cancel, failed)
            if isinstance(element, CommandCall):
                bound = bind(element, self.evaluate, has_input=index > 0)
                jobcmdlets.run(context, bound, objects)
            else:
                for value in as_list(self.evaluate(element)):
                    emit(value)
            objects = stage_output
            self.host.flush()

    def _collector(self, objects: list[object]) -> Sink:
        """A sink between two stages; the jobs passing through count as produced by the line."""

        def collect(value: object) -> None:
            if isinstance(value, Job):
                self.host.note_job(value)
            objects.append(value)

        return collect

    # -- expressions ------------------------------------------------------------------------

    def evaluate(self, expression: Expression) -> object:
        """The value of an expression."""
        if isinstance(expression, Constant):
            return expression.value
        if isinstance(expression, ScriptBlockExpression):
            return ScriptBlock(expression.text)
        if isinstance(expression, VariableExpression):
            return self.session.get_variable(expression.name)
        if isinstance(expression, MemberExpression):
            return get_member(self.evaluate(expression.target), expression.member)
        if isinstance(expression, IndexExpression):
            return get_index(self.evaluate(expression.target), self.evaluate(expression.index))
        if isinstance(expression, ArrayLiteral):
            return [self.evaluate(item) for item in expression.items]
        if isinstance(expression, ExpandableString):
            return "".join(
                part if isinstance(part, str) else to_text(self.evaluate(part))
                for part in expression.parts
            )
        assert isinstance(expression, SubExpression)
        return self._subexpression(expression.statement)

    def _subexpression(self, statement: Statement) -> object:
        collected: list[object] = []
        failed = [False]

        def to_screen(text: str, counts: bool) -> None:
            if counts:
                failed[0] = True
                self.host.error(text)
            else:
                self.host.print_line(text, "error")

        def keep(value: object) -> None:
            if isinstance(value, Job):
                self.host.note_job(value)
            collected.append(value)

        self.run_body(statement.body, keep, to_screen, failed)
        if statement.assign_to is not None:
            self.session.set_variable(statement.assign_to.name, unwrap(collected))
        return unwrap(collected)


def _source(statement: Statement) -> str:
    """The cmdlet an engine error is reported under (a shell command's is Start-Job)."""
    body = statement.body
    if isinstance(body, Pipeline):
        for element in body.elements:
            if isinstance(element, CommandCall):
                cmdlet = find_cmdlet(element.name)
                if cmdlet is not None:
                    return cmdlet.name
    return "Start-Job"


class _FileSink:
    """Objects formatted into a file, as they would print (``> results.txt``)."""

    def __init__(self, handle: IO[str], width: int) -> None:
        self.handle = handle
        self.formatter = OutputFormatter(width)

    def __call__(self, value: object) -> None:
        for text in self.formatter.format(value):
            self.handle.write(text + "\n")


def _open(redirection: Redirection, session: CommandSession, files: list[IO[str]]) -> _FileSink:
    assert redirection.target is not None
    path = session.resolve_path(redirection.target)
    handle = open(path, "a" if redirection.append else "w", encoding="utf-8")  # noqa: SIM115
    files.append(handle)
    return _FileSink(handle, session.width)


def _os_message(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return f"Could not find a part of the path '{os.path.abspath(error.filename or '')}'."
    if isinstance(error, IsADirectoryError):
        return f"Access to the path '{os.path.abspath(error.filename or '')}' is denied."
    if isinstance(error, PermissionError):
        return f"Access to the path '{os.path.abspath(error.filename or '')}' is denied."
    return error.strerror or str(error)
