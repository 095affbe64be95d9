"""A session of the command language: one engine, its variables, lines run one after another."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from jobtui.commands import completion
from jobtui.commands.context import Host
from jobtui.commands.errors import CommandError
from jobtui.commands.executor import Executor
from jobtui.commands.parser import is_complete, parse
from jobtui.commands.preflight import check_line
from jobtui.commands.results import CommandResult, OutputLine, WaitStarted
from jobtui.commands.session_control import SessionControl
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
        #: The host that serves this session (Disconnect-PSSession and the like ask it); None
        #: when the session is not hosted (it lives in the front end's own process).
        self.control: SessionControl | None = None

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
        on_wait: Callable[[WaitStarted], None] | None = None,
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

        ``on_wait`` hears when a Wait-Job begins to block (on this thread, after what was
        printed before it went to ``on_output``); ``CommandResult.wait`` says how it ended. A
        front end learns of a wait from the line as it runs: the line is parsed once.
        """
        host = Host(self.width, on_output, on_wait)
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

    def complete(self, text: str) -> list[str]:
        """Completions for ``text`` (the bar's content up to the cursor): cmdlet names and
        aliases, parameter names of the cmdlet being typed, job ids and names after
        -Id/-Name/-Job, variables after ``$``. Each candidate is the full replacement."""
        return completion.complete(self, text)


def _check_assignable(name: str) -> None:
    if name.lower() in READ_ONLY_VARIABLES:
        raise CommandError(
            "SessionStateUnauthorizedAccessException",
            f"Cannot overwrite variable {name} because it is read-only or constant.",
        )
