"""What running a line gives back: its printed lines, its errors, its jobs; and a wait request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from jobtui.engine import Job

LineKind = Literal["output", "error", "info"]


@dataclass(frozen=True)
class OutputLine:
    """One printed line (no newline).

    ``output`` is a result (a table row, a received stdout line, a value), ``error`` an error
    message or a received stderr line, ``info`` a notice from jobtui itself.
    """

    text: str
    kind: LineKind


@dataclass
class CommandResult:
    """Everything one line printed, formatted as PowerShell prints it, and what it produced."""

    lines: list[OutputLine] = field(default_factory=list)
    #: The one-line error messages (each also in ``lines``). A job's own stderr lines are
    #: printed as errors but are not errors of the command.
    errors: list[str] = field(default_factory=list)
    #: The jobs the line started or returned, in order, each once.
    jobs: list[Job] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        """False if any error happened."""
        return not self.errors


@dataclass(frozen=True)
class WaitRequest:
    """A Wait-Job line, resolved but not run, for a UI that waits in its own dialog."""

    jobs: list[Job]
    any: bool
    timeout: float | None  # seconds; None is forever
    force: bool
