"""What running a line gives back: its printed lines, its errors, its jobs; and a wait request."""

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
class WaitRequest:
    """A Wait-Job line, resolved but not run, for a UI that waits in its own dialog."""

    jobs: list[Job]
    any: bool
    timeout: float | None  # seconds; None is forever
    force: bool
