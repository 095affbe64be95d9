"""One SSH host as a Location: its jobs start, are polled and stop through one thread.

The backend's thread does the host's talking in batches: every start waiting is one agent
call, and one poll a quarter of a second reads the news of every job on the host (output from
each byte cursor, exit statuses) and renews their leases. A hundred jobs on a host cost one
ssh command per tick, not a hundred.

A poll that ssh cannot make (the connection dropped) makes the host's running jobs
Disconnected, with ssh's words as their StatusMessage; polls go on with a backoff, and the
first that gets through brings each job back Running, or in the final state it reached,
with the output it wrote meanwhile. The agent keeps them running for the lease's seconds
without a poll; after that (jobtui is gone) it ends them, so nothing is left on the host.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence

from jobtui.engine.backend import Hooks, Runner, StartRequest
from jobtui.engine.job import Job
from jobtui.engine.ssh.agent import Agent, AgentError, JobStatus
from jobtui.engine.ssh.runner import SshRunner
from jobtui.engine.ssh.target import SshTarget
from jobtui.engine.ssh.transport import Transport, TransportError
from jobtui.engine.states import JobFailure, JobState

log = logging.getLogger(__name__)

#: Seconds between polls while the host's jobs are quiet; after a start or any news the next
#: poll comes after FIRST_POLL, and the gap doubles up to POLL_INTERVAL while nothing happens.
POLL_INTERVAL = 0.25
FIRST_POLL = 0.02
#: The longest wait between polls while the host cannot be reached.
MAX_BACKOFF = 5.0
#: Seconds a remote job runs on without a poll before the agent ends it (jobtui is gone).
DEFAULT_LEASE = 30.0
#: Seconds between samples of the jobs' CPU and memory (as the local monitor's default).
STATS_INTERVAL = 2.0
#: Bytes of each stream one poll brings back per job: a flood cannot make one poll long.
#: A poll's output is stored piece by piece as it comes (agent.PIECE), never held whole.
POLL_LIMIT = 16 << 20
#: The limit while the last poll left output unread: a flood of 78 MB takes one ssh command
#: and one python3 on the host instead of five (0.99 s to capture it became about 0.7 s).
BEHIND_LIMIT = 128 << 20

_FAILURES = (TransportError, AgentError)


class _Unreachable(Exception):
    """A poll could not reach the host."""


class SshBackend:
    """The Location of one SSH host (``Invoke-Command -HostName``, ``ssh://host``)."""

    def __init__(
        self,
        hooks: Hooks,
        target: SshTarget,
        *,
        config_file: str | None = None,
        lease: float = DEFAULT_LEASE,
        poll_interval: float = POLL_INTERVAL,
        keep_ended: bool = False,
    ) -> None:
        self.name = target.key
        self.target = target
        self.hooks = hooks
        self.lease = lease
        self.poll_interval = poll_interval
        self.agent = Agent(Transport(target, config_file=config_file))
        self._cond = threading.Condition()
        self._pending: list[SshRunner] = []
        self._live: list[SshRunner] = []
        #: With ``keep_ended`` (a session whose jobs a restarted host must find again), an
        #: ended job's directory stays on the host until Remove-Job or the end of the session.
        self.keep_ended = keep_ended
        self._ended: list[SshRunner] = []
        # Held while a start is on its way: a stop waits for it, then finds the job started.
        self._starting = threading.Lock()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._sampled_at = 0.0
        #: The last poll left output unread on the host.
        self._more = False
        #: ssh's words when the last poll could not reach the host; None while it can.
        self._unreachable: str | None = None

    # -- the Backend protocol ------------------------------------------------------------------

    def location(self, job_type: str) -> str:
        """The host, as PowerShell shows a remote job's computer."""
        return self.target.location

    def working_directory(self, requested: str | None, default: str) -> str:
        """The directory as given, checked by the host when the job starts; the remote
        user's home when none is given (this machine's directory means nothing there)."""
        return requested or ""

    def create_runner(self, job: Job, request: StartRequest) -> Runner:
        """A runner that the backend's thread starts on the host."""
        return SshRunner(self, job, request)

    def stop_many(self, runners: Sequence[Runner], grace: float) -> None:
        """One agent call stops them all (TERM, the grace, KILL); block until each has ended."""
        mine = [r for r in runners if isinstance(r, SshRunner)]
        with self._starting:
            with self._cond:
                unstarted = [r for r in mine if r in self._pending]
                self._pending = [r for r in self._pending if r not in unstarted]
            for runner in unstarted:
                runner.finish(None, None)
            started = [r for r in mine if r.started and not r.ended]
            if started and self._unreachable is not None:
                # The last poll could not reach the host: trying again would hold the stop
                # (and a quit) for ssh's connect timeout.
                self._stopped_unreachable(started, self._unreachable)
            elif started:
                try:
                    self.agent.stop([r.remote_name for r in started], grace)
                except _FAILURES as error:
                    self._stopped_unreachable(started, str(error))
        self._wake()
        for runner in started:
            runner.job.finished.wait(grace + 10)

    def close(self, grace: float) -> None:
        """End the thread and the shared connection (the engine stopped the jobs already)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=grace + 10)
        with self._cond:
            kept, self._ended = self._ended, []
        self.agent.remove_later([r.remote_name for r in kept])
        try:
            self.agent.remove([])  # what finished jobs left, if no call took it yet
        except _FAILURES as error:
            log.warning("could not remove finished jobs on %s: %s", self.target.host, error)
        self.agent.transport.close()

    # -- what runners ask ----------------------------------------------------------------------

    def enqueue_start(self, runner: SshRunner) -> None:
        """Start ``runner``'s job with the next batch."""
        with self._cond:
            if self._closed:
                closed = True
            else:
                closed = False
                self._pending.append(runner)
                self._ensure_thread()
                self._cond.notify_all()
        if closed:
            runner.finish(None, JobFailure("The session is closing."))

    def adopt(self, job: Job, remote: Mapping[str, object], cursor: int) -> SshRunner:
        """Follow a job an earlier session started on this host (``remote`` is the record its
        runner kept): its next poll renews its lease, reads its output again from the start,
        and finds it running, ended meanwhile, or gone. A job that had ended only has its
        output read again."""
        request = StartRequest(command=job.command, cwd=job.process.cwd or "")
        runner = SshRunner(self, job, request)
        name = remote.get("name")
        if isinstance(name, str) and name:
            runner.remote_name = name
        pid = remote.get("pid")
        if job.state.is_finished:
            runner.reread(cursor)
        else:
            runner.adopted(
                pid if isinstance(pid, int) else None,
                job.process.cwd,
                cursor,
                job.state is JobState.Suspended,
            )
        with self._cond:
            if not self._closed:
                self._live.append(runner)
                self._ensure_thread()
                self._cond.notify_all()
        return runner

    def signal(self, runner: SshRunner, signal_name: str) -> None:
        """STOP or CONT a started job's process group (at once, from the caller's thread)."""
        with self._starting:
            started = runner.started and not runner.ended
        if not started:
            return
        try:
            self.agent.signal([runner.remote_name], signal_name)
        except _FAILURES as error:
            log.warning("SIG%s to job %s failed: %s", signal_name, runner.job.id, error)
            runner.job.status_message = str(error)

    # -- the thread ----------------------------------------------------------------------------

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"jobtui-ssh-{self.target.host}", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        wait = FIRST_POLL
        while True:
            with self._cond:
                while not self._closed and not self._pending and not self._live:
                    self._cond.wait()
                if self._closed:
                    return
                pending, self._pending = self._pending, []
            try:
                if pending:
                    self._start(pending)
                news = self._poll() if self._live else False
                reached = True
            except _Unreachable:
                reached = news = False
            except Exception:
                # A bug must not leave every job of the host unwatched: say it, go on.
                log.exception("the SSH backend of %s failed a round", self.target.host)
                reached = news = False
            if not reached:
                wait = min(max(wait, self.poll_interval) * 2, MAX_BACKOFF)
            elif self._more:
                continue  # output is waiting on the host: read on at once
            elif news or pending:
                wait = FIRST_POLL
            else:
                wait = min(wait * 2, self.poll_interval)
            with self._cond:
                if not self._pending and not self._closed:
                    self._cond.wait(wait)

    def _start(self, pending: list[SshRunner]) -> None:
        with self._starting:
            try:
                answers = self.agent.start([r.start_request() for r in pending], self.lease)
            except _FAILURES as error:
                for runner in pending:
                    runner.finish(None, JobFailure(str(error), last_error_line=str(error)))
                return
            for runner, answer in zip(pending, answers, strict=False):
                pid = answer.get("pid")
                if pid is None:
                    runner.finish(None, JobFailure(str(answer.get("error") or "did not start")))
                    continue
                runner.started_as(int(pid), str(answer.get("cwd")), str(answer.get("shell")))
                with self._cond:
                    self._live.append(runner)

    def _poll(self) -> bool:
        """Read every live job's news; True if there was any. _Unreachable when the host
        could not be reached (its jobs are Disconnected then)."""
        with self._cond:
            live = [r for r in self._live if not r.ended]
        now = time.monotonic()
        stats = now - self._sampled_at >= STATS_INTERVAL
        if stats:
            self._sampled_at = now
        ended: list[SshRunner] = []
        wrote = [False]

        def take(index: int, status: JobStatus) -> None:
            wrote[0] = wrote[0] or bool(status.out or status.err)
            if live[index].absorb(status):
                ended.append(live[index])

        limit = BEHIND_LIMIT if self._more else POLL_LIMIT
        try:
            statuses = self.agent.poll([r.cursor for r in live], limit, stats=stats, take=take)
        except _FAILURES as error:
            self._unreachable = str(error)
            self._more = False
            self._forget_ended(ended)
            self._disconnected(live, str(error))
            raise _Unreachable from None
        self._unreachable = None
        news = wrote[0] or any(s.status or s.missing for s in statuses)
        self._more = any(s.more for s in statuses)
        self._forget_ended(ended)
        self._tidy_removed()
        return news

    def _forget_ended(self, ended: list[SshRunner]) -> None:
        """Jobs a poll found ended leave the polls; their directories go with the next call."""
        if ended:
            with self._cond:
                self._live = [r for r in self._live if not r.ended]
            # Their directories go with the next call (a start or a poll), not one of their own:
            # a call of its own delayed the next job's start by a round trip.
            if self.keep_ended:
                with self._cond:
                    self._ended.extend(ended)
            else:
                self.agent.remove_later([r.remote_name for r in ended])

    def _tidy_removed(self) -> None:
        """The directories of kept ended jobs that were removed go with the next call."""
        with self._cond:
            gone = [r for r in self._ended if (r.job.parent or r.job).removed]
            self._ended = [r for r in self._ended if r not in gone]
        if gone:
            self.agent.remove_later([r.remote_name for r in gone])

    def _disconnected(self, live: list[SshRunner], why: str) -> None:
        for runner in live:
            job = runner.job
            if job.state in (JobState.Running, JobState.Blocked, JobState.Suspended):
                job.status_message = why
                job.set_state(JobState.Disconnected)

    def _stopped_unreachable(self, runners: list[SshRunner], why: str) -> None:
        """The host cannot be reached to stop them: Stopped here; their lease ends them there."""
        for runner in runners:
            runner.job.status_message = (
                f"{why}; the job ends on {self.target.host} when its lease of "
                f"{self.lease:g} s runs out."
            )
            runner.finish(None, None)
        with self._cond:
            self._live = [r for r in self._live if not r.ended]
