"""One job on an SSH host, as the engine drives it; its host's backend does the talking."""

from __future__ import annotations

import base64
import logging
import threading
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from jobtui.engine.backend import Capabilities, StartRequest
from jobtui.engine.output import LineAssembler, OutputStore, Stream
from jobtui.engine.ssh.agent import AgentError, JobStatus
from jobtui.engine.ssh.transport import TransportError
from jobtui.engine.states import JobFailure, JobState

if TYPE_CHECKING:
    from jobtui.engine.job import Job
    from jobtui.engine.ssh.backend import SshBackend

log = logging.getLogger(__name__)

#: Seconds Send-JobInput waits for a job still starting on its host.
START_WAIT = 30.0
#: Where the agent keeps its jobs on the host (``remote_agent.state_root`` without XDG_STATE_HOME).
REMOTE_ROOT = "~/.local/state/jobtui/remote"
#: Signal numbers are the same on every Linux host; names for those a job commonly dies of.
_SIGNAL_NAMES = {1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 6: "SIGABRT", 9: "SIGKILL", 15: "SIGTERM"}


@dataclass
class SshDetails:
    """The SSH backend's record of a job: where it runs and how it ended."""

    host: str
    pid: int | None = None
    exit_code: int | None = None
    signal: str | None = None
    job_directory: str = ""

    def as_dict(self) -> dict[str, object]:
        """The fields by name, in the order above."""
        return asdict(self)


class SshRunner:
    """A remote job: started, polled, stopped and signalled by its host's backend."""

    capabilities: ClassVar[Capabilities] = Capabilities(suspend=True, input=True)

    def __init__(self, owner: SshBackend, job: Job, request: StartRequest) -> None:
        self.job = job
        self.backend = owner.name
        self.owner = owner
        self.request = request
        #: The job's directory name on the host: unique, and its tag for escapees.
        self.remote_name = job.instance_id.hex
        self.offsets = {Stream.Output: 0, Stream.Error: 0}
        self._assemblers = {Stream.Output: LineAssembler(), Stream.Error: LineAssembler()}
        self._details = SshDetails(owner.target.location)
        #: Started on the host (the agent answered with its pid).
        self.started = False
        #: Done: its final state is set and the engine told.
        self.ended = False
        self.suspended = False
        #: Started by an earlier session, and followed again by this one.
        self.readopted = False
        #: Ended before an earlier session did: its output is being read again.
        self.rereading = False
        self._end_lock = threading.Lock()
        self._input_closed = False
        #: Set once the host answered the start (started, or failed).
        self._settled = threading.Event()
        #: The CPU seconds and the time of the last statistics sample.
        self._last_cpu: tuple[float, float] | None = None
        #: A re-adopted job's Receive cursor (a byte offset), put back once its output is read
        #: again up to there.
        self._restore_cursor: int | None = None

    # -- the Runner protocol -------------------------------------------------------------------

    @property
    def accepts_input(self) -> bool:
        """True until the input is closed or the job ends; a job started with input given
        (-InputObject, a pipe) reads that to its end instead."""
        return (
            self.request.input is None
            and not self._input_closed
            and not self.ended
            and not self.rereading
        )

    @property
    def details(self) -> SshDetails:
        """Host, remote pid, exit code or signal."""
        return self._details

    def start(self) -> None:
        """Running at once, as PowerShell's remote jobs are while they connect; the backend's
        thread starts it on the host, or fails it with ssh's or the agent's words."""
        self.job.set_state(JobState.Running)
        self.owner.enqueue_start(self)

    def suspend(self) -> None:
        """SIGSTOP the job's process group on the host."""
        self.suspended = True
        self.owner.signal(self, "STOP")

    def resume(self) -> None:
        """SIGCONT the job's process group on the host."""
        self.suspended = False
        self.owner.signal(self, "CONT")

    def send_input(self, data: bytes) -> int:
        """Write to the job's input on the host (once it has started there)."""
        self._wait_started()
        try:
            return self.owner.agent.send_input(self.remote_name, data)
        except (TransportError, AgentError) as error:
            raise BrokenPipeError(str(error)) from None

    def close_input(self) -> None:
        """Close the job's input: a reader sees end of file."""
        if not self.accepts_input:
            return
        self._wait_started()
        self._input_closed = True
        try:
            self.owner.agent.send_input(self.remote_name, b"", close=True)
        except (OSError, TransportError, AgentError) as error:
            log.warning("closing the input of job %s failed: %s", self.job.id, error)

    @property
    def facts(self) -> list[tuple[str, str]]:
        """The detail screen's rows: where on the host the job runs."""
        details = self._details
        rows = [
            ("Host", details.host),
            ("RemotePid", "" if details.pid is None else str(details.pid)),
            ("RemoteDirectory", details.job_directory),
        ]
        return [(name, value) for name, value in rows if value]

    @property
    def remote_id(self) -> str:
        """The agent's name for the job: its directory on the host, and its tag there."""
        return self.remote_name

    @property
    def remote_record(self) -> dict[str, object]:
        """What a new session needs to follow the job again (the history keeps it as JSON):
        how to reach the host, and the job's name, directory and process group there."""
        target = self.owner.target
        return {
            "kind": "ssh",
            "host": target.host,
            "user": target.user,
            "port": target.port,
            "key_file": target.key_file,
            "options": [list(option) for option in target.options],
            "label": target.label,
            "name": self.remote_name,
            "directory": f"{REMOTE_ROOT}/{self.remote_name}",
            "pid": self._details.pid,
        }

    def adopted(self, pid: int | None, cwd: str | None, cursor: int, suspended: bool) -> None:
        """A job an earlier session started on the host, followed from now on: its output is
        read again from the start of its files there, and the Receive cursor ``cursor`` put
        back once that far is read."""
        self.started = self.readopted = True
        self._details.pid = pid
        self._details.job_directory = f"{REMOTE_ROOT}/{self.remote_name}"
        self.job.process.pid, self.job.process.cwd = pid, cwd
        self.suspended = suspended
        self._restore_cursor = cursor or None
        self._settled.set()

    def _wait_started(self) -> None:
        if not self._settled.wait(START_WAIT):
            raise BrokenPipeError(f"the job has not started on {self._details.host} yet")
        if not self.started:
            raise BrokenPipeError("the job did not start")

    # -- the backend's side --------------------------------------------------------------------

    def start_request(self) -> dict[str, Any]:
        """What the agent needs to start the job."""
        request = self.request
        command = request.command
        if request.initialization_script:
            command = f"{request.initialization_script}\n{command}"
        entry: dict[str, Any] = {
            "name": self.remote_name,
            "command": command,
            "cwd": request.cwd,
            "env": dict(request.environment),
            "args": list(request.argument_list),
            "fifo": request.input is None,
        }
        if request.input is not None:
            entry["input"] = base64.b64encode(request.input).decode()
        return entry

    def started_as(self, pid: int, cwd: str, shell: str) -> None:
        """The agent started the job as ``pid`` (its process group on the host), in ``cwd``
        with ``shell``."""
        self.started = True
        self._details.pid = pid
        self._details.job_directory = f"{REMOTE_ROOT}/{self.remote_name}"
        info = self.job.process
        info.pid, info.cwd, info.shell = pid, cwd, shell
        self._settled.set()

    @property
    def cursor(self) -> tuple[str, int, int]:
        """The job's name and the byte offsets of stdout and stderr read so far."""
        return self.remote_name, self.offsets[Stream.Output], self.offsets[Stream.Error]

    @property
    def store(self) -> OutputStore:
        store = self.job.output
        assert store is not None
        return store

    def absorb(self, status: JobStatus) -> bool:
        """Take a poll's news: new output, and the end when it came; True if it ended."""
        if self.rereading:
            return self._reread(status)
        now = time.time()
        wrote = self._take_output(status, now)
        if self._restore_cursor is not None and (
            status.missing or (status.status is not None and not status.more)
        ):
            self.store.restore_cursor(self._restore_cursor)  # less came back than was received
            self._restore_cursor = None
            wrote = True
        if wrote:
            self.owner.hooks.output(self.job)
        if status.stats is not None:
            self._sample(status.stats, now)
        if self.job.state is JobState.Disconnected:
            self.job.transition(JobState.Disconnected, JobState.Running)
            if self.suspended:
                self.job.transition(JobState.Running, JobState.Suspending)
                self.job.transition(JobState.Suspending, JobState.Suspended)
            self.job.status_message = ""
        if status.missing:
            gone = f"The job's directory on {self._details.host} is gone"
            if self.readopted:
                gone += (
                    ": it ended while no session followed it (its lease ran out), or it was "
                    "removed there"
                )
            self.finish(None, JobFailure(f"{gone}."))
            return True
        if status.status is None or status.more:
            return False
        kind, _, number = status.status.partition(" ")
        self.finish(kind, None, int(number) if number.isdigit() else None)
        return True

    def reread(self, cursor: int) -> None:
        """A job that had ended before the earlier session did: its output is read again from
        its directory on the host (kept there until Remove-Job), its state left as it was."""
        self.rereading = True
        self._restore_cursor = cursor or None
        self._details.job_directory = f"{REMOTE_ROOT}/{self.remote_name}"

    def _reread(self, status: JobStatus) -> bool:
        """Take what a poll read again of an ended job; True once all of it is back."""
        now = time.time()
        wrote = self._take_output(status, now)
        done = status.missing or not status.more
        if done:
            for stream, assembler in self._assemblers.items():
                rest = assembler.flush(final=True)
                if rest:
                    self._append(stream, rest, now)
            if self._restore_cursor is not None:
                self.store.restore_cursor(self._restore_cursor)
                self._restore_cursor = None
            self.store.close()
            self.ended = True
            self.rereading = False
            wrote = True
        if wrote:
            self.owner.hooks.output(self.job)
        return done

    def _take_output(self, status: JobStatus, now: float) -> bool:
        """Append a poll's output to the transcript (whole lines); True if any was added."""
        wrote = False
        for stream, data in ((Stream.Output, status.out), (Stream.Error, status.err)):
            assembler = self._assemblers[stream]
            self.offsets[stream] += len(data)
            ready = assembler.feed(data, now) if data else b""
            since = assembler.pending_since
            if since is not None and now - since >= LineAssembler.FLUSH_SECONDS:
                ready += assembler.flush()
            if ready:
                self._append(stream, ready, now)
                wrote = True
        return wrote

    def _append(self, stream: Stream, data: bytes, now: float) -> None:
        """Append to the transcript; a re-adopted job's Receive cursor is put back where it
        falls, cutting the bytes read again into a record before it and one after."""
        store, cursor = self.store, self._restore_cursor
        if cursor is not None and store.size < cursor <= store.size + len(data):
            cut = cursor - store.size
            store.append(stream, data[:cut], now)
            store.restore_cursor(cursor)
            self._restore_cursor = None
            data = data[cut:]
        store.append(stream, data, now)

    def _sample(self, stats: tuple[float, int, int], now: float) -> None:
        """CPU percent from the CPU seconds since the last sample; memory; process count."""
        seconds, rss, count = stats
        info = self.job.process
        before = (info.cpu_percent, info.memory_rss, info.process_count)
        if self._last_cpu is not None:
            spent, then = self._last_cpu
            if now > then:
                info.cpu_percent = round(max(seconds - spent, 0.0) / (now - then) * 100, 1)
        self._last_cpu = (seconds, now)
        info.memory_rss, info.process_count = rss, count
        self.owner.hooks.sampled(
            self.job, before != (info.cpu_percent, info.memory_rss, info.process_count)
        )

    def finish(
        self, kind: str | None, failure: JobFailure | None, number: int | None = None
    ) -> None:
        """Set the final state once: from the status file, or the failure given."""
        with self._end_lock:  # the backend's thread and a stop's may both get here
            if self.ended:
                return
            self.ended = True
            self._settled.set()
        now = time.time()
        for stream, assembler in self._assemblers.items():
            rest = assembler.flush(final=True)
            if rest:
                self.store.append(stream, rest, now)
        self.store.close()
        job = self.job
        if kind == "signal" and number is not None:
            self._details.signal = job.process.signal = _SIGNAL_NAMES.get(number, f"SIG{number}")
        elif kind == "exit" and number is not None:
            self._details.exit_code = job.process.exit_code = number
        if job.stop_requested:
            state, failure = job.stopped_outcome()
        elif failure is not None:
            state = JobState.Failed
        elif kind == "exit" and number == 0:
            state = JobState.Completed
        else:
            state, failure = JobState.Failed, self._failure(kind, number)
        job.set_state(state, failure)
        self.owner.hooks.finished(job)

    def _failure(self, kind: str | None, number: int | None) -> JobFailure:
        last = self.store.last_error_line
        tail = f": {last}" if last else "."
        if kind == "signal":
            name = self._details.signal or "a signal"
            return JobFailure(f"Terminated by {name}{tail}", signal_name=name, last_error_line=last)
        if number == 127:
            what = "Command not found (exit code 127)"
        elif number == 126:
            what = "Command not executable (exit code 126)"
        else:
            what = f"Exit code {number}"
        return JobFailure(f"{what}{tail}", exit_code=number, last_error_line=last)
