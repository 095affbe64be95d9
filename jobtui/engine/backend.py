"""What a kind of Location must do for the engine: the Backend and Runner protocols.

The engine keeps the jobs, their states and their transcripts; a backend makes them run
somewhere. ``localhost`` (``engine/local/``) runs process trees on this machine; a remote shell
or a batch scheduler would be one more backend beside it, with no change to the model. The
engine never tests a runner's class: it asks the runner's :class:`Capabilities` and properties.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    from jobtui.engine.job import Job

#: The Location a job starts at unless told otherwise: this machine.
LOCALHOST = "localhost"


@dataclass(frozen=True)
class Capabilities:
    """What a kind of runner can do at all (whether it can do it now is asked of the runner)."""

    #: Suspend-Job and Resume-Job work on it.
    suspend: bool = False
    #: It has a standard input that can be written and closed.
    input: bool = False
    #: A job still waiting in the backend's own queue can be held (Suspend-Job: Suspended)
    #: and released (Resume-Job: NotStarted again), as a batch scheduler's hold does.
    hold: bool = False
    #: Why it cannot suspend a running job, when it cannot: said in Suspend-Job's error.
    suspend_refusal: str = ""


@dataclass(frozen=True)
class StartRequest:
    """Everything Start-Job says about how to run one command, for the backend to carry out."""

    command: str
    #: The absolute working directory, as the backend's :meth:`Backend.working_directory` gave it.
    cwd: str
    environment: dict[str, str] = field(default_factory=dict)
    argument_list: Sequence[str] = ()
    #: Bytes written to the job's input, after which the input is closed.
    input: bytes | None = None
    initialization_script: str | None = None
    #: What the job asks of a scheduler (Start-Job -Resources: Partition, Cpus, Memory...);
    #: a backend with no scheduler is given none.
    resources: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Hooks:
    """How a backend tells the engine what happened; called on the backend's own threads."""

    #: New output arrived in the job's store.
    output: Callable[[Job], None]
    #: The runner is done (the job is finished): its throttle slot is free.
    finished: Callable[[Job], None]
    #: The job's statistics were sampled; True if what they show changed.
    sampled: Callable[[Job, bool], None]


class Details(Protocol):
    """A backend's own record of a job, beyond PowerShell's properties.

    For a local process: its pid, exit code, signal, working directory and shell. For a
    scheduler it would be a job id, a node and a queue state.
    """

    def as_dict(self) -> dict[str, object]:
        """The record's fields by name, in the order a person reads them."""
        ...


class Runner(Protocol):
    """The part of a job that executes; the engine drives it only through these calls.

    When it ends it sets the job's final state: a job the engine asked to stop
    (``job.stop_requested``) ends in ``job.stopped_outcome()``, which is Failed with the
    engine's Reason when the stop was the engine's own (a time limit), else Stopped. Then it
    calls the ``finished`` hook, which frees its throttle slot and plans a retry.
    """

    #: What this kind of runner can do.
    capabilities: ClassVar[Capabilities]
    #: The job it runs (the child of a BackgroundJob, or a ThreadJob itself).
    job: Job
    #: The name of the backend that made it: the key of its throttles and of stop-many.
    backend: str

    @property
    def accepts_input(self) -> bool:
        """True while input can still be sent to the job."""
        ...

    @property
    def details(self) -> Details:
        """The backend's record of the job (pid, signal, cwd... for a local process)."""
        ...

    def start(self) -> None:
        """Make the job run; it becomes Running, or Failed with why it could not start."""
        ...

    def suspend(self) -> None:
        """Pause every part of the job (only asked when ``capabilities.suspend``)."""
        ...

    def resume(self) -> None:
        """Continue a suspended job."""
        ...

    def send_input(self, data: bytes) -> int:
        """Write to the job's input; the bytes written (asked only while it accepts input)."""
        ...

    def close_input(self) -> None:
        """Close the job's input: a reader sees end of file."""
        ...


class HoldingRunner(Runner, Protocol):
    """A runner whose kind can hold a queued job (``capabilities.hold``)."""

    def hold(self) -> None:
        """Keep the queued job from starting; JobFailure (one line) if the queue refuses."""
        ...


class Backend(Protocol):
    """One kind of Location: how jobs there start, stop, pause, take input and are watched."""

    #: The Location name that ``JobEngine.start_job(location=...)`` selects it by.
    name: str

    def location(self, job_type: str) -> str:
        """What a job of ``job_type`` shows as its Location property."""
        ...

    def working_directory(self, requested: str | None, default: str) -> str:
        """The absolute directory a job will start in; WorkingDirectoryNotFoundError if none."""
        ...

    def create_runner(self, job: Job, request: StartRequest) -> Runner:
        """A runner for ``job``, not started yet (the engine starts it when the throttle allows)."""
        ...

    def stop_many(self, runners: Sequence[Runner], grace: float) -> None:
        """Stop many jobs together, in one sweep and one grace period; block until they end."""
        ...

    def close(self, grace: float) -> None:
        """The session ends (its jobs already stopped): release its threads, pipes and watchers."""
        ...
