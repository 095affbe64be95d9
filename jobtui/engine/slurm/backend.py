"""The ``slurm`` Location: jobs submitted to a Slurm cluster through its own client commands.

One poll thread per cluster asks ``squeue --json`` once per tick for all of the session's jobs
(never once per job), and ``scontrol show job`` only for one squeue no longer lists. A job
Slurm has not finished when the session ends is cancelled, as PowerShell ends a session's jobs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from jobtui.engine.backend import Hooks, Runner, StartRequest
from jobtui.engine.errors import JobError, WorkingDirectoryNotFoundError
from jobtui.engine.job import Job
from jobtui.engine.slurm.client import SlurmClient, SlurmError
from jobtui.engine.slurm.files import OutputFiles
from jobtui.engine.slurm.resources import parse_resources
from jobtui.engine.slurm.runner import SlurmRunner
from jobtui.engine.slurm.status import SlurmStatus, from_show_job, from_squeue

if TYPE_CHECKING:
    from jobtui.engine.engine import JobEngine

log = logging.getLogger(__name__)

#: The Location name that needs no configuration.
SLURM = "slurm"
#: PSJobTypeName of a job on a cluster.
SLURM_JOB = "SlurmJob"
#: Seconds between two squeue calls while jobs are live: a ``true`` job takes about a second
#: from submit to COMPLETED on an idle cluster, and one squeue of 100 jobs about 10 ms.
POLL_INTERVAL = 0.25
#: The longest pause between two squeue calls while nothing changes: 1,000 jobs pending for
#: hours need not cost a squeue --json of them all four times a second (100 pending jobs cost
#: 7 % of a core at 0.25 s, measured).
MAX_POLL_INTERVAL = 2.0
#: Seconds Stop-Job waits for Slurm to confirm a cancel beyond the engine's grace.
CANCEL_CONFIRM = 10.0


def default_output_dir() -> str:
    """Where jobs' output files go unless configured: under the home directory, which a
    cluster's nodes share (``JOBTUI_SLURM_OUTPUT`` chooses another shared directory)."""
    return os.environ.get("JOBTUI_SLURM_OUTPUT") or os.path.expanduser("~/.jobtui/slurm")


class SlurmBackend:
    """Runs jobs on a Slurm cluster; its Location is ``name``."""

    job_type_name = SLURM_JOB

    def __init__(
        self,
        hooks: Hooks,
        *,
        name: str = SLURM,
        session_id: str,
        output_dir: str | None = None,
        env: dict[str, str] | None = None,
        poll_interval: float = POLL_INTERVAL,
    ) -> None:
        self.name = name
        self.session_id = session_id
        self.client = SlurmClient(env)
        self.output_dir = os.path.join(output_dir or default_output_dir(), session_id)
        self.poll_interval = poll_interval
        # The pause now: the base after any change, growing by half while nothing changes.
        self._interval = poll_interval
        self._hooks = hooks
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        #: Submitted jobs Slurm has not ended, by Slurm job id.
        self._live: dict[int, SlurmRunner] = {}
        #: Ended jobs whose files stay until Remove-Job or the end of the session.
        self._ended: list[SlurmRunner] = []
        self._thread: threading.Thread | None = None
        self._closed = False
        #: Why the last poll failed ("" when it worked): slurmctld down, a command missing.
        self.poll_error = ""

    # -- the Backend protocol -----------------------------------------------------------------

    def location(self, job_type: str) -> str:
        """A cluster job's Location is the location's name."""
        return self.name

    def working_directory(self, requested: str | None, default: str) -> str:
        """The directory the job starts in on its node (it must exist here: a shared FS)."""
        cwd = os.path.abspath(requested or default)
        if not os.path.isdir(cwd):
            raise WorkingDirectoryNotFoundError(requested or cwd)
        return cwd

    def create_runner(self, job: Job, request: StartRequest) -> Runner:
        """A runner that submits with sbatch when started; a bad -Resources is a JobError."""
        resources = parse_resources(request.resources)
        return SlurmRunner(
            job,
            request,
            resources,
            OutputFiles(self.output_dir, str(job.instance_id)),
            self,
            self._hooks.output,
            self._hooks.finished,
        )

    def stop_many(self, runners: Sequence[Runner], grace: float) -> None:
        """One scancel for all of them; block until Slurm says each ended."""
        mine = [r for r in runners if isinstance(r, SlurmRunner)]
        ids = [r.slurm_job_id for r in mine if r.slurm_job_id is not None and not r.done]
        for runner in mine:
            if runner.slurm_job_id is None and not runner.done:
                runner.finish(None, "")  # never submitted: it ends as stopped
        try:
            self._cancel(ids)
        except SlurmError as error:
            for runner in mine:
                if not runner.done:
                    runner.finish(None, f"Stop-Job could not cancel the job: {error}")
            return
        with self._wake:
            self._interval = self.poll_interval
            self._wake.notify_all()
        deadline = time.monotonic() + grace + CANCEL_CONFIRM
        for runner in mine:
            runner.job.finished.wait(max(deadline - time.monotonic(), 0))
        for runner in mine:
            if not runner.done:
                runner.finish(None, "Slurm did not confirm the cancel in time.")

    def close(self, grace: float) -> None:
        """Cancel what Slurm still runs for this session, stop polling, delete the files."""
        with self._wake:
            self._closed = True
            live = list(self._live.values())
            self._wake.notify_all()
        ids = [r.slurm_job_id for r in live if r.slurm_job_id is not None]
        try:
            self._cancel(ids)
        except SlurmError as error:
            log.warning("could not cancel Slurm jobs %s at the end: %s", ids, error)
        if self._thread is not None:
            self._thread.join(5.0)
        for runner in live:
            runner.finish(None, "The session ended; its Slurm job was cancelled.")
        directories = {self.output_dir}
        for runner in [*live, *self._ended]:
            runner.files.remove()
            directories.add(os.path.dirname(runner.files.stdout))  # an earlier session's
        # Left when not empty (a file a job wrote itself) or never made.
        for directory in directories:
            with contextlib.suppress(OSError):
                os.rmdir(directory)

    # -- submission -----------------------------------------------------------------------------

    def submit(self, runner: SlurmRunner) -> int:
        """sbatch the runner's script; the Slurm job id."""
        with self._lock:
            if self._closed:
                raise SlurmError("the session is ending")
        why = self.client.available()
        if why is not None:
            raise SlurmError(why)
        try:
            os.makedirs(self.output_dir, exist_ok=True)
            if runner.request.input is not None:
                with open(runner.files.stdin, "wb") as handle:
                    handle.write(runner.request.input)
        except OSError as error:
            raise SlurmError(
                f"the output directory {self.output_dir} cannot be written: "
                f"{error.strerror or error}"
            ) from None
        return self.client.submit(
            runner.sbatch_options(),
            runner.script(),
            env=runner.request.environment,
            cwd=runner.request.cwd,
        )

    def track(self, runner: SlurmRunner) -> None:
        """Follow a submitted job from the next poll on (the poll thread starts with the first)."""
        assert runner.slurm_job_id is not None
        with self._wake:
            self._live[runner.slurm_job_id] = runner
            self._interval = self.poll_interval
            self._ensure_thread()
            self._wake.notify_all()

    def _ensure_thread(self) -> None:
        """Start the poll thread unless it runs (called with the lock held)."""
        if self._thread is None and not self._closed:
            self._thread = threading.Thread(
                target=self._poll_loop, name=f"jobtui-slurm-{self.name}", daemon=True
            )
            self._thread.start()

    def status_changed(self, job: Job) -> None:
        """A job's StatusMessage (or its Slurm facts) changed: tell the engine."""
        self._hooks.sampled(job, True)

    def _adopted_runner(self, job: Job, remote: Mapping[str, object], cursor: int) -> SlurmRunner:
        stdout = str(remote.get("stdout") or "")
        directory = str(remote.get("directory") or os.path.dirname(stdout) or self.output_dir)
        stem = os.path.basename(stdout).removesuffix(".out") or str(job.instance_id)
        request = StartRequest(command=job.command, cwd=job.process.cwd or "")
        runner = SlurmRunner(
            job,
            request,
            parse_resources({}),
            OutputFiles(directory, stem),
            self,
            self._hooks.output,
            self._hooks.finished,
        )
        runner.adopted(remote, cursor)
        return runner

    def adopt(self, job: Job, remote: Mapping[str, object], cursor: int) -> SlurmRunner:
        """Follow a job an earlier session submitted (``remote`` is the record its runner
        kept), by its Slurm job id: the next poll finds it pending, running, or ended."""
        runner = self._adopted_runner(job, remote, cursor)
        if runner.slurm_job_id is None:
            raise JobError("The session ended before Slurm took the job; nothing of it ran.")
        job.status_message = f"Followed again as Slurm job {runner.slurm_job_id}."
        self.track(runner)
        return runner

    def restore_ended(self, job: Job, remote: Mapping[str, object], cursor: int) -> None:
        """Put back the output of a job that had ended before the session did, from its files
        (they stay until Remove-Job or the end of this session, as this session's own do)."""
        runner = self._adopted_runner(job, remote, cursor)
        runner.done = True
        job.runner = runner  # it only reads, and keeps the files in the history; no slot
        runner.read_output(final=True)
        with self._lock:
            self._ended.append(runner)
            self._ensure_thread()  # it deletes the files once the job is removed

    def hurry(self) -> None:
        """Poll soon at the base pace: a job was held, released or stopped."""
        with self._wake:
            self._interval = self.poll_interval
            self._wake.notify_all()

    def _cancel(self, ids: Sequence[int | None]) -> None:
        wanted = [i for i in ids if i is not None]
        if wanted:
            self.client.cancel(wanted)
            with self._lock:
                for job_id in wanted:
                    runner = self._live.get(job_id)
                    if runner is not None:
                        runner.cancel_sent = True

    # -- the poll -----------------------------------------------------------------------------

    def _poll_loop(self) -> None:
        while True:
            with self._wake:
                if not self._live and not self._closed:
                    # Nothing to follow: look for removed jobs' files once a second, else sleep.
                    self._wake.wait(1.0 if self._ended else None)
                if self._closed:
                    return
                idle = not self._live
            try:
                if idle:
                    self._tidy_removed()
                else:
                    self.poll()
            except Exception:  # one bad answer must not stop following every job
                log.exception("Slurm poll failed")
            if not idle:
                with self._wake:
                    self._wake.wait(self._interval)  # close(), a submit or a stop wake it

    def poll(self) -> None:
        """One squeue for every live job; move each, and tidy removed ones."""
        with self._lock:
            live = dict(self._live)
        self._tidy_removed()
        if not live:
            return
        try:
            listing = self.client.queue()
        except SlurmError as error:
            self._report_down(live.values(), str(error))
            return
        if self.poll_error:
            self.poll_error = ""
        statuses: dict[int, SlurmStatus] = {}
        for item in listing:
            status = from_squeue(item)
            if status is not None and status.job_id in live:
                statuses[status.job_id] = status
        orphans: list[int] = []
        moved = False
        for job_id, runner in live.items():
            status = statuses.get(job_id)
            if status is None:
                try:
                    status = self._show(job_id)
                except SlurmError as error:
                    self._report_down([runner], str(error))
                    continue
            if status is None:
                runner.finish(None, f"Slurm no longer knows job {job_id} (past its MinJobAge).")
            else:
                changed = runner.update(status)
                moved = moved or changed or runner.done
                if changed:
                    self._hooks.sampled(runner.job, True)
                if runner.job.state.is_finished and not runner.done and not runner.cancel_sent:
                    orphans.append(job_id)  # the engine stopped it while it was pending
            if runner.done:
                with self._lock:
                    self._live.pop(job_id, None)
                    self._ended.append(runner)
        self._interval = (
            self.poll_interval if moved else min(self._interval * 1.5, MAX_POLL_INTERVAL)
        )
        if orphans:
            try:
                self._cancel(orphans)
            except SlurmError as error:
                log.warning("could not cancel Slurm jobs %s: %s", orphans, error)

    def _show(self, job_id: int) -> SlurmStatus | None:
        """scontrol's word on a job squeue did not list; None if Slurm no longer knows it."""
        fields = self.client.show_job(job_id)
        return from_show_job(fields) if fields else None

    def _report_down(self, runners: Iterable[SlurmRunner], why: str) -> None:
        """squeue failed: each job says so (and keeps its state) until an answer comes."""
        self.poll_error = why
        for runner in runners:
            message = f"Slurm is not answering ({why}); the job's state is as last seen."
            if runner.job.status_message != message:
                runner.job.status_message = message
                self._hooks.sampled(runner.job, True)

    def _tidy_removed(self) -> None:
        with self._lock:
            gone = [r for r in self._ended if (r.job.parent or r.job).removed]
            self._ended = [r for r in self._ended if r not in gone]
        for runner in gone:
            runner.files.remove()


def readopt(engine: JobEngine, job: Job, remote: Mapping[str, object], cursor: int) -> str:
    """Follow a restored job on the cluster its record names (its Location added if need
    be), or put back the output of one that had ended; the Location's name. A JobError when
    it cannot be followed."""
    name = str(remote.get("location") or SLURM)
    found = next((n for n in engine.locations if n.lower() == name.lower()), None)
    if found is None:
        backend = engine.add_backend(
            lambda hooks: SlurmBackend(hooks, name=name, session_id=engine.session_id)
        )
        found = backend.name

    def adopt(backend: object) -> Runner:
        assert isinstance(backend, SlurmBackend)
        return backend.adopt(job, remote, cursor)

    if job.state.is_finished:
        ended = engine.backend(found)
        if isinstance(ended, SlurmBackend):
            ended.restore_ended(job, remote, cursor)
    else:
        engine.adopt_remote(job, found, adopt)
    return found


def slurm_location(name: str, session_id: str, hooks: Hooks) -> SlurmBackend:
    """The backend for a Location name, or a JobError when the name is no Slurm location."""
    if name.lower() != SLURM:
        raise JobError(f"There is no Slurm location named '{name}'.")
    return SlurmBackend(hooks, name=SLURM, session_id=session_id)
