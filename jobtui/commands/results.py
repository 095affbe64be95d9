"""What running a line gives back: its printed lines, its errors, its jobs, and how a wait went."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from jobtui.engine import Job, Stream


class LineKind(enum.StrEnum):
    """What a printed line is; the value is its name as a string, so ``kind == "error"`` holds.

    ``OUTPUT`` is a result (a table row, a received stdout line, a value), ``ERROR`` an error
    message or a received stderr line, ``INFO`` a notice from jobtui itself. ``ECHO`` is a line
    a front end echoes back as typed (``PS> Get-Job``); the language never prints one.
    """

    OUTPUT = "output"
    ERROR = "error"
    INFO = "info"
    ECHO = "echo"

    @classmethod
    def of_stream(cls, stream: Stream) -> LineKind:
        """The kind a job's received line prints as: stdout is output, stderr an error line."""
        return cls.ERROR if stream is Stream.Error else cls.OUTPUT


@dataclass(frozen=True)
class OutputLine:
    """One printed line (no newline), of a :class:`LineKind`."""

    text: str
    kind: LineKind


#: The most lines a result keeps: a huge output (Receive-Job of a million lines) keeps only its
#: last lines here; every line still goes through ``on_output`` as it is printed.
MAX_RESULT_LINES = 10_000


@dataclass
class CommandResult:
    """Everything one line printed, formatted as PowerShell prints it, and what it produced.

    ``lines`` may be truncated for huge outputs: it keeps the last :data:`MAX_RESULT_LINES`
    lines, and ``truncated`` counts those left out before them (they were handed to
    ``on_output`` while the line ran). Assigning (``$r = Receive-Job 1``) or redirecting
    (``> results.txt``) keeps everything in the variable or the file.
    """

    lines: list[OutputLine] = field(default_factory=list)
    #: The one-line error messages (each also in ``lines``, unless truncated away). A job's
    #: own stderr lines are printed as errors but are not errors of the command.
    errors: list[str] = field(default_factory=list)
    #: The jobs the line started or returned, in order, each once.
    jobs: list[Job] = field(default_factory=list)
    #: How many lines were left out of the front of ``lines`` (0: it holds every line).
    truncated: int = 0
    #: How the line's last Wait-Job ended, for a front end that shows the wait (None: no wait).
    wait: WaitOutcome | None = None
    #: ``exit`` ran, so the session ends with this status: ``exit 3`` gives 3, a bare ``exit``
    #: 0 if the statement before it succeeded, else 1. None: the session goes on.
    exit_code: int | None = None

    @property
    def succeeded(self) -> bool:
        """False if any error happened."""
        return not self.errors

    @property
    def exit_requested(self) -> bool:
        """Whether the line ran ``exit``: the front end ends the session (plain mode exits with
        :attr:`exit_code`; the app asks to quit, as ``q`` does)."""
        return self.exit_code is not None


@dataclass(frozen=True)
class WaitStarted:
    """A Wait-Job has begun to block: which jobs, and how (what a front end's view shows)."""

    job_ids: tuple[int, ...]
    any: bool
    timeout: float | None  # seconds; None is forever
    force: bool
    #: Wait-Job -Match's pattern: it waits for a line that matches, not for the jobs to end.
    match: str | None = None

    def line(self) -> str:
        """The Wait-Job line that waits the same way."""
        text = f"Wait-Job -Id {','.join(str(i) for i in self.job_ids)}"
        if self.any:
            text += " -Any"
        if self.timeout is not None:
            text += f" -Timeout {self.timeout:g}"
        if self.force:
            text += " -Force"
        if self.match is not None:
            text += " -Match '" + self.match.replace("'", "''") + "'"
        return text


class WaitEnd(enum.Enum):
    """How a Wait-Job ended."""

    #: Every job (or, with -Any, one) reached a persistent state.
    FINISHED = "finished"
    #: -Timeout passed first; the jobs go on.
    TIMED_OUT = "timed out"
    #: Ctrl+C (Esc in the app) ended it; the jobs go on.
    CANCELLED = "cancelled"
    #: A Blocked job would never finish without input (the deadlock error and its hint).
    BLOCKED = "blocked"


@dataclass(frozen=True)
class WaitOutcome:
    """How a Wait-Job ended, with the very lines it printed about it (its notices), so a view
    of the wait says what plain mode says."""

    started: WaitStarted
    end: WaitEnd
    #: The jobs it output (the finished ones), in input order.
    finished_ids: tuple[int, ...] = ()
    #: Its errors, warnings and notices, as printed (timeout text, Blocked hint, Suspended
    #: warning, cancel notice).
    notices: tuple[str, ...] = ()
