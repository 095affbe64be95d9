"""What a front end may know of a job: a frozen copy of its properties, with no process handles.

The live :class:`~jobtui.engine.Job` keeps the runner, the pipes and the transcript store; a
:class:`JobSnapshot` keeps only values (pueue's ``State`` is the model: a state a client can hold
that owns nothing). It reads like a job (``executing_job``, ``process``, ``child_jobs``,
``get_property``), so the table, the detail screen and the formatting read either one the same
way, and it turns into a JSON-safe dict and back, so another process can send it.

:meth:`JobEngine.changes <jobtui.engine.JobEngine.changes>` hands out the snapshots of the jobs
that changed since a version, and the ids of those removed: a front end pulls only what moved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from jobtui.engine.options import time_left
from jobtui.engine.states import JobState

if TYPE_CHECKING:
    from jobtui.engine.job import Job
    from jobtui.engine.states import JobFailure

#: CPU and memory samples kept per job (the monitor samples about every 2 s: 4 minutes).
STATS_SAMPLES = 120


@dataclass(frozen=True, slots=True)
class FailureInfo:
    """Why a job failed (``JobStateInfo.Reason``), as values: what :class:`JobFailure` carries."""

    message: str
    exit_code: int | None = None
    signal_name: str | None = None
    last_error_line: str | None = None

    def __str__(self) -> str:
        return self.message

    @classmethod
    def of(cls, failure: JobFailure | None) -> FailureInfo | None:
        """The values of ``failure`` (None for None)."""
        if failure is None:
            return None
        return cls(failure.message, failure.exit_code, failure.signal_name, failure.last_error_line)


@dataclass(frozen=True, slots=True)
class StateInfo:
    """``$job.JobStateInfo`` as values: the state and, on a failed job, the Reason."""

    state: JobState
    reason: FailureInfo | None = None

    def __str__(self) -> str:
        return self.state.name


@dataclass(frozen=True, slots=True)
class StatsSample:
    """One sample of a job's process tree: what the detail screen's graphs draw."""

    cpu_percent: float
    memory_rss: int


@dataclass(frozen=True, slots=True)
class ProcessFacts:
    """The Unix facts of the process a job runs (what :class:`ProcessInfo` holds, as values)."""

    shell: str | None = None
    pid: int | None = None
    exit_code: int | None = None
    signal: str | None = None
    cwd: str | None = None
    cpu_percent: float | None = None
    memory_rss: int | None = None
    process_count: int = 0
    #: Whether the job's standard input is still open (Send-JobInput can write to it).
    stdin_open: bool = False


@dataclass(frozen=True, slots=True)
class OutputFacts:
    """The counters of a job's transcript: what a view's title and the detail's rows say."""

    size: int = 0
    line_count: int = 0
    #: Records a receive without -Keep would still return.
    unread_count: int = 0
    #: Lines of those records.
    unread_lines: int = 0
    lost_bytes: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ProgressFacts:
    """The latest progress record of a job's output (``$job.ChildJobs[0].Progress``), as values."""

    activity: str
    status_description: str
    #: 0 to 100; -1 when the output says how far but not of how much.
    percent_complete: int


@dataclass(frozen=True, slots=True)
class BackendFact:
    """One thing a job's Location knows of it beyond PowerShell's properties, as a detail
    screen row (``SlurmJobId``: ``12``)."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class DependencyFacts:
    """A job this one waits for (Start-Job -DependsOn), as it was when the snapshot was taken."""

    id: int
    name: str
    state: JobState


@dataclass(frozen=True, slots=True)
class JobSnapshot:
    """A job's properties at one moment; ``version`` moves whenever the job (or a child) moves."""

    id: int
    instance_id: str
    name: str
    ps_job_type_name: str
    state_info: StateInfo
    has_more_data: bool
    location: str
    command: str
    version: int
    status_message: str = ""
    ps_begin_time: datetime | None = None
    ps_end_time: datetime | None = None
    parent_id: int | None = None
    child_jobs: tuple[JobSnapshot, ...] = ()
    process: ProcessFacts = field(default_factory=ProcessFacts)
    #: The job's own transcript; None for a job that runs no command (a BackgroundJob's parent).
    output: OutputFacts | None = None
    #: CPU and memory samples of the job's process tree, oldest first (top-level jobs only).
    stats: tuple[StatsSample, ...] = ()
    #: Seconds an attempt may run (Start-Job -TimeoutSec); None: no limit.
    timeout_sec: float | None = None
    #: How many times a failed job runs again (Start-Job -MaximumRetryCount).
    maximum_retry_count: int = 0
    #: Its place in its throttle's queue when the snapshot was taken (1: next), None when not
    #: queued (``$job.QueuePosition``).
    queue_position: int | None = None
    #: The ticket it took when it joined the queue: later starts move every place behind them
    #: but change no ticket, so a front end orders the queue by tickets (see ``queue_key``).
    queue_ticket: int | None = None
    #: The jobs it waits for (top-level jobs only), in the order given.
    depends_on: tuple[DependencyFacts, ...] = ()
    #: The latest progress its output shows (top-level jobs: their command's), or None.
    progress: ProgressFacts | None = None
    #: What its Location knows of it beyond PowerShell's properties, as ``(name, value)``
    #: rows for the detail screen: a Slurm job's id, partition, node, state, reason and
    #: resources asked; an SSH job's host, pid and directory there. Empty for a local job.
    backend_facts: tuple[BackendFact, ...] = ()

    def __repr__(self) -> str:
        return f"<JobSnapshot {self.id} {self.name!r} {self.state.name} v{self.version}>"

    # -- what a job says, read the same way as on a live Job --------------------------------

    @property
    def state(self) -> JobState:
        """``$job.State``."""
        return self.state_info.state

    @property
    def job_state_info(self) -> StateInfo:
        """``$job.JobStateInfo``."""
        return self.state_info

    @property
    def finished(self) -> bool:
        """Whether the job has reached Completed, Failed or Stopped."""
        return self.state.is_finished

    @property
    def executing_job(self) -> JobSnapshot:
        """The job that runs the command: ``ChildJobs[0]`` for a BackgroundJob, else itself."""
        return self.child_jobs[0] if self.child_jobs else self

    @property
    def reason(self) -> FailureInfo | None:
        """Why the job failed, found where PowerShell keeps it (the child's JobStateInfo)."""
        return self.executing_job.state_info.reason

    @property
    def transcript(self) -> OutputFacts | None:
        """The counters of the transcript of the command this job runs."""
        return self.executing_job.output

    @property
    def pid(self) -> int | None:
        """The process id of the job's command (``ChildJobs[0]``'s for a BackgroundJob)."""
        return self.executing_job.process.pid

    @property
    def exit_code(self) -> int | None:
        """The exit code of the job's command."""
        return self.executing_job.process.exit_code

    @property
    def signal(self) -> str | None:
        """The signal that ended the job's command."""
        return self.executing_job.process.signal

    @property
    def cpu_percent(self) -> float | None:
        """CPU % of the job's process tree (last sample)."""
        return self.executing_job.process.cpu_percent

    @property
    def memory_rss(self) -> int | None:
        """Resident memory of the job's process tree (last sample)."""
        return self.executing_job.process.memory_rss

    @property
    def unread_lines(self) -> int:
        """Lines of output a receive without -Keep would still return."""
        transcript = self.transcript
        return 0 if transcript is None else transcript.unread_lines

    @property
    def accepts_input(self) -> bool:
        """Whether the job runs a process whose standard input is still open."""
        return not self.state.is_finished and self.executing_job.process.stdin_open

    @property
    def attempts(self) -> tuple[JobSnapshot, ...]:
        """The runs of the command, in order: a BackgroundJob's ChildJobs (one per retry)."""
        return self.child_jobs or (self,)

    @property
    def queue_key(self) -> tuple[str, str] | None:
        """Which queue the job waits in (its Location's, of its type), None when not queued."""
        return None if self.queue_ticket is None else (self.location, self.ps_job_type_name)

    @property
    def waiting_for(self) -> tuple[DependencyFacts, ...]:
        """The jobs it depends on that have not Completed yet (while it waits, NotStarted)."""
        if self.state is not JobState.NotStarted:
            return ()
        return tuple(dep for dep in self.depends_on if dep.state is not JobState.Completed)

    @property
    def waits_for(self) -> tuple[str, ...]:
        """The names of :attr:`waiting_for` (what the table says of a job that waits)."""
        return tuple(dep.name for dep in self.waiting_for)

    def time_left_at(self, now: datetime) -> timedelta | None:
        """What remains of the running attempt's time limit at ``now`` (``$job.TimeLeft``): the
        whole limit while it waits to start, None with no limit or once finished."""
        attempt = self.executing_job
        state = attempt.state
        return time_left(
            self.timeout_sec,
            state is not JobState.NotStarted,
            state.is_finished,
            attempt.ps_begin_time,
            now,
        )

    def get_property(self, name: str) -> Any:
        """A property by its PowerShell name, in any case (``HasMoreData``, ``ChildJobs``...)."""
        attribute = _PROPERTIES.get(name.lower())
        if attribute is None:
            raise AttributeError(name)
        return attribute(self)

    # -- to and from JSON-safe values --------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The snapshot as JSON-safe values (states by name, times in ISO format)."""
        reason = self.state_info.reason
        return {
            "id": self.id,
            "instance_id": self.instance_id,
            "name": self.name,
            "ps_job_type_name": self.ps_job_type_name,
            "state": self.state.name,
            "reason": None if reason is None else _fields(reason),
            "has_more_data": self.has_more_data,
            "location": self.location,
            "command": self.command,
            "version": self.version,
            "status_message": self.status_message,
            "ps_begin_time": _time_text(self.ps_begin_time),
            "ps_end_time": _time_text(self.ps_end_time),
            "parent_id": self.parent_id,
            "child_jobs": [child.to_dict() for child in self.child_jobs],
            "process": _fields(self.process),
            "output": None if self.output is None else _fields(self.output),
            "stats": [[s.cpu_percent, s.memory_rss] for s in self.stats],
            "timeout_sec": self.timeout_sec,
            "maximum_retry_count": self.maximum_retry_count,
            "queue_position": self.queue_position,
            "queue_ticket": self.queue_ticket,
            "depends_on": [[d.id, d.name, d.state.name] for d in self.depends_on],
            "progress": None if self.progress is None else _fields(self.progress),
            "backend_facts": [[fact.name, fact.value] for fact in self.backend_facts],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobSnapshot:
        """A snapshot from what :meth:`to_dict` made."""
        reason = data["reason"]
        output = data["output"]
        progress = data.get("progress")
        timeout = data.get("timeout_sec")
        return cls(
            id=int(data["id"]),
            instance_id=str(data["instance_id"]),
            name=str(data["name"]),
            ps_job_type_name=str(data["ps_job_type_name"]),
            state_info=StateInfo(
                JobState[data["state"]], None if reason is None else FailureInfo(**reason)
            ),
            has_more_data=bool(data["has_more_data"]),
            location=str(data["location"]),
            command=str(data["command"]),
            version=int(data["version"]),
            status_message=str(data["status_message"]),
            ps_begin_time=_parse_time(data["ps_begin_time"]),
            ps_end_time=_parse_time(data["ps_end_time"]),
            parent_id=data["parent_id"],
            child_jobs=tuple(cls.from_dict(child) for child in data["child_jobs"]),
            process=ProcessFacts(**data["process"]),
            output=None if output is None else OutputFacts(**output),
            stats=tuple(StatsSample(float(cpu), int(rss)) for cpu, rss in data["stats"]),
            # Read with defaults: a host of an older jobtui sends none of these.
            timeout_sec=None if timeout is None else float(timeout),
            maximum_retry_count=int(data.get("maximum_retry_count", 0)),
            queue_position=data.get("queue_position"),
            queue_ticket=data.get("queue_ticket"),
            depends_on=tuple(
                DependencyFacts(int(i), str(n), JobState[state])
                for i, n, state in data.get("depends_on", ())
            ),
            progress=None if progress is None else ProgressFacts(**progress),
            backend_facts=tuple(
                BackendFact(str(n), str(v)) for n, v in data.get("backend_facts", ())
            ),
        )


def snapshot_of(job: Job, stats: tuple[StatsSample, ...] = ()) -> JobSnapshot:
    """A snapshot of ``job`` and its children (the caller holds the engine's lock)."""
    info = job.process
    runner = job.runner
    store = job.output
    output = None
    if store is not None:
        cursor = store.cursor
        received = store.line_span(cursor - 1)[1] if cursor else 0
        output = OutputFacts(
            size=store.size,
            line_count=store.line_count,
            unread_count=store.unread_count,
            unread_lines=max(0, store.line_count - received),
            lost_bytes=store.lost_bytes,
            error=store.error,
        )
    return JobSnapshot(
        id=job.id,
        instance_id=str(job.instance_id),
        name=job.name,
        ps_job_type_name=job.ps_job_type_name,
        state_info=StateInfo(job.state, FailureInfo.of(job.job_state_info.reason)),
        has_more_data=job.has_more_data,
        location=job.location,
        command=job.command,
        # One version over parent and children: any of them moving moves it.
        version=job.version + sum(child.version for child in job.child_jobs),
        status_message=job.status_message,
        ps_begin_time=job.ps_begin_time,
        ps_end_time=job.ps_end_time,
        parent_id=None if job.parent is None else job.parent.id,
        child_jobs=tuple(snapshot_of(child) for child in job.child_jobs),
        process=ProcessFacts(
            shell=info.shell,
            pid=info.pid,
            exit_code=info.exit_code,
            signal=info.signal,
            cwd=info.cwd,
            cpu_percent=info.cpu_percent,
            memory_rss=info.memory_rss,
            process_count=info.process_count,
            stdin_open=runner is not None and runner.accepts_input,
        ),
        output=output,
        stats=stats,
        backend_facts=tuple(BackendFact(n, v) for n, v in getattr(runner, "facts", ())),
        **(_queue_facts(job) if job.parent is None else {}),
    )


def _queue_facts(job: Job) -> dict[str, Any]:
    """A top-level job's time limit, retries, queue place, dependencies and progress."""
    attempt = job.executing_job
    queued = attempt.queued_in is not None
    records = attempt.progress if attempt.output is not None and attempt.output.size else []
    record = records[-1] if records else None
    return {
        "timeout_sec": job.options.timeout_sec,
        "maximum_retry_count": job.options.maximum_retry_count,
        "queue_position": job.queue_position if queued else None,
        "queue_ticket": attempt.queue_ticket if queued else None,
        "depends_on": tuple(DependencyFacts(d.id, d.name, d.state) for d in job.depends_on),
        "progress": None
        if record is None
        else ProgressFacts(record.activity, record.status_description, record.percent_complete),
    }


def _fields(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}


def _time_text(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _process(field_name: str) -> Callable[[JobSnapshot], Any]:
    return lambda job: getattr(job.executing_job.process, field_name)


#: PowerShell's property names (and jobtui's Unix additions), lower-cased, to their values: the
#: same names as a live Job's (``jobtui.engine.job.PS_PROPERTIES``).
_PROPERTIES: dict[str, Callable[[JobSnapshot], Any]] = {
    "id": lambda j: j.id,
    "name": lambda j: j.name,
    "instanceid": lambda j: j.instance_id,
    "psjobtypename": lambda j: j.ps_job_type_name,
    "state": lambda j: j.state,
    "jobstateinfo": lambda j: j.state_info,
    "hasmoredata": lambda j: j.has_more_data,
    "statusmessage": lambda j: j.status_message,
    "location": lambda j: j.location,
    "command": lambda j: j.command,
    "childjobs": lambda j: list(j.child_jobs),
    "psbegintime": lambda j: j.ps_begin_time,
    "psendtime": lambda j: j.ps_end_time,
    "finished": lambda j: j.finished,
    "timeoutsec": lambda j: j.timeout_sec,
    "maximumretrycount": lambda j: j.maximum_retry_count,
    "queueposition": lambda j: j.queue_position,
    "pid": _process("pid"),
    "exitcode": _process("exit_code"),
    "signal": _process("signal"),
    "workingdirectory": _process("cwd"),
    "shell": _process("shell"),
}
