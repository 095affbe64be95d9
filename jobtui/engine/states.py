"""PowerShell's JobState, its groups, and the transitions a job may make."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class JobState(enum.IntEnum):
    """The states of a job; the numbers are PowerShell's public values."""

    NotStarted = 0
    Running = 1
    Completed = 2
    Failed = 3
    Stopped = 4
    Blocked = 5
    Suspended = 6
    Disconnected = 7
    Suspending = 8
    Stopping = 9
    AtBreakpoint = 10

    def __str__(self) -> str:
        return self.name

    def __format__(self, spec: str) -> str:
        return format(self.name, spec)

    @property
    def is_finished(self) -> bool:
        """Completed, Failed or Stopped: the job will never change again."""
        return self in FINISHED

    @property
    def is_persistent(self) -> bool:
        """A state that ends Wait-Job without -Force (finished, Suspended or Disconnected)."""
        return self in PERSISTENT

    @classmethod
    def parse(cls, text: str) -> JobState:
        """The state named by ``text``, in any case (as PowerShell's enum binding does)."""
        for state in cls:
            if state.name.lower() == text.strip().lower():
                return state
        names = ", ".join(s.name for s in cls)
        raise ValueError(f'Cannot convert value "{text}" to type JobState. Valid values: {names}.')


FINISHED = frozenset({JobState.Completed, JobState.Failed, JobState.Stopped})
PERSISTENT = FINISHED | {JobState.Suspended, JobState.Disconnected}

_S = JobState
#: Every legal move; anything else is a bug in the engine and raises.
TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    # NotStarted <-> Suspended: a job held in a scheduler's queue, and released.
    _S.NotStarted: frozenset({_S.Running, _S.Failed, _S.Stopped, _S.Stopping, _S.Suspended}),
    # Disconnected: a remote job whose connection dropped while it runs on (SSH); it comes
    # back Running, or in the final state it reached meanwhile.
    _S.Running: frozenset(
        {
            _S.Completed,
            _S.Failed,
            _S.Stopping,
            _S.Blocked,
            _S.Suspending,
            _S.AtBreakpoint,
            _S.Disconnected,
        }
    ),
    _S.Blocked: frozenset(
        {_S.Running, _S.Completed, _S.Failed, _S.Stopping, _S.Suspending, _S.Disconnected}
    ),
    _S.Suspending: frozenset({_S.Suspended, _S.Completed, _S.Failed, _S.Stopping}),
    _S.Suspended: frozenset(
        {_S.Running, _S.Completed, _S.Failed, _S.Stopping, _S.NotStarted, _S.Disconnected}
    ),
    _S.Stopping: frozenset({_S.Stopped, _S.Failed}),
    _S.AtBreakpoint: frozenset({_S.Running, _S.Stopping}),
    _S.Disconnected: frozenset({_S.Running, _S.Stopping, _S.Completed, _S.Failed}),
    _S.Completed: frozenset(),
    _S.Failed: frozenset(),
    _S.Stopped: frozenset(),
}


class InvalidJobStateTransition(RuntimeError):
    """Raised when the engine tries a move that TRANSITIONS forbids (a bug, never user input)."""


class JobFailure(Exception):
    """Why a job failed: the value of ``JobStateInfo.Reason``.

    It reads as a sentence a person understands; the parts are kept for programs.
    """

    def __init__(
        self,
        message: str,
        *,
        exit_code: int | None = None,
        signal_name: str | None = None,
        last_error_line: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.signal_name = signal_name
        self.last_error_line = last_error_line

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class JobStateInfo:
    """A job's state and, when an error caused it, the reason (``$job.JobStateInfo``)."""

    state: JobState
    reason: JobFailure | None = None

    def __str__(self) -> str:
        return self.state.name
