"""A persistent session: jobs that outlive the process that started them, and their history.

Every shell job runs under a monitor of its own (``engine/local/jobmonitor.py``) that writes its
transcript and exit status to ``<state dir>/jobs/<InstanceId>/``, and every job's record is kept
in ``<state dir>/history.db`` (``data/history.py``). Opening the session again on the same state
directory (after the session host was killed, or upgraded) puts every job back:

- a job that had ended is listed as it ended, with its output, its Reason and its Receive cursor;
- a job whose monitor still runs is Running again, followed from where its transcript is;
- a job whose monitor recorded the end meanwhile takes its final state (and exit code) from it;
- a job whose monitor is gone without a word is Failed, and the Reason says what was lost (the
  machine was rebooted, or the monitor died);
- a job that had not started yet (queued, or waiting for another) is Failed: nothing of it ran;
- a job on another machine (an SSH host, a Slurm cluster) is followed again there by its
  Location's backend, from what its record keeps (the host and the agent's job name, or the
  Slurm job id and output files): its output is read again from the start, and an SSH job's
  lease (30 s without a poll) is renewed by the new host's first poll.

Records are written off the hot path: engine events only mark a job dirty, and one thread writes
the dirty jobs in one transaction, at once after a job is added, changes state or is removed (a
crash right after Start-Job must not lose it), else (new output, a receive) at most every
``WRITE_DELAY`` seconds. Ids continue from the
store's counter, so an id is never given twice.

Ending the session normally (:meth:`LocalService.shutdown`) stops every job, as PowerShell ends a
session's jobs; only a session that is dropped (its process killed) leaves them running.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import threading
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from jobtui.data.history import HistoryStore, JobRecord
from jobtui.data.paths import HISTORY_NAME, JOBS_NAME
from jobtui.engine import JobEngine, JobState, OutputStore
from jobtui.engine.backend import LOCALHOST
from jobtui.engine.errors import JobError
from jobtui.engine.events import (
    JobAdded,
    JobEvent,
    JobRemoved,
    JobStateChanged,
    JobStatsUpdated,
)
from jobtui.engine.job import BACKGROUND_JOB, REMOTE_JOB, Job
from jobtui.engine.local.jobfiles import Found, JobFiles
from jobtui.engine.local.jobmonitor import INDEX, MONITOR, TRANSCRIPT
from jobtui.engine.local.monitored import runaway_note
from jobtui.engine.options import Recipe
from jobtui.engine.states import JobFailure

log = logging.getLogger(__name__)

#: The longest a changed record waits before it is written.
WRITE_DELAY = 0.5
#: How often changes a failed write kept are tried again.
RETRY_DELAY = 5.0
NOT_STARTED = "The session ended before the job started; nothing of it ran."
THREAD_LOST = "The session ended while the job ran in it; its output was not kept."
UNREADABLE = (
    "Its monitor's record is in a format this jobtui cannot read (written by a newer one?)."
)
#: How many lost jobs the notice names before it counts the rest.
LOST_NAMED = 5


@dataclass
class _Dirty:
    """What the writer owes the store."""

    jobs: dict[int, Job] = field(default_factory=dict)
    removed: dict[int, Job] = field(default_factory=dict)
    urgent: bool = False


class Persistence:
    """The history of one persistent session: restores it on open, writes it as it changes."""

    def __init__(
        self, engine: JobEngine, state_dir: Path, *, disk_budget: int | None = None
    ) -> None:
        self.engine = engine
        self.state_dir = state_dir
        #: Bytes of transcripts kept in all (None: no budget); past it the oldest finished
        #: transcripts are dropped first.
        self.disk_budget = disk_budget
        # Transcript bytes of finished jobs (they no longer grow), and what the budget dropped.
        self._sizes: dict[int, int] = {}
        self._dropped: dict[int, int] = {}
        # The remote ids of each job's children last seen (see _remote_id_moved).
        self._remote_ids: dict[int, tuple[str | None, ...]] = {}
        #: One line for each problem with the history (a corrupt file moved aside...), said once.
        self.notices: list[str] = []
        self._taken = 0
        #: The jobs found lost while restoring: (name, why), said in one notice.
        self._lost: list[tuple[str, str]] = []
        self._cond = threading.Condition()
        self.store = HistoryStore(state_dir / HISTORY_NAME, on_notice=self._notice)
        self._dirty = _Dirty()
        self._writing = threading.Lock()  # the store has one writer at a time
        self._closed = False
        self._restore()
        self._unsubscribe = engine.subscribe(self._on_event)
        if self._dirty.jobs:  # jobs found without a record: written by the first write
            with self._cond:
                self._cond.notify()
        self._thread = threading.Thread(target=self._run, name="jobtui-history", daemon=True)
        self._thread.start()

    def _notice(self, text: str) -> None:
        with self._cond:  # the history's writer may say one while a front end takes them
            self.notices.append(text)
        log.warning("%s", text)

    def take_notices(self) -> list[str]:
        """The notices not taken yet (each is taken once: the first front end says it)."""
        with self._cond:
            taken, self._taken = self.notices[self._taken :], len(self.notices)
        return taken

    # -- restoring ------------------------------------------------------------------------

    def _restore(self) -> None:
        records = self.store.load()
        by_id = {record.id: record for record in records}
        for record in records:
            if record.parent_id is None:
                children = [by_id[c] for c in record.child_ids if c in by_id]
                try:
                    self._restore_top(record, children)
                except (OSError, ValueError) as exc:
                    self._notice(f"job {record.id} could not be restored: {exc}")
        if self._lost:
            self._notice(lost_notice(self._lost))
        known = {Path(r.transcript).name for r in records if r.transcript}
        next_id = self.store.next_id
        for job_dir in sorted(self._job_dirs(), key=lambda d: d.stat().st_mtime):
            if job_dir.name not in known:
                next_id = self._adopt_unrecorded(job_dir, next_id)
        self.engine.continue_ids(next_id)

    def _job_dirs(self) -> list[Path]:
        root = self.engine.job_root
        try:
            return [d for d in root.iterdir() if d.is_dir()] if root is not None else []
        except OSError:
            return []

    def _adopt_unrecorded(self, job_dir: Path, next_id: int) -> int:
        """A job whose monitor started but whose record was never written (the host died
        within milliseconds of Start-Job): listed again with new ids, never left running
        unseen. Returns the next free id."""
        try:
            instance_id = uuid.UUID(job_dir.name)
        except ValueError:
            return next_id
        files = JobFiles(job_dir)
        info = files.monitor_info()
        if info is None:
            if files.exit_status() is None:
                shutil.rmtree(job_dir, ignore_errors=True)  # nothing of it ever ran
            return next_id
        argv = info.command
        command = argv[2] if len(argv) > 2 and argv[1] == "-c" else " ".join(argv)
        engine = self.engine
        top = engine.restore_job(
            id=next_id,
            instance_id=uuid.uuid4(),
            name=f"Job{next_id}",
            command=command,
            location=LOCALHOST,
            type_name=BACKGROUND_JOB,
            state=JobState.Running,
            begin_time=info.begin_time,
        )
        child = engine.restore_job(
            id=next_id + 1,
            instance_id=instance_id,
            name=f"Job{next_id + 1}",
            command=command,
            location=LOCALHOST,
            type_name="",
            state=JobState.Running,
            begin_time=info.begin_time,
            parent=top,
        )
        record = JobRecord(
            id=child.id,
            instance_id=str(instance_id),
            name=child.name,
            command=command,
            location=LOCALHOST,
            state=JobState.Running,
            transcript=str(job_dir),
        )
        self._restore_output(child, record, JobState.Running)
        self._dirty.jobs[top.id] = top
        self._dirty.urgent = True
        return next_id + 2

    def _restore_top(self, record: JobRecord, children: list[JobRecord]) -> None:
        engine = self.engine
        type_name = record.type_name or (BACKGROUND_JOB if children else "ThreadJob")
        top_state = record.state
        plans = [self._plan(child, record.name) for child in children]
        if not children and not record.state.is_finished:
            top_state = JobState.Failed
            self._lost.append(
                (record.name, NOT_STARTED if record.state is JobState.NotStarted else THREAD_LOST)
            )
        elif any(not state.is_finished for state, _ in plans):
            top_state = _unfinished_top(plans)
        elif not record.state.is_finished:
            top_state = JobState.Failed
        top = engine.restore_job(
            id=record.id,
            instance_id=uuid.UUID(record.instance_id),
            name=record.name,
            command=record.command,
            location=record.location,
            type_name=type_name,
            state=top_state,
            reason=record.reason if children else _reason(record, top_state, THREAD_LOST),
            begin_time=record.begin_time,
            end_time=record.end_time,
        )
        if children:
            # Enough for Restart-Job: the command, its name and directory (the history keeps
            # no environment additions, arguments or input).
            top.recipe = Recipe(
                command=record.command,
                name=None if record.name == f"Job{record.id}" else record.name,
                working_directory=children[-1].cwd or engine.working_directory,
                job_type=BACKGROUND_JOB,
                location=LOCALHOST,
            )
        if not children:
            top.process.cwd = record.cwd
            top.output = OutputStore(memory_limit=engine.memory_limit, spill_dir=engine.spill_dir)
            top.output.close()
            return
        remote_locations: list[str] = []
        remote_resources: dict[str, object] = {}
        for child, (state, reason) in zip(children, plans, strict=True):
            job = engine.restore_job(
                id=child.id,
                instance_id=uuid.UUID(child.instance_id),
                name=child.name,
                command=child.command,
                location=child.location,
                type_name="",
                state=state,
                reason=reason,
                begin_time=child.begin_time,
                end_time=child.end_time,
                parent=top,
            )
            job.process.cwd = child.cwd
            job.process.exit_code = child.exit_code
            job.process.signal = child.signal
            if child.dropped_bytes:
                kept = child.transcript and (Path(child.transcript) / TRANSCRIPT).exists()
                if not kept:  # the budget dropped it all (a runaway keeps its head and tail)
                    self._dropped[job.id] = child.dropped_bytes
                note = runaway_note if kept else dropped_note
                top.status_message = note(child.dropped_bytes)
            if child.remote is not None:
                remote_locations.append(self._restore_remote(job, child))
                remote_resources = _asked_resources(child.remote)
            else:
                self._restore_output(job, child, state)
        if remote_locations:
            _remote_recipe(top, type_name, remote_locations, remote_resources)
        top.derive_state()

    def _plan(self, child: JobRecord, name: str) -> tuple[JobState, str | None]:
        """The state a child is restored in: as recorded if it had ended, else Running (to be
        adopted), or Failed when nothing of it can be found. A job lost meanwhile is noted
        under its top job's ``name``, for the notice."""
        if child.state.is_finished:
            return child.state, child.reason
        if child.remote is not None:
            return _plan_remote(child)
        if child.transcript is None:  # not run by a monitor: a built-in, on the host's thread
            reason = NOT_STARTED if child.state is JobState.NotStarted else THREAD_LOST
            self._lost.append((name, reason))
            return JobState.Failed, reason
        adoption = JobFiles(Path(child.transcript)).adopt()
        if adoption.found is Found.LOST:
            reason = adoption.reason or "it was lost"
            if adoption.info is None:
                if child.state is JobState.NotStarted:
                    reason = NOT_STARTED  # queued, or the host died as it started it
                elif (Path(child.transcript) / MONITOR).exists():
                    reason = UNREADABLE
            self._lost.append((name, reason))
            if adoption.info is None:  # nothing to follow: Failed now (else as it ran)
                return JobState.Failed, reason
        if adoption.found is Found.RUNNING and child.state is JobState.Suspended:
            return JobState.Suspended, None
        return JobState.Running, None

    def _restore_output(self, job: Job, record: JobRecord, state: JobState) -> None:
        engine = self.engine
        store = job.output = OutputStore(
            memory_limit=engine.memory_limit, spill_dir=engine.spill_dir
        )
        files = JobFiles(Path(record.transcript)) if record.transcript else None
        cursor = 0
        if files is not None and files.dir.is_dir():
            with contextlib.suppress(OSError, ValueError):  # else the store keeps a copy
                store.attach_file(str(files.dir / TRANSCRIPT))
            with contextlib.suppress(FileNotFoundError):  # the disk budget dropped it
                cursor = files.append_to(store, 0)
        store.restore_cursor(record.receive_cursor)
        if state.is_finished or files is None:
            store.close()
            return
        adoption = files.adopt()
        assert adoption.info is not None
        # Followed like a job this session started: a dead monitor is found at once, and the
        # job ends as its exit.json says, or Failed with what was lost.
        engine.adopt_running(job, adoption.info, cursor)

    def _restore_remote(self, job: Job, record: JobRecord) -> str:
        """Put back a job that ran on another machine (an SSH host, a cluster) and, unless it
        had ended, follow it again there through its Location's backend; the backend's name
        (its Location's, or "" when it could not be followed, and the job Failed)."""
        engine = self.engine
        job.output = OutputStore(memory_limit=engine.memory_limit, spill_dir=engine.spill_dir)
        try:
            remote = json.loads(record.remote or "")
            if not isinstance(remote, dict):
                raise ValueError("not an object")
            kind = remote.get("kind")
            if kind == "ssh":
                from jobtui.engine import ssh

                return ssh.readopt(engine, job, remote, record.receive_cursor)
            if kind == "slurm":
                from jobtui.engine import slurm

                return slurm.readopt(engine, job, remote, record.receive_cursor)
            raise ValueError(f"no Location of the kind {kind!r}")
        except (JobError, ValueError) as error:  # a TargetError is a ValueError
            job.output.close()
            if not job.state.is_finished:
                why = f"This session could not follow the job at {job.location} again: {error}"
                job.set_state(JobState.Failed, JobFailure(why))
            return ""

    # -- writing --------------------------------------------------------------------------

    def _on_event(self, event: JobEvent) -> None:
        top = event.job.parent or event.job
        # A Slurm job id arrives with no event of its own: kept at once (see _remote_id_moved).
        remote_moved = isinstance(event, JobStatsUpdated) and self._remote_id_moved(top)
        if isinstance(event, JobStatsUpdated) and not remote_moved:
            return
        with self._cond:
            if isinstance(event, JobRemoved):
                self._dirty.jobs.pop(top.id, None)
                self._dirty.removed[top.id] = top
                self._dirty.urgent = True
            else:
                self._dirty.jobs[top.id] = top
                # A job added or changing state is written at once (a host killed a moment
                # later must still know of it); output and receives wait for the batch.
                urgent = remote_moved or isinstance(event, (JobAdded, JobStateChanged))
                self._dirty.urgent = self._dirty.urgent or urgent
            self._cond.notify()

    def _remote_id_moved(self, top: Job) -> bool:
        """True once when a child's remote id (a Slurm job id, known after sbatch) is new."""
        ids = tuple(getattr(child.runner, "remote_id", None) for child in top.child_jobs)
        known = self._remote_ids.get(top.id, (None,) * len(ids))
        if ids == known:
            return False
        self._remote_ids[top.id] = ids
        return True

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and not (self._dirty.jobs or self._dirty.removed):
                    if self.store.pending:  # a write failed (a full disk): try again now and then
                        self._cond.wait(RETRY_DELAY)
                        break
                    self._cond.wait()
                if not self._closed and not self._dirty.urgent:
                    self._cond.wait(WRITE_DELAY)
                dirty, self._dirty = self._dirty, _Dirty()
                closed = self._closed
            self._write(dirty)
            if closed:
                return

    def _write(self, dirty: _Dirty) -> None:
        with self._writing:
            self._write_locked(dirty)

    def _write_locked(self, dirty: _Dirty) -> None:
        records: list[JobRecord] = []
        for top in dirty.jobs.values():
            if not top.removed:
                records.extend(self._records(top))
        if self.disk_budget is not None and records:
            for job in self.enforce_budget():
                records.extend(self._records(job.parent or job))
        if records or self.store.pending:  # with none, what a failed write kept
            self.store.save_many(records)
        for job_id, top in dirty.removed.items():
            # Saved first, so that even a job added and removed between two writes moves the
            # id counter on: its id is never given again.
            self.store.save_many(self._records(top))
            self.store.remove(job_id)
            for each in (top, *top.child_jobs):
                directory = self.engine.job_dir(each)
                if directory is not None:
                    shutil.rmtree(directory, ignore_errors=True)

    def _records(self, top: Job) -> list[JobRecord]:
        # A monitor's answer (its pid, for a later host to adopt the job) is waited for here,
        # before the engine's lock: waited for under it, it held up every start meanwhile.
        for job in (top, *top.child_jobs):
            wait_started = getattr(job.runner, "wait_started", None)
            if wait_started is not None:
                wait_started()
        with self.engine.lock:
            jobs = (top, *top.child_jobs)
            return [
                _record(
                    self.engine,
                    job,
                    self._dropped.get(job.id, 0) or getattr(job.runner, "dropped_bytes", 0),
                )
                for job in jobs
            ]

    # -- the disk budget ------------------------------------------------------------------

    def enforce_budget(self) -> list[Job]:
        """Drop the oldest finished transcripts until all of them fit the budget; the jobs
        whose transcripts went (each keeps its record, and its StatusMessage says so)."""
        budget = self.disk_budget
        if budget is None:
            return []
        finished: list[tuple[float, Job, Path]] = []
        total = 0
        with self.engine.lock:
            children = [c for top in self.engine.jobs for c in top.child_jobs if c.output]
        for child in children:
            directory = self.engine.job_dir(child)
            if directory is None or child.id in self._dropped:
                continue
            size = self._sizes.get(child.id)
            if size is None:
                try:
                    size = (directory / TRANSCRIPT).stat().st_size
                except OSError:
                    size = 0
                if child.state.is_finished:
                    self._sizes[child.id] = size
            total += size
            if child.state.is_finished:
                end = child.ps_end_time.timestamp() if child.ps_end_time else 0.0
                finished.append((end, child, directory))
        dropped: list[Job] = []
        for _, child, directory in sorted(finished, key=lambda item: item[0]):
            if total <= budget:
                break
            size = self._sizes.pop(child.id, 0)
            total -= size
            self._drop(child, directory, size)
            dropped.append(child)
        return dropped

    def _drop(self, child: Job, directory: Path, size: int) -> None:
        self._dropped[child.id] = size
        if child.output is not None:
            child.output.dispose()
        for name in (TRANSCRIPT, INDEX):
            with contextlib.suppress(FileNotFoundError):
                (directory / name).unlink()
        top = child.parent or child
        top.status_message = dropped_note(size)
        top.touch()

    def flush(self) -> None:
        """Write what is dirty now (tests, and the end of the session)."""
        with self._cond:
            dirty, self._dirty = self._dirty, _Dirty()
        self._write(dirty)

    def close(self) -> None:
        """Write the last changes and close the store."""
        self._unsubscribe()
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(10.0)
        self.flush()
        self.store.close()


def lost_notice(lost: list[tuple[str, str]]) -> str:
    """One line for the jobs found lost when the history was restored: how many, the first
    few by name with why, the rest counted (each one's Reason in Get-Job says it all)."""
    count = len(lost)
    named = "; ".join(f"{name}: {why.rstrip('.')}" for name, why in lost[:LOST_NAMED])
    more = f"; and {count - LOST_NAMED} more" if count > LOST_NAMED else ""
    jobs = "1 job was" if count == 1 else f"{count} jobs were"
    state = "is" if count == 1 else "are"
    return f"{jobs} lost since the session last ran, and {state} Failed ({named}{more})"


def dropped_note(size: int) -> str:
    """The StatusMessage of a job whose transcript the disk budget dropped."""
    return f"Its output ({size:,} bytes) was dropped: the transcripts passed their disk budget."


def _remote_kind(record: JobRecord) -> str | None:
    """The kind of Location a record's job ran at ("ssh", "slurm"), or None if unreadable."""
    try:
        remote = json.loads(record.remote or "")
    except ValueError:
        return None
    kind = remote.get("kind") if isinstance(remote, dict) else None
    return kind if isinstance(kind, str) else None


def _unfinished_top(plans: list[tuple[JobState, str | None]]) -> JobState:
    """A parent's state while children run on: Running, or Suspended (NotStarted) when every
    unfinished child is (a held or pending cluster job), which derive_state then keeps."""
    waiting = {state for state, _ in plans if not state.is_finished}
    if waiting in ({JobState.Suspended}, {JobState.NotStarted}):
        return waiting.pop()
    return JobState.Running


def _plan_remote(child: JobRecord) -> tuple[JobState, str | None]:
    """The state an unfinished job on another machine is restored in, to be followed again:
    as it was last seen (its backend's first poll moves it on), or Failed if it never reached
    the machine."""
    if child.state is JobState.NotStarted:
        # Pending in a cluster's queue, or never sent (queued here by a throttle, or never
        # taken by the cluster): only a scheduler's job waits there with an id.
        if child.remote_id is not None and _remote_kind(child) == "slurm":
            return JobState.NotStarted, None
        return JobState.Failed, NOT_STARTED
    if child.state in (JobState.Suspended, JobState.Suspending):
        return JobState.Suspended, None
    return JobState.Running, None  # Running, Disconnected, Stopping (a stop that never ended)


def _remote_recipe(
    top: Job, type_name: str, locations: list[str], resources: dict[str, object]
) -> None:
    """Restart-Job starts a restored remote job where it ran, asking for the -Resources it
    asked for (Invoke-Command's jobs are not restarted: PowerShell's RemoteJob has no recipe)."""
    if top.recipe is None or type_name == REMOTE_JOB or not all(locations):
        top.recipe = None
        return
    top.recipe = replace(top.recipe, location=locations[0], resources=resources)


def _asked_resources(remote: str) -> dict[str, object]:
    """The -Resources a remote job's record kept (none in records written before they were)."""
    try:
        record = json.loads(remote)
    except ValueError:
        return {}
    resources = record.get("resources") if isinstance(record, dict) else None
    return dict(resources) if isinstance(resources, dict) else {}


def _reason(record: JobRecord, state: JobState, lost: str) -> str | None:
    if state is JobState.Failed and not record.state.is_finished:
        return lost
    return record.reason


def _record(engine: JobEngine, job: Job, dropped: int) -> JobRecord:
    reason = job.job_state_info.reason
    info = job.process
    files = getattr(job.runner, "files", None)  # a job run under a monitor
    directory = getattr(files, "dir", None)  # (a Slurm job's files are its own)
    runner_info = getattr(job.runner, "info", None)
    remote = getattr(job.runner, "remote_record", None)  # a job on another machine
    return JobRecord(
        id=job.id,
        instance_id=str(job.instance_id),
        name=job.name,
        command=job.command,
        location=job.location,
        state=job.state,
        cwd=info.cwd,
        reason=str(reason) if reason is not None else None,
        exit_code=info.exit_code,
        signal=info.signal,
        begin_time=job.ps_begin_time.timestamp() if job.ps_begin_time else None,
        end_time=job.ps_end_time.timestamp() if job.ps_end_time else None,
        parent_id=job.parent.id if job.parent is not None else None,
        receive_cursor=job.output.cursor_offset if job.output is not None else 0,
        transcript=str(directory) if directory is not None else None,
        monitor_pid=getattr(runner_info, "monitor_pid", None),
        monitor_start=getattr(runner_info, "monitor_start", None),
        boot_id=getattr(runner_info, "boot_id", None),
        dropped_bytes=dropped,
        type_name=job.ps_job_type_name or None,
        remote_id=getattr(job.runner, "remote_id", None),
        remote=json.dumps(remote) if remote is not None else None,
    )


def open_persistent(
    state_dir: Path, *, disk_budget: int | None = None, **engine_options: Any
) -> tuple[JobEngine, Persistence]:
    """An engine whose jobs run under monitors in ``state_dir``, with the history restored;
    ``disk_budget`` (the setting) caps the bytes of transcripts kept."""
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    engine = JobEngine(
        job_root=str(state_dir / JOBS_NAME), transcript_limit=disk_budget, **engine_options
    )
    try:
        persistence = Persistence(engine, state_dir, disk_budget=disk_budget)
    except BaseException:
        engine.shutdown()
        raise
    return engine, persistence
