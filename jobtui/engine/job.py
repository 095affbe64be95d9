"""The job object: PowerShell's properties, its state machine and its children."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from jobtui.engine.options import JobOptions, Recipe, time_left
from jobtui.engine.output import OutputStore, Stream
from jobtui.engine.states import (
    TRANSITIONS,
    InvalidJobStateTransition,
    JobFailure,
    JobState,
    JobStateInfo,
)

if TYPE_CHECKING:
    from jobtui.engine.backend import Runner
    from jobtui.engine.throttle import Throttle

BACKGROUND_JOB = "BackgroundJob"
THREAD_JOB = "ThreadJob"
#: Invoke-Command -AsJob's PSJobTypeName: a parent with a child per computer.
REMOTE_JOB = "RemoteJob"

StateListener = Callable[["Job", JobStateInfo, JobStateInfo], None]

if TYPE_CHECKING:
    from jobtui.engine.progress import ProgressRecord


@dataclass
class ProcessInfo:
    """What a Unix user wants to know about a job's process beyond PowerShell's properties."""

    shell: str | None = None
    pid: int | None = None
    exit_code: int | None = None
    signal: str | None = None
    cwd: str | None = None
    environment: dict[str, str] = field(default_factory=dict)
    cpu_percent: float | None = None
    memory_rss: int | None = None
    process_count: int = 0

    def as_dict(self) -> dict[str, object]:
        """The fields by name, in the order above (the local backend's details record)."""
        return asdict(self)


class Job:
    """A job: a parent (the executive) or the child that runs the command.

    A Start-Job job is a parent with one child; the child holds the runner, the transcript and
    the failure Reason. A ThreadJob runs by itself and has no children.
    """

    def __init__(
        self,
        *,
        id: int,
        command: str,
        name: str | None = None,
        ps_job_type_name: str = "",
        location: str = "localhost",
        lock: AbstractContextManager[Any],
        on_state_changed: StateListener,
    ) -> None:
        self.id = id
        self.name = name if name is not None else f"Job{id}"
        self.instance_id = uuid.uuid4()
        self.ps_job_type_name = ps_job_type_name
        self.location = location
        self.command = command
        self.status_message = ""
        self.child_jobs: list[Job] = []
        #: The children run side by side (one per Location, as Invoke-Command's are), rather
        #: than one attempt after another.
        self.parallel_children = False
        self.parent: Job | None = None
        self.output: OutputStore | None = None
        self.runner: Runner | None = None
        self.process = ProcessInfo()
        self.ps_begin_time: datetime | None = None
        self.ps_end_time: datetime | None = None
        self.stop_requested = False
        #: Set when the engine stops the job for a reason of its own (its time limit): the job
        #: then ends Failed with this Reason rather than Stopped.
        self.stop_failure: JobFailure | None = None
        self.removed = False
        #: The jobs that must complete before this one runs (Start-Job -DependsOn).
        self.depends_on: list[Job] = []
        #: Time limit and retries (Start-Job -TimeoutSec, -MaximumRetryCount...).
        self.options = JobOptions()
        #: How the job was started, for Restart-Job (on a top-level job).
        self.recipe: Recipe | None = None
        #: The throttle whose queue holds this job while it waits for a slot.
        self.queued_in: Throttle | None = None
        #: The ticket it took when it joined that queue (meaningful while ``queued_in`` is set).
        self.queue_ticket: int | None = None
        #: The last progress parsed, with the transcript's size when it was parsed.
        self._progress: tuple[int, list[ProgressRecord]] = (-1, [])
        self.version = 0
        self._lock = lock
        self._on_state_changed = on_state_changed
        self._state_info = JobStateInfo(JobState.NotStarted)
        self._has_more_data_latched_false = False
        self.finished = threading.Event()

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.name!r} {self.state.name}>"

    # -- PowerShell's properties -------------------------------------------------------------

    @property
    def state(self) -> JobState:
        """``$job.State``."""
        return self._state_info.state

    @property
    def job_state_info(self) -> JobStateInfo:
        """``$job.JobStateInfo``: the state and, on a failed child, the Reason."""
        return self._state_info

    @property
    def has_more_data(self) -> bool:
        """True while the job runs or unread results remain (PowerShell's rule, per job kind)."""
        if self.output is not None:  # the job that runs the command
            if self.state is JobState.NotStarted:
                return False
            return self.output.has_more_data
        if self.state is JobState.NotStarted:
            return False
        if not self.state.is_finished:
            return True
        if self._has_more_data_latched_false:
            return False
        more = any(child.has_more_data for child in self.child_jobs)
        if not more:
            self._has_more_data_latched_false = True
        return more

    @property
    def executing_job(self) -> Job:
        """The job that runs the command: the last of ``ChildJobs`` for a BackgroundJob (its
        latest attempt, when it is retried), else itself."""
        return self.child_jobs[-1] if self.child_jobs else self

    @property
    def executing_jobs(self) -> list[Job]:
        """Every job that runs the command now: all children of a job that runs on many
        Locations at once, else the one :attr:`executing_job`."""
        return list(self.child_jobs) if self.parallel_children else [self.executing_job]

    @property
    def retries_left(self) -> int:
        """How many more times this job may run again after a failed attempt."""
        attempts = max(len(self.child_jobs), 1)
        return max(self.options.maximum_retry_count - (attempts - 1), 0)

    @property
    def queue_position(self) -> int | None:
        """1 for the next job to start when a throttle slot frees, 2 after it...; None when not
        queued (running, finished, or waiting for its dependencies)."""
        runner_job = self.executing_job
        throttle = runner_job.queued_in
        return None if throttle is None else throttle.position(runner_job)

    @property
    def time_left(self) -> timedelta | None:
        """What remains of the time limit (Start-Job -TimeoutSec) of the running attempt; the
        whole limit while it waits to start; None with no limit or once finished."""
        attempt = self.executing_job
        return time_left(
            (self.parent or self).options.timeout_sec,
            attempt.state is not JobState.NotStarted,
            attempt.state.is_finished,
            attempt.ps_begin_time,
            datetime.now(),
        )

    @property
    def progress(self) -> list[ProgressRecord]:
        """``$job.ChildJobs[0].Progress``: the progress the job's output shows now (its latest
        stream's last ``\r`` piece, parsed when asked, never as output arrives); empty for a
        parent, whose children hold it, as in PowerShell."""
        store = self.output
        if store is None:
            return []
        size, cached = self._progress
        # Parsed again only when output came: a pull reads it for every job that moved, and a
        # receive (which moves the job) adds no output.
        if size == store.size:
            return list(cached)
        # Loaded when first read: the parser's patterns cost start-up about 2 ms.
        from jobtui.engine.progress import TAIL_BYTES, parse_progress

        tails = sorted((store.tail(stream, TAIL_BYTES) for stream in Stream), reverse=True)
        for index, data in tails:
            if index >= 0:
                record = parse_progress(data.decode("utf-8", "replace"))
                if record is not None:
                    self._progress = (store.size, [record])
                    return [record]
        self._progress = (store.size, [])
        return []

    def stopped_outcome(self) -> tuple[JobState, JobFailure | None]:
        """The state a stopped job ends in: Failed with the engine's Reason (a time limit), or
        Stopped when a user stopped it."""
        if self.stop_failure is not None:
            return JobState.Failed, self.stop_failure
        return JobState.Stopped, None

    @property
    def reason(self) -> JobFailure | None:
        """Why the job failed, found where PowerShell keeps it (the child's JobStateInfo)."""
        return self.executing_job.job_state_info.reason

    @property
    def transcript(self) -> OutputStore | None:
        """The output of the command this job runs (received or not)."""
        return self.executing_job.output

    # -- state machine -----------------------------------------------------------------------

    def set_state(self, state: JobState, reason: JobFailure | None = None) -> bool:
        """Move to ``state``; False if already there. Illegal moves raise."""
        with self._lock:
            old = self._state_info
            if old.state is state:
                return False
            if state not in TRANSITIONS[old.state]:
                raise InvalidJobStateTransition(f"{self!r}: {old.state.name} -> {state.name}")
            now = datetime.now()
            if state is JobState.Running and self.ps_begin_time is None:
                self.ps_begin_time = now
            if state.is_finished:
                self.ps_end_time = now
                if self.ps_begin_time is None:
                    self.ps_begin_time = now
            new = JobStateInfo(state, reason)
            self._state_info = new
            self.version += 1
            self._on_state_changed(self, old, new)
            if self.parent is not None:
                self.parent.derive_state()
            # Last: whoever waits on a child (Stop-Job, Wait-Job) wakes to a parent that has
            # already taken its state from it.
            if state.is_finished:
                self.finished.set()
            return True

    def restore_state(
        self,
        state: JobState,
        reason: JobFailure | None,
        begin: datetime | None,
        end: datetime | None,
    ) -> None:
        """Take the state an earlier session recorded (no transition: nothing happened now)."""
        with self._lock:
            self._state_info = JobStateInfo(state, reason)
            self.ps_begin_time = begin
            self.ps_end_time = end
            self.version += 1
            if state.is_finished:
                self.finished.set()

    def transition(self, expected: JobState, state: JobState) -> bool:
        """Move from ``expected`` to ``state`` atomically; False if the job was elsewhere."""
        with self._lock:
            return self.state is expected and self.set_state(state)

    def derive_state(self) -> None:
        """A parent's state from its children's (PowerShell's PSRemotingJob rules)."""
        with self._lock:
            if self.state.is_finished or not self.child_jobs:
                return
            states = [child.state for child in self.child_jobs]
            if self.options.maximum_retry_count:
                # Attempts run one after another and each earlier one failed: the last decides.
                states = states[-1:]
                if states[0] is JobState.Failed and self.retries_left and not self.stop_requested:
                    states = [JobState.Running]  # the next attempt waits for its interval
            if all(s.is_finished or s is JobState.Disconnected for s in states):
                if JobState.Disconnected in states:
                    target = JobState.Disconnected
                elif JobState.Failed in states:
                    target = JobState.Failed
                elif self.stop_requested:  # PowerShell: a child stopped alone leaves it Completed
                    target = JobState.Stopped
                else:
                    target = JobState.Completed
            elif JobState.Blocked in states:
                target = JobState.Blocked
            elif JobState.Stopping in states and self.stop_requested:
                target = JobState.Stopping
            elif all(s is JobState.Suspended for s in states):
                target = JobState.Suspended
            elif JobState.Suspending in states:
                target = JobState.Suspending
            elif all(s is JobState.NotStarted for s in states):
                target = JobState.NotStarted
            else:
                target = JobState.Running
            if target is self.state:
                return
            attempts = len(self.child_jobs)
            if (
                attempts > 1
                and not self.parallel_children
                and target in (JobState.Completed, JobState.Failed)
            ):
                # Said before the state changes: whoever sees the end sees how it ended.
                self.status_message = (
                    f"Completed on attempt {attempts}."
                    if target is JobState.Completed
                    else f"Failed after {attempts} attempts."
                )
            self.set_state(target)

    def touch(self) -> None:
        """Note a change that is not a state change (new output, new statistics)."""
        self.version += 1

    def get_property(self, name: str) -> Any:
        """A property by its PowerShell name, in any case (``HasMoreData``, ``ChildJobs``...)."""
        attribute = PS_PROPERTIES.get(name.lower())
        if attribute is None:
            raise AttributeError(name)
        return attribute(self)


def _process(field_name: str) -> Callable[[Job], Any]:
    return lambda job: getattr(job.executing_job.process, field_name)


def _detail(key: str) -> Callable[[Job], Any]:
    """A field of the backend's record of the job (its runner's ``details``), or None."""

    def read(job: Job) -> Any:
        runner = job.executing_job.runner
        return None if runner is None else runner.details.as_dict().get(key)

    return read


#: PowerShell's property names (and jobtui's Unix additions), lower-cased, to their values.
PS_PROPERTIES: dict[str, Callable[[Job], Any]] = {
    "id": lambda j: j.id,
    "name": lambda j: j.name,
    "instanceid": lambda j: j.instance_id,
    "psjobtypename": lambda j: j.ps_job_type_name,
    "state": lambda j: j.state,
    "jobstateinfo": lambda j: j.job_state_info,
    "hasmoredata": lambda j: j.has_more_data,
    "statusmessage": lambda j: j.status_message,
    "location": lambda j: j.location,
    "command": lambda j: j.command,
    "childjobs": lambda j: j.child_jobs,
    "psbegintime": lambda j: j.ps_begin_time,
    "psendtime": lambda j: j.ps_end_time,
    "finished": lambda j: j.finished.is_set(),
    "dependson": lambda j: (j.parent or j).depends_on,
    "timeoutsec": lambda j: (j.parent or j).options.timeout_sec,
    "timeleft": lambda j: j.time_left,
    "maximumretrycount": lambda j: (j.parent or j).options.maximum_retry_count,
    "retryintervalsec": lambda j: (j.parent or j).options.retry_interval_sec,
    "queueposition": lambda j: j.queue_position,
    "progress": lambda j: j.progress,
    "pid": _process("pid"),
    "exitcode": _process("exit_code"),
    "signal": _process("signal"),
    "workingdirectory": _process("cwd"),
    "shell": _process("shell"),
    "slurmjobid": _detail("slurm_job_id"),
    "partition": _detail("partition"),
    "node": _detail("node"),
    "queuereason": _detail("queue_reason"),
}

#: The order Format-List shows properties in (PowerShell's, then jobtui's additions).
LIST_PROPERTIES = [
    "State", "HasMoreData", "StatusMessage", "Location", "Command", "JobStateInfo", "Finished",
    "InstanceId", "Id", "Name", "ChildJobs", "PSBeginTime", "PSEndTime", "PSJobTypeName",
    "Pid", "ExitCode", "Signal", "WorkingDirectory", "Shell",
]  # fmt: skip

#: jobtui's queue properties (Start-Job -DependsOn, -TimeoutSec, -MaximumRetryCount, the
#: background throttle): read by name (``$job.TimeLeft``, ``Format-Table Id,TimeLeft``), not part
#: of Format-List's default list.
QUEUE_PROPERTIES = [
    "DependsOn", "TimeoutSec", "TimeLeft", "MaximumRetryCount", "RetryIntervalSec",
    "QueuePosition",
]  # fmt: skip

#: A cluster job's scheduler properties (the Slurm job id, partition, node and queue reason):
#: read by name, and listed by Format-List after the others for a job that has them.
SCHEDULER_PROPERTIES = ["SlurmJobId", "Partition", "Node", "QueueReason"]
