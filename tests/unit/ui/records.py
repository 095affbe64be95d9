"""A plain job record for the UI's models: what a frozen snapshot of a job looks like."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from jobtui.engine import JobState
from jobtui.engine.options import time_left
from jobtui.engine.progress import ProgressRecord

NOW = datetime(2026, 1, 2, 9, 30, 0)


@dataclass(frozen=True)
class Record:
    """A job's facts by the names the table reads (a :class:`~jobtui.ui.records.JobRecord`)."""

    id: int
    name: str = ""
    state: JobState = JobState.Completed
    has_more_data: bool = True
    location: str = "localhost"
    command: str = "true"
    ps_job_type_name: str = "BackgroundJob"
    ps_begin_time: datetime | None = None
    ps_end_time: datetime | None = None
    pid: int | None = None
    exit_code: int | None = 0
    signal: str | None = None
    cpu_percent: float | None = None
    memory_rss: int | None = None
    unread_lines: int = 0
    timeout_sec: float | None = None
    queue_ticket: int | None = None
    waits_for: tuple[str, ...] = ()
    progress: ProgressRecord | None = None
    version: int = 1

    @property
    def queue_key(self) -> tuple[str, str] | None:
        """Its queue (Location and type) while it holds a ticket."""
        return None if self.queue_ticket is None else (self.location, self.ps_job_type_name)

    def time_left_at(self, now: datetime) -> timedelta | None:
        """What remains of its time limit at ``now``."""
        return time_left(
            self.timeout_sec,
            self.state is not JobState.NotStarted,
            self.state.is_finished,
            self.ps_begin_time,
            now,
        )

    def moved(self, **changes: object) -> Record:
        """The same job a version later, with ``changes``."""
        return replace(self, version=self.version + 1, **changes)  # type: ignore[arg-type]


def record(job_id: int, **facts: object) -> Record:
    """A job with id ``job_id`` named ``Job<id>`` unless named otherwise."""
    facts.setdefault("name", f"Job{job_id}")
    return Record(job_id, **facts)  # type: ignore[arg-type]
