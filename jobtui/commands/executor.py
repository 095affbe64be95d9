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
from typing import IO, TYPE_CHECKING

from jobtui.commands.binding import bind
from jobtui.commands.context import Context, ErrorWriter, Host, Sink, StatementStatus
from jobtui.commands.conversion import exit_code
from jobtui.commands.errors import Cancelled, CommandError
from jobtui.commands.output_format import OutputFormatter
from jobtui.commands.registry import find_cmdlet, function_of
from jobtui.commands.results import LineKind
from jobtui.commands.syntax import (
    ArrayLiteral,
    ChainOperator,
    CommandCall,
    Constant,
    Exit,
    ExpandableString,
    Expression,
    IndexExpression,
    MemberExpression,
    Pipeline,
    Redirection,
    RedirectStream,
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
    to_string,
    unwrap,
)
from jobtui.engine import Job, JobError

if TYPE_CHECKING:
    from jobtui.commands.session import CommandSession

log = logging.getLogger(__name__)


class Executor:
    """Runs the statements of one line in a session."""

    def __init__(self, session: CommandSession, host: Host, cancel: threading.Event | None) -> None:
        self.session = session
        self.host = host
        self.cancel = cancel

    def run(self, script: Script) -> None:
        """Run every statement; stop early only when Ctrl+C ended a wait, or at ``exit``."""
        for statement in script.statements:
            try:
                ok = self.run_chain(statement)
            except Cancelled as cancelled:
                self.host.print_line(
                    f"{cancelled.source}: cancelled; the jobs go on running.", LineKind.INFO
                )
                self.session.set_variable("?", False)
                self.host.flush()
                return
            except _ExitRequested as request:
                self.host.result.exit_code = request.code
                self.host.flush()
                return
            self.session.set_variable("?", ok)
            self.host.flush()

    # -- statements -------------------------------------------------------------------------

    def run_chain(self, statement: Statement) -> bool:
        """Run a statement and its pipeline chain: ``&&`` runs the next part if the last one
        succeeded, ``||`` if it failed; a part skipped leaves the status as it was, as in
        PowerShell 7. False if the last part that ran wrote an error."""
        ok = self.run_statement(statement)
        for link in statement.chain:
            self.session.set_variable("?", ok)
            if (link.operator is ChainOperator.AND) == ok:
                ok = self.run_statement(link.statement)
        return ok

    def run_statement(self, statement: Statement) -> bool:
        """Run one statement (not its chain); False if it wrote an error."""
        if isinstance(statement.body, Exit):
            try:
                code = self._exit_code(statement.body)
            except CommandError as error:
                self.host.error(str(error))
                return False
            raise _ExitRequested(code)
        body = statement.body
        status = StatementStatus()
        collected: list[object] = []
        files: list[_FileSink] = []
        try:
            output_sink, error_writer = self._sinks(statement, collected, files, status)
        except OSError as error:
            self.host.error(f"Out-File: {_os_message(error)}")
            return False
        try:
            self.run_body(body, output_sink, error_writer, status)
        except CommandError as error:
            error_writer(str(error), True)
        except JobError as error:
            error_writer(f"{_source(statement)}: {error}", True)
        finally:
            for file_sink in files:
                file_sink.close()
        if statement.assign_to is not None:
            self.session.set_variable(statement.assign_to.name, unwrap(collected))
        return not status.failed

    def _exit_code(self, exit: Exit) -> int:
        """``exit N``'s N; a bare ``exit``: 0 if the statement before it succeeded, else 1."""
        if exit.code is None:
            return 0 if self.session.get_variable("?") else 1
        return exit_code(self.evaluate(exit.code))

    def _sinks(
        self,
        statement: Statement,
        collected: list[object],
        files: list[_FileSink],
        status: StatementStatus,
    ) -> tuple[Sink, ErrorWriter]:
        host = self.host
        output_sink: Sink
        output_sink = collected.append if statement.assign_to is not None else host.print_object
        error_writer: ErrorWriter

        def to_screen(text: str, counts: bool) -> None:
            if counts:
                host.error(text)
            else:
                host.print_line(text, LineKind.ERROR)

        error_writer = to_screen
        for redirection in statement.redirections:
            if redirection.target is None:  # 2>&1: errors become output
                merge_into = output_sink

                def merged(text: str, counts: bool, sink: Sink = merge_into) -> None:
                    sink(text)

                error_writer = merged
                continue
            handle = _open(redirection, self.session, files)
            if redirection.stream in (RedirectStream.OUTPUT, RedirectStream.ALL):
                output_sink = handle
            if redirection.stream in (RedirectStream.ERROR, RedirectStream.ALL):
                file_sink = handle

                def to_file(text: str, counts: bool, sink: Sink = file_sink) -> None:
                    sink(text)

                error_writer = to_file

        def error_with_failure(text: str, counts: bool) -> None:
            if counts:
                status.fail()
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
        write_error: ErrorWriter,
        status: StatementStatus,
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
            context = Context(self.session, self.host, emit, write_error, self.cancel, status)
            context.feeds_search = not last and _searches(body.elements[index + 1])
            if isinstance(element, CommandCall):
                bound = bind(element, self.evaluate, has_input=index > 0)
                function_of(bound.cmdlet)(context, bound, objects)
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
                part if isinstance(part, str) else to_string(self.evaluate(part))
                for part in expression.parts
            )
        assert isinstance(expression, SubExpression)
        value = self._subexpression(expression.statement)
        return as_list(value) if expression.array else value

    def _subexpression(self, statement: Statement) -> object:
        collected: list[object] = []
        status = StatementStatus()

        def to_screen(text: str, counts: bool) -> None:
            if counts:
                status.fail()
                self.host.error(text)
            else:
                self.host.print_line(text, LineKind.ERROR)

        def keep(value: object) -> None:
            if isinstance(value, Job):
                self.host.note_job(value)
            collected.append(value)

        assert not isinstance(statement.body, Exit)  # the parser refuses exit inside ( )
        self.run_body(statement.body, keep, to_screen, status)
        if statement.assign_to is not None:
            self.session.set_variable(statement.assign_to.name, unwrap(collected))
        return unwrap(collected)


class _ExitRequested(Exception):
    """``exit`` ran: the rest of the text does not run, and the session ends with ``code``."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _searches(element: object) -> bool:
    """Whether a pipeline element is Select-String, which can search a job's store itself."""
    if not isinstance(element, CommandCall):
        return False
    cmdlet = find_cmdlet(element.name)
    return cmdlet is not None and cmdlet.name == "Select-String"


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

    def close(self) -> None:
        """Write what the formatter still holds back (a table's last rows), then close."""
        try:
            for text in self.formatter.end():
                self.handle.write(text + "\n")
        finally:
            self.handle.close()


def _open(redirection: Redirection, session: CommandSession, files: list[_FileSink]) -> _FileSink:
    assert redirection.target is not None
    path = session.resolve_path(redirection.target)
    handle = open(path, "a" if redirection.append else "w", encoding="utf-8")  # noqa: SIM115
    sink = _FileSink(handle, session.width)
    files.append(sink)
    return sink


def _os_message(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return f"Could not find a part of the path '{os.path.abspath(error.filename or '')}'."
    if isinstance(error, IsADirectoryError):
        return f"Access to the path '{os.path.abspath(error.filename or '')}' is denied."
    if isinstance(error, PermissionError):
        return f"Access to the path '{os.path.abspath(error.filename or '')}' is denied."
    return error.strerror or str(error)
