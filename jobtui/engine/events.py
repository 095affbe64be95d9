"""What the engine tells its listeners. Listeners run on engine threads, never under the engine's
lock (see locking.py), and must return quickly: mark something dirty or post a message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from jobtui.engine.job import Job
from jobtui.engine.states import JobStateInfo


@dataclass(frozen=True)
class JobEvent:
    """Something happened to ``job``."""

    job: Job


@dataclass(frozen=True)
class JobAdded(JobEvent):
    """A top-level job was created."""


@dataclass(frozen=True)
class JobStateChanged(JobEvent):
    """A job (parent or child) changed state; PowerShell's StateChanged event."""

    previous: JobStateInfo
    current: JobStateInfo


@dataclass(frozen=True)
class JobOutputAdded(JobEvent):
    """New output arrived for a top-level job (one event per chunk read, not per line)."""


@dataclass(frozen=True)
class JobReceived(JobEvent):
    """Results of a top-level job were received (consumed or kept): HasMoreData may have changed."""


@dataclass(frozen=True)
class JobStatsUpdated(JobEvent):
    """CPU, memory or process counts of a top-level job were sampled again."""


@dataclass(frozen=True)
class JobInputClosed(JobEvent):
    """The standard input of a top-level job (or of its child) was closed."""


@dataclass(frozen=True)
class JobRetried(JobEvent):
    """A top-level job failed and will run again: a new attempt joined its ChildJobs."""

    attempt: Job
    delay: float


@dataclass(frozen=True)
class JobStatusChanged(JobEvent):
    """A top-level job's StatusMessage changed while its state did not (the jobs it waits for
    moved on): a front end that shows whom it waits for must hear of it."""


@dataclass(frozen=True)
class JobRemoved(JobEvent):
    """A top-level job was removed from the session."""


JobListener = Callable[[JobEvent], None]
