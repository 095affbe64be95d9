"""One Slurm job: submitted with sbatch, moved through its states by the backend's poll.

The runner never polls itself: the backend's one ``squeue`` per tick hands each runner its
:class:`SlurmStatus`, and the runner moves the job (PENDING is NotStarted with the queue's
reason, RUNNING is Running, the end states map as :func:`status.outcome` says) and reads what
its output files gained.
"""

from __future__ import annotations

import os
import re
import shlex
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, ClassVar

from jobtui.engine.backend import Capabilities, StartRequest
from jobtui.engine.output import OutputStore, Stream
from jobtui.engine.slurm.client import SlurmError
from jobtui.engine.slurm.files import OutputFiles
from jobtui.engine.slurm.resources import Resources
from jobtui.engine.slurm.status import Phase, SlurmStatus, outcome, signal_name
from jobtui.engine.states import JobFailure, JobState

if TYPE_CHECKING:
    from jobtui.engine.job import Job
    from jobtui.engine.slurm.backend import SlurmBackend

#: The shell of the batch script: what a cluster's login shell almost always is.
SCRIPT_SHELL = "/bin/bash"

SUSPEND_REFUSAL = (
    "Slurm lets only an operator suspend a running job (scontrol suspend); a pending job can "
    "be held with Suspend-Job and released with Resume-Job"
)


#: The line slurmstepd adds to a job's stderr file when Slurm ends it (``slurmstepd-NODE: error:
#: *** JOB 12 ON NODE CANCELLED AT ... DUE TO TIME LIMIT ***``, or ``Detected 1 oom_kill event``):
#: the Reason says that in words already, and quotes the job's own last line instead.
_SLURMSTEPD_LINE = re.compile(r"^slurmstepd(-\S+)?: error: (\*\*\* |Detected \d+ oom)")
#: Records looked back through for the job's own last stderr line.
_LOOK_BACK = 64


def job_error_line(store: OutputStore) -> str | None:
    """The job's own last non-empty stderr line, passing over slurmstepd's notices."""
    count = store.record_count
    for index in range(count - 1, max(count - _LOOK_BACK, 0) - 1, -1):
        record = store.record(index)
        if record.stream is not Stream.Error:
            continue
        for line in reversed(record.lines()):
            text = line.strip()
            if text and not _SLURMSTEPD_LINE.match(text):
                return text[:500]
    return None


@dataclass
class SlurmDetails:
    """What a Slurm user wants to know of the job beyond PowerShell's properties."""

    slurm_job_id: int | None = None
    cluster: str = ""
    partition: str = ""
    node: str = ""
    slurm_state: str = ""
    queue_reason: str = ""
    exit_code: int | None = None
    signal: str | None = None
    stdout: str = ""
    stderr: str = ""
    sbatch_options: str = ""

    def as_dict(self) -> dict[str, object]:
        """The fields by name, in the order above."""
        return asdict(self)


class SlurmRunner:
    """Submits one command with sbatch and follows it until Slurm says it ended."""

    capabilities: ClassVar[Capabilities] = Capabilities(
        suspend=False, input=False, hold=True, suspend_refusal=SUSPEND_REFUSAL
    )

    def __init__(
        self,
        job: Job,
        request: StartRequest,
        resources: Resources,
        files: OutputFiles,
        owner: SlurmBackend,
        on_output: Callable[[Job], None],
        on_finished: Callable[[Job], None],
    ) -> None:
        self.job = job
        self.backend = owner.name
        self.request = request
        self.resources = resources
        self.files = files
        self._owner = owner
        self._on_output = on_output
        self._on_finished = on_finished
        self._details = SlurmDetails(
            stdout=files.stdout, stderr=files.stderr, sbatch_options=shlex.join(resources.options)
        )
        self._hold_at_submit = False
        self._finishing = threading.Lock()
        #: scancel was sent for it (by Stop-Job, or because the engine gave it up).
        self.cancel_sent = False
        self.done = False
        #: A re-adopted job's Receive cursor (a byte offset), put back once its output files
        #: are read again up to there.
        self._restore_cursor: int | None = None

    @property
    def facts(self) -> list[tuple[str, str]]:
        """The detail screen's rows: what Slurm says of the job, and what it asked for."""
        details = self._details
        rows = [
            ("SlurmJobId", "" if details.slurm_job_id is None else str(details.slurm_job_id)),
            ("Cluster", details.cluster),
            ("Partition", details.partition),
            ("Node", details.node),
            ("SlurmState", details.slurm_state),
            ("QueueReason", details.queue_reason),
            ("Resources", details.sbatch_options),
            ("StdoutFile", details.stdout),
            ("StderrFile", details.stderr),
        ]
        return [(name, value) for name, value in rows if value]

    @property
    def remote_id(self) -> str | None:
        """Slurm's job id, as the history keeps it (None until sbatch took the job)."""
        job_id = self.slurm_job_id
        return None if job_id is None else str(job_id)

    @property
    def remote_record(self) -> dict[str, object]:
        """What a new session needs to follow the job again (the history keeps it as JSON):
        the cluster's Location, the Slurm job id, the output files, and the -Resources asked
        for (so that Restart-Job of the restored job asks for them again)."""
        details = self._details
        return {
            "kind": "slurm",
            "location": self.backend,
            "job_id": details.slurm_job_id,
            "directory": os.path.dirname(self.files.stdout),
            "stdout": self.files.stdout,
            "stderr": self.files.stderr,
            "partition": details.partition,
            "node": details.node,
            "sbatch_options": details.sbatch_options,
            "resources": {
                str(key): value if isinstance(value, str | int | float | bool) else str(value)
                for key, value in self.request.resources.items()
            },
        }

    def adopted(self, remote: Mapping[str, object], cursor: int) -> None:
        """A job an earlier session submitted, followed again: its output files are read again
        from the start, and the Receive cursor ``cursor`` put back once that far is read."""
        job_id = remote.get("job_id")
        self._details.slurm_job_id = job_id if isinstance(job_id, int) else None
        for key in ("partition", "node", "sbatch_options"):
            value = remote.get(key)
            if isinstance(value, str):
                setattr(self._details, key, value)
        self._restore_cursor = cursor or None

    @property
    def slurm_job_id(self) -> int | None:
        """Slurm's id for the job, once sbatch took it."""
        return self._details.slurm_job_id

    @property
    def accepts_input(self) -> bool:
        """Never: a batch job's input is a file given at submission."""
        return False

    @property
    def details(self) -> SlurmDetails:
        """The Slurm job id, partition, node, state and queue reason."""
        return self._details

    # -- the Runner protocol --------------------------------------------------------------

    def start(self) -> None:
        """Submit with sbatch; the job stays NotStarted until Slurm runs it, or Fails at once
        with sbatch's message."""
        try:
            job_id = self._owner.submit(self)
        except SlurmError as error:
            self.done = True
            if self.job.output is not None:
                self.job.output.close()
            self.job.set_state(JobState.Failed, JobFailure(f"The job was not submitted: {error}"))
            self._on_finished(self.job)
            return
        self._details.slurm_job_id = job_id
        self.job.status_message = f"Submitted as Slurm job {job_id}."
        # A shown change, and the history's cue to keep the job id at once: a host restarted
        # a moment later finds the job by it.
        self._owner.status_changed(self.job)
        self._owner.track(self)

    def script(self) -> str:
        """The batch script: the initialization script, the arguments as $1..., the command."""
        lines = [f"#!{SCRIPT_SHELL}"]
        if self.request.argument_list:
            lines.append("set -- " + " ".join(shlex.quote(a) for a in self.request.argument_list))
        if self.request.initialization_script:
            lines.append(self.request.initialization_script)
        lines.append(self.request.command)
        return "\n".join(lines) + "\n"

    def sbatch_options(self) -> list[str]:
        """sbatch's options for this job: its name, directory, files and resources."""
        options = [
            f"--job-name={self.job.parent.name if self.job.parent else self.job.name}",
            f"--chdir={self.request.cwd}",
            f"--output={self.files.stdout}",
            f"--error={self.files.stderr}",
        ]
        if self.request.input is not None:
            options.append(f"--input={self.files.stdin}")
        if self._hold_at_submit:
            options.append("--hold")
        options.extend(self.resources.options)
        return options

    def hold(self) -> None:
        """scontrol hold (or sbatch --hold when not submitted yet)."""
        job_id = self.slurm_job_id
        if job_id is None:
            self._hold_at_submit = True
            return
        try:
            self._owner.client.hold(job_id)
        except SlurmError as error:
            raise JobFailure(f"Cannot hold Slurm job {job_id}: {error}") from None
        self._details.queue_reason = "JobHeldUser"
        self._owner.hurry()

    def suspend(self) -> None:
        """Never asked (``capabilities.suspend`` is False): see SUSPEND_REFUSAL."""
        raise JobFailure(
            f"Cannot suspend the job that has an ID of {self.job.id}: {SUSPEND_REFUSAL}."
        )

    def resume(self) -> None:
        """Release a held job (it is NotStarted again, pending in the queue)."""
        job_id = self.slurm_job_id
        if job_id is None:
            self._hold_at_submit = False
        else:
            try:
                self._owner.client.release(job_id)
            except SlurmError as error:
                raise JobFailure(f"Cannot release Slurm job {job_id}: {error}") from None
        self.job.transition(JobState.Suspended, JobState.NotStarted)
        self._owner.hurry()
        self.job.status_message = f"Released; Slurm job {job_id} is pending."

    def send_input(self, data: bytes) -> int:
        """Never asked: a batch job takes no input once submitted."""
        raise OSError("a Slurm job takes no input once submitted")

    def close_input(self) -> None:
        """Nothing to close: the input was a file."""

    # -- the backend's poll ---------------------------------------------------------------

    def update(self, status: SlurmStatus) -> bool:
        """Take Slurm's word for the job; True if something shown changed."""
        details = self._details
        before = (details.slurm_state, details.queue_reason, details.node, self.job.status_message)
        details.slurm_state = status.state
        details.partition = status.partition or details.partition
        details.node = status.nodes or details.node
        details.cluster = status.cluster or details.cluster
        details.queue_reason = status.reason if status.reason != "None" else ""
        job = self.job
        phase = status.phase
        if job.state.is_finished and phase is not Phase.FINISHED:
            return False  # the engine stopped it while pending: the backend cancels it
        if phase is Phase.PENDING:
            held = status.reason in ("JobHeldUser", "JobHeldAdmin")
            if held and job.state is JobState.NotStarted and not job.stop_requested:
                job.set_state(JobState.Suspended)
            elif not held and job.state is JobState.Suspended:
                job.set_state(JobState.NotStarted)
            reason = status.queue_reason
            job.status_message = (
                f"Pending as Slurm job {status.job_id}: {reason}."
                if reason
                else f"Pending as Slurm job {status.job_id}."
            )
        elif phase in (Phase.RUNNING, Phase.SUSPENDED):
            if job.state in (JobState.NotStarted, JobState.Suspended) and phase is Phase.RUNNING:
                job.set_state(JobState.Running)
            elif phase is Phase.SUSPENDED and job.state is JobState.Running:
                job.set_state(JobState.Suspending)
                job.set_state(JobState.Suspended)
            where = f" on {status.nodes}" if status.nodes else ""
            job.status_message = f"Slurm job {status.job_id} {status.state.lower()}{where}."
            self.read_output()
        else:
            self.finish(status)
        return before != (
            details.slurm_state,
            details.queue_reason,
            details.node,
            job.status_message,
        )

    def read_output(self, *, final: bool = False) -> None:
        """Read what the output files gained into the transcript."""
        store = self.job.output
        if store is None or store.closed:
            return
        added, placed = self.files.read_into(store, final=final, cursor=self._restore_cursor)
        if placed:
            self._restore_cursor = None
            added = True
        if added:
            self._on_output(self.job)

    def finish(self, status: SlurmStatus | None, why: str = "") -> None:
        """Slurm says the job ended (or no longer knows it: ``why``); set its final state."""
        with self._finishing:  # the poll and a Stop-Job that timed out may both get here
            if self.done:
                return
            self.done = True
        self.read_output(final=True)
        job = self.job
        if job.output is not None:
            job.output.close()
        last = job_error_line(job.output) if job.output is not None else None
        info = job.process
        if status is not None:
            self._details.exit_code = status.exit_code
            info.exit_code = status.exit_code
            if status.signal:
                self._details.signal = info.signal = signal_name(status.signal)
        if job.state.is_finished:  # the engine gave it up while it was pending
            self._on_finished(job)
            return
        failure: JobFailure | None
        if status is None:
            state, failure = JobState.Failed, JobFailure(why)
        else:
            state, failure = outcome(status, last)
        if job.stop_requested:
            state, failure = job.stopped_outcome()
            job.status_message = (
                f"Cancelled with scancel (Slurm job {self.slurm_job_id}): Slurm sends SIGTERM, "
                "then SIGKILL after its KillWait."
            )
        elif state is JobState.Stopped:
            # The whole job was cancelled, not one child alone (which would leave the parent
            # Completed by PowerShell's rule): the parent shows Stopped too.
            for each in (job, job.parent):
                if each is not None:
                    each.stop_requested = True
            job.status_message = (
                f"Slurm job {self.slurm_job_id} was cancelled outside jobtui "
                f"({status.state if status else 'CANCELLED'})."
            )
        if state in (JobState.Stopped, JobState.Failed) and job.state in (
            JobState.Running,
            JobState.Suspended,
            JobState.Blocked,
        ):
            if state is JobState.Stopped:
                job.set_state(JobState.Stopping)
        elif job.state is JobState.NotStarted and state is JobState.Completed:
            job.set_state(JobState.Running)  # it ran between two polls
        job.set_state(state, failure)
        self._on_finished(job)
