"""What the UI reads of a job, as one flat record: a protocol that a live job and a snapshot fit.

The table and the formatting read a job's facts by these names, never through the live job's
handles (``executing_job.process``, ``transcript``). A frozen snapshot of a job with the same
property names fits :class:`JobRecord` as it is; a live :class:`~jobtui.engine.Job` fits through
:class:`LiveJob`, a thin view that reads the job when asked and copies nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol, TypeGuard, cast

from jobtui.engine import JobState

if TYPE_CHECKING:
    from jobtui.engine import Job


class ProgressLike(Protocol):
    """A progress record as the table reads it (the engine's ProgressRecord, or a snapshot's
    ProgressFacts)."""

    @property
    def activity(self) -> str: ...
    @property
    def status_description(self) -> str: ...
    @property
    def percent_complete(self) -> int: ...


class JobRecord(Protocol):
    """The facts of a top-level job that the table and the formatting read."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def state(self) -> JobState: ...
    @property
    def has_more_data(self) -> bool: ...
    @property
    def location(self) -> str: ...
    @property
    def command(self) -> str: ...
    @property
    def ps_job_type_name(self) -> str: ...
    @property
    def ps_begin_time(self) -> datetime | None: ...
    @property
    def ps_end_time(self) -> datetime | None: ...
    @property
    def pid(self) -> int | None: ...
    @property
    def exit_code(self) -> int | None: ...
    @property
    def signal(self) -> str | None: ...
    @property
    def cpu_percent(self) -> float | None: ...
    @property
    def memory_rss(self) -> int | None: ...
    @property
    def unread_lines(self) -> int:
        """Lines of output a receive without -Keep would still return."""
        ...

    @property
    def timeout_sec(self) -> float | None:
        """Start-Job -TimeoutSec: seconds an attempt may run."""
        ...

    @property
    def queue_ticket(self) -> int | None:
        """The ticket taken on joining a throttle's queue; None when not queued."""
        ...

    @property
    def queue_key(self) -> tuple[str, str] | None:
        """Which queue it waits in; None when not queued."""
        ...

    @property
    def waits_for(self) -> tuple[str, ...]:
        """Names of the jobs it still waits for (Start-Job -DependsOn), while NotStarted."""
        ...

    @property
    def progress(self) -> ProgressLike | None:
        """The latest progress its output shows."""
        ...

    def time_left_at(self, now: datetime) -> timedelta | None:
        """What remains of its time limit at ``now``."""
        ...

    @property
    def version(self) -> int:
        """Moves on whenever any fact above changed (a snapshot's version does)."""
        ...


def unread_lines(job: Job) -> int:
    """Lines of output a receive without -Keep would still return."""
    store = job.transcript
    if store is None:
        return 0
    cursor = store.cursor
    received = store.line_span(cursor - 1)[1] if cursor else 0
    return max(0, store.line_count - received)


class LiveJob:
    """A live job read as a :class:`JobRecord`: each fact is read from the job when asked.

    The process facts are those of the job that runs the command (``ChildJobs[0]`` of a
    BackgroundJob), as Get-Job's list shows them for the parent.
    """

    __slots__ = ("id", "job")

    def __init__(self, job: Job) -> None:
        self.job = job
        #: ``$job.Id`` (it never changes: read once).
        self.id = job.id

    def __repr__(self) -> str:
        return f"<LiveJob {self.job!r}>"

    @property
    def name(self) -> str:
        """``$job.Name``."""
        return self.job.name

    @property
    def state(self) -> JobState:
        """``$job.State``."""
        return self.job.state

    @property
    def has_more_data(self) -> bool:
        """``$job.HasMoreData``."""
        return self.job.has_more_data

    @property
    def location(self) -> str:
        """``$job.Location``."""
        return self.job.location

    @property
    def command(self) -> str:
        """``$job.Command``."""
        return self.job.command

    @property
    def ps_job_type_name(self) -> str:
        """``$job.PSJobTypeName``."""
        return self.job.ps_job_type_name

    @property
    def ps_begin_time(self) -> datetime | None:
        """``$job.PSBeginTime``."""
        return self.job.ps_begin_time

    @property
    def ps_end_time(self) -> datetime | None:
        """``$job.PSEndTime``."""
        return self.job.ps_end_time

    @property
    def pid(self) -> int | None:
        """The process id of the job's command."""
        return self.job.executing_job.process.pid

    @property
    def exit_code(self) -> int | None:
        """The command's exit code."""
        return self.job.executing_job.process.exit_code

    @property
    def signal(self) -> str | None:
        """The signal that ended the command (``SIGTERM``), if one did."""
        return self.job.executing_job.process.signal

    @property
    def cpu_percent(self) -> float | None:
        """CPU % of the command's whole process tree."""
        return self.job.executing_job.process.cpu_percent

    @property
    def memory_rss(self) -> int | None:
        """Resident memory of the command's process tree."""
        return self.job.executing_job.process.memory_rss

    @property
    def unread_lines(self) -> int:
        """Lines of output a receive without -Keep would still return."""
        return unread_lines(self.job)

    @property
    def timeout_sec(self) -> float | None:
        """Start-Job -TimeoutSec."""
        return self.job.options.timeout_sec

    @property
    def queue_ticket(self) -> int | None:
        """The queue ticket of the job that runs the command, while it is queued."""
        attempt = self.job.executing_job
        return attempt.queue_ticket if attempt.queued_in is not None else None

    @property
    def queue_key(self) -> tuple[str, str] | None:
        """Its queue: Location and type, as a snapshot names it."""
        job = self.job
        return None if self.queue_ticket is None else (job.location, job.ps_job_type_name)

    @property
    def waits_for(self) -> tuple[str, ...]:
        """Names of the dependencies not Completed yet, while it waits."""
        job = self.job
        if job.state is not JobState.NotStarted:
            return ()
        return tuple(d.name for d in job.depends_on if d.state is not JobState.Completed)

    @property
    def progress(self) -> ProgressLike | None:
        """The latest progress record of its command's output."""
        records = self.job.executing_job.progress
        return records[-1] if records else None

    def time_left_at(self, now: datetime) -> timedelta | None:
        """What remains of the running attempt's limit at ``now`` (``$job.TimeLeft``)."""
        from jobtui.engine import time_left

        attempt = self.job.executing_job
        state = attempt.state
        return time_left(
            self.job.options.timeout_sec,
            state is not JobState.NotStarted,
            state.is_finished,
            attempt.ps_begin_time,
            now,
        )

    @property
    def version(self) -> int:
        """The job's version plus its children's: each only grows, so the sum moves with any."""
        job = self.job
        children = job.child_jobs
        if len(children) == 1:  # a BackgroundJob: the commonest by far
            return job.version + children[0].version
        return job.version + sum(child.version for child in children)


class LiveJobs:
    """Live jobs as records, with one :class:`LiveJob` kept per job (none made per refresh)."""

    def __init__(self) -> None:
        self._views: dict[int, LiveJob] = {}

    def records(self, jobs: Iterable[Job | JobRecord]) -> list[JobRecord]:
        """``jobs`` as records: a live job through its view, a record as it is."""
        module = sys.modules.get("jobtui.engine.job")
        if module is None:  # no live job can exist yet: every one is a record (see is_live)
            return list(cast("Iterable[JobRecord]", jobs))
        job_class = module.Job
        views = self._views
        out: list[JobRecord] = []
        live = False
        for job in jobs:
            if isinstance(job, job_class):
                live = True
                view = views.get(job.id)
                if view is None or view.job is not job:
                    view = views[job.id] = LiveJob(job)
                out.append(view)
            else:
                out.append(cast("JobRecord", job))
        if live and len(views) > 2 * len(out) + 64:
            # Removed jobs' views go, now and then, not on every refresh.
            kept = {record.id for record in out}
            self._views = {jid: view for jid, view in views.items() if jid in kept}
        return out


def as_record(job: Job | JobRecord) -> JobRecord:
    """One job as a record (a view made for the occasion)."""
    return LiveJob(job) if is_live(job) else cast("JobRecord", job)


def is_live(job: Job | JobRecord) -> TypeGuard[Job]:
    """Whether ``job`` is the engine's own job rather than a record of one.

    Asked without loading the engine: the app attached to a host, and every first frame, hold
    records only, and no live job can exist before the engine's job module does.
    """
    module = sys.modules.get("jobtui.engine.job")
    return module is not None and isinstance(job, module.Job)
