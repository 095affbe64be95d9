"""A session of the command language: one engine, its variables, lines run one after another."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from jobtui.commands import completion
from jobtui.commands.binding import bind
from jobtui.commands.cmdlets import GET_JOB, WAIT_JOB
from jobtui.commands.context import Context, ErrorWriter, Host, StatementStatus
from jobtui.commands.errors import CommandError
from jobtui.commands.executor import Executor
from jobtui.commands.jobcmdlets import select_jobs, wait_timeout
from jobtui.commands.parser import is_complete, parse
from jobtui.commands.preflight import check_line
from jobtui.commands.registry import find_cmdlet
from jobtui.commands.results import CommandResult, OutputLine, WaitRequest
from jobtui.commands.syntax import (
    ArrayLiteral,
    CommandCall,
    CommandParameter,
    ExpandableString,
    IndexExpression,
    MemberExpression,
    Pipeline,
    SubExpression,
)
from jobtui.commands.values import PathInfo, to_string
from jobtui.engine import JobEngine

log = logging.getLogger(__name__)

#: Variables PowerShell defines itself; they cannot be assigned.
READ_ONLY_VARIABLES = frozenset({"true", "false", "?", "pid", "home", "pwd"})


class CommandSession:
    """One session of the command language over one JobEngine (variables persist across lines)."""

    def __init__(self, engine: JobEngine, *, width: int = 120) -> None:
        self.engine = engine
        #: The terminal width tables are formatted for.
        self.width = width
        #: The session's variables by name as first assigned ($job, $results...).
        self.variables: dict[str, object] = {}
        #: ``$env:NAME = value`` assignments of this session, given to every job it starts (the
        #: process's own environment is left alone).
        self.environment: dict[str, str] = {}
        #: Locations Set-Location left, newest last (``cd -`` goes back to them), and those
        #: ``cd -`` left (``cd +`` goes forward to them again).
        self.back_locations: list[str] = []
        self.forward_locations: list[str] = []
        self._last_succeeded = True

    # -- the location -----------------------------------------------------------------------

    @property
    def location(self) -> str:
        """The directory later jobs start in (Set-Location sets it): the engine's own."""
        return self.engine.working_directory

    def resolve_path(self, path: str) -> str:
        """``path`` made absolute: ``~`` expanded, a relative path taken against the location
        (``..`` resolved as written, symbolic links kept, as PowerShell does)."""
        return os.path.normpath(os.path.join(self.location, os.path.expanduser(path)))

    # -- variables --------------------------------------------------------------------------

    def get_variable(self, name: str) -> object:
        """A variable's value, in any case; automatic ones ($true, $null, $?, $env:X) too."""
        key = name.lower()
        if key.startswith("env:"):
            return self.environment.get(name[4:], os.environ.get(name[4:]))
        automatic: dict[str, Callable[[], object]] = {
            "true": lambda: True,
            "false": lambda: False,
            "null": lambda: None,
            "?": lambda: self._last_succeeded,
            "pid": os.getpid,
            "home": lambda: os.path.expanduser("~"),
            "pwd": lambda: PathInfo(self.location),
        }
        if key in automatic:
            return automatic[key]()
        for existing, value in self.variables.items():
            if existing.lower() == key:
                return value
        return None

    def lookup_variable(self, name: str) -> tuple[bool, object]:
        """``(True, value)`` if the variable is set (an automatic one, or assigned, even to
        $null), else ``(False, None)``: ``$using:`` needs the difference."""
        key = name.lower()
        if any(existing.lower() == key for existing in self.variables):
            return True, self.get_variable(name)
        value = self.get_variable(name)
        return value is not None, value

    def set_variable(self, name: str, value: object) -> None:
        """Assign a variable (``$null = ...`` discards, as in PowerShell)."""
        key = name.lower()
        if key == "?":
            self._last_succeeded = bool(value)
            return
        if key == "null":
            return
        if key in READ_ONLY_VARIABLES:
            raise CommandError(
                "SessionStateUnauthorizedAccessException",
                f"Cannot overwrite variable {name} because it is read-only or constant.",
            )
        if key.startswith("env:"):
            if value is None:
                self.environment.pop(name[4:], None)
            else:
                self.environment[name[4:]] = to_string(value)
            return
        for existing in list(self.variables):
            if existing.lower() == key:
                self.variables[existing] = value
                return
        self.variables[name] = value

    # -- running lines ----------------------------------------------------------------------

    def execute(
        self,
        line: str,
        *,
        on_output: Callable[[list[OutputLine]], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> CommandResult:
        """Run one line, or a text of several (a statement continued over lines, several
        statements), blocking: Wait-Job / Receive-Job -Wait block; ``cancel`` ends them early,
        as Ctrl+C does. Bad input never raises: it comes back as an error line, and nothing of
        the text runs. After ``exit`` nothing more runs and ``exit_requested`` is set.

        ``on_output`` receives batches of lines as they arrive (streamed while a blocking
        command runs, and in batches of at most 5,000 lines while a large output is printed);
        every printed line goes through it once before this returns. The result keeps only the
        last lines of a huge output (``CommandResult.truncated`` counts the others).
        """
        host = Host(self.width, on_output)
        try:
            try:
                script = parse(line)
                check_line(script)
                for statement in script.statements:
                    for part in statement.parts():
                        if part.assign_to is not None:
                            _check_assignable(part.assign_to.name)
            except CommandError as error:
                host.error(str(error))
                self._last_succeeded = False
            else:
                Executor(self, host, cancel).run(script)
        except Exception as error:  # a bug must not take the user's screen down with it
            log.exception("command line failed: %r", line)
            host.error(f"jobtui: internal error: {type(error).__name__}: {error}")
        return host.finish()

    def is_complete(self, text: str) -> bool:
        """Whether ``text`` is a whole statement, or needs more lines (an open brace, quote or
        parenthesis, a trailing backtick or ``|``), as PowerShell's ``>>`` prompt asks for them.
        A line with an error is complete: running it reports the error. A front end keeps an
        incomplete text as a continuation and runs it with :meth:`execute` once complete."""
        return is_complete(text)

    def wait_request(self, line: str) -> WaitRequest | None:
        """If ``line`` is a Wait-Job command (alone, or at the end of a pipeline that only
        selects jobs, such as ``Get-Job -State Running | Wait-Job -Any -Timeout 10``), resolve
        its jobs and parameters without waiting; else None. Raises CommandError for bad input.

        A line that would start jobs first (``Start-Job {...} | Wait-Job``), assign or redirect
        is not a wait request: run it with :meth:`execute`.
        """
        script = parse(line)
        check_line(script)
        if len(script.statements) != 1:
            return None
        statement = script.statements[0]
        body = statement.body
        if statement.assign_to is not None or statement.redirections or statement.chain:
            return None
        if not isinstance(body, Pipeline):
            return None
        last = body.elements[-1]
        if not isinstance(last, CommandCall) or find_cmdlet(last.name) is not WAIT_JOB:
            return None
        for element in body.elements:
            if isinstance(element, CommandCall):
                allowed = WAIT_JOB if element is last else GET_JOB
                if find_cmdlet(element.name) is not allowed:
                    return None
                if any(_has_subexpression(e) for e in element.elements):
                    return None
            elif _has_subexpression(element):
                return None
        host = Host(self.width)
        executor = Executor(self, host, None)
        upstream = Pipeline(body.elements[:-1])
        objects: list[object] | None = None
        if upstream.elements:
            objects = []
            executor.run_body(upstream, objects.append, _collect_errors(host), StatementStatus())
        bound = bind(last, executor.evaluate, has_input=objects is not None)
        if bound.has("Match"):
            return None  # waits for a line, not for the jobs to end: it runs as a line does
        context = Context(self, host, lambda _: None, _collect_errors(host), None)
        jobs = select_jobs(context, bound, objects)
        if host.result.errors:
            source, _, message = host.result.errors[0].partition(": ")
            raise CommandError(source, message)
        return WaitRequest(
            jobs=jobs,
            any=bound.switch("Any"),
            timeout=wait_timeout(bound),
            force=bound.switch("Force"),
        )

    def complete(self, text: str) -> list[str]:
        """Completions for ``text`` (the bar's content up to the cursor): cmdlet names and
        aliases, parameter names of the cmdlet being typed, job ids and names after
        -Id/-Name/-Job, variables after ``$``. Each candidate is the full replacement."""
        return completion.complete(self, text)


def _collect_errors(host: Host) -> ErrorWriter:
    def collect(text: str, counts: bool) -> None:
        if counts:
            host.error(text)

    return collect


def _check_assignable(name: str) -> None:
    if name.lower() in READ_ONLY_VARIABLES:
        raise CommandError(
            "SessionStateUnauthorizedAccessException",
            f"Cannot overwrite variable {name} because it is read-only or constant.",
        )


def _has_subexpression(item: object) -> bool:
    if isinstance(item, SubExpression):
        return True
    if isinstance(item, CommandParameter):
        return item.argument is not None and _has_subexpression(item.argument)
    if isinstance(item, ArrayLiteral):
        return any(_has_subexpression(i) for i in item.items)
    if isinstance(item, MemberExpression):
        return _has_subexpression(item.target)
    if isinstance(item, IndexExpression):
        return _has_subexpression(item.target) or _has_subexpression(item.index)
    if isinstance(item, ExpandableString):
        return any(_has_subexpression(p) for p in item.parts)
    return False
