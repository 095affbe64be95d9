"""The job engine: PowerShell's job cmdlets as calls, over real processes and threads.

It holds the session's job repository. It knows nothing of any user interface: a UI subscribes
to its events and reads its jobs.
"""

from __future__ import annotations

import contextlib
import fnmatch
import itertools
import logging
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from jobtui.engine import dependencies
from jobtui.engine.backend import LOCALHOST, Backend, Hooks, Runner, StartRequest
from jobtui.engine.changes import JobChanges
from jobtui.engine.dependencies import DependencyKey
from jobtui.engine.errors import (
    BlockedJobsDeadlockError,
    CannotRemoveChildJobError,
    JobError,
    JobInputError,
    JobNotFinishedError,
    JobNotFoundError,
)
from jobtui.engine.events import (
    JobAdded,
    JobEvent,
    JobInputClosed,
    JobListener,
    JobOutputAdded,
    JobReceived,
    JobRemoved,
    JobStateChanged,
    JobStatsUpdated,
)
from jobtui.engine.job import BACKGROUND_JOB, REMOTE_JOB, THREAD_JOB, Job
from jobtui.engine.local import DEFAULT_GRACE, LocalBackend, default_shell
from jobtui.engine.local.monitor import DEFAULT_INTERVAL
from jobtui.engine.locking import EventLock
from jobtui.engine.options import DEFAULT_RETRY_INTERVAL, Recipe
from jobtui.engine.output import DEFAULT_MEMORY_LIMIT, OutputStore, Record, Stream
from jobtui.engine.queueing import QueueRules, check_options, queue_order, start_request
from jobtui.engine.states import JobFailure, JobState, JobStateInfo
from jobtui.engine.throttle import Throttle
from jobtui.engine.timers import Timers

if TYPE_CHECKING:
    from jobtui.engine.backend import HoldingRunner
    from jobtui.engine.snapshot import JobSnapshot, StatsSample

__all__ = ["JobEngine", "Received", "ReceivedPart", "default_shell"]

log = logging.getLogger(__name__)
_WILDCARD = set("*?[")
#: The states in which Start-Job -IfNotRunning finds a job already there (not on its way out).
_ACTIVE = frozenset(
    {
        JobState.NotStarted,
        JobState.Running,
        JobState.Blocked,
        JobState.Suspending,
        JobState.Suspended,
    }
)


@dataclass(frozen=True)
class ReceivedPart:
    """What one receive took from one job: a range of its records, and its failure if Failed."""

    job: Job
    store: OutputStore | None
    start: int
    stop: int
    failure: JobFailure | None

    def records(self) -> Iterator[Record]:
        """The records, read lazily (a job's output can be larger than memory)."""
        if self.store is not None:
            yield from self.store.records(self.start, self.stop)


@dataclass(frozen=True)
class Received:
    """The result of a receive: the parts in PowerShell's order (children before parents)."""

    parts: list[ReceivedPart]

    def records(self) -> Iterator[Record]:
        """Every record received, in order."""
        for part in self.parts:
            yield from part.records()

    def lines(self) -> Iterator[tuple[Stream, str]]:
        """Every received line with its stream, in order."""
        for record in self.records():
            for line in record.lines():
                yield record.stream, line

    @property
    def failures(self) -> list[JobFailure]:
        """The failure of each Failed job received (re-emitted on every receive)."""
        return [p.failure for p in self.parts if p.failure is not None]


class JobEngine(QueueRules):
    """A session's jobs. Every method is safe to call from any thread."""

    def __init__(
        self,
        *,
        shell: str | None = None,
        grace: float = DEFAULT_GRACE,
        throttle_limit: int | None = None,
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
        spill_dir: str | None = None,
        guardian: bool = True,
        monitor_interval: float = DEFAULT_INTERVAL,
        job_root: str | None = None,
        transcript_limit: int | None = None,
    ) -> None:
        self.grace = grace
        self.memory_limit = memory_limit
        self.spill_dir = spill_dir
        self.session_id = uuid.uuid4().hex
        self.version = 0
        # Events emitted under the lock reach listeners once it is released (locking.py).
        self._lock: EventLock[JobEvent] = EventLock(self._deliver)
        self._changed = threading.Condition(self._lock)  # type: ignore[arg-type]
        self._ids = itertools.count(1)
        self._jobs: dict[int, Job] = {}
        # Replaced, never changed in place: delivery reads it without the lock.
        self._listeners: tuple[JobListener, ...] = ()
        # The engine version at which each top-level job last changed, and at which each removed
        # one went: changes() compares integers, and snapshots only the jobs that moved.
        self._stamps: dict[int, int] = {}
        self._removed: dict[int, int] = {}
        self._samples: dict[int, deque[StatsSample]] = {}
        self._closed = False
        #: Where jobs start unless told otherwise: the directory the session started in.
        self.working_directory = os.getcwd()
        self._hooks = Hooks(
            output=self._output_added, finished=self._finished, sampled=self._sampled
        )
        self._local = LocalBackend(
            self._hooks,
            session_id=self.session_id,
            shell=shell,
            guardian=guardian,
            monitor_interval=monitor_interval,
            job_root=Path(job_root) if job_root is not None else None,
            transcript_limit=transcript_limit,
        )
        #: The backends by Location name: where ``start_job(location=...)`` looks.
        self._backends: dict[str, Backend] = {self._local.name: self._local}
        # Throttles are kept per Location (a cluster's slots are not this machine's). PowerShell
        # throttles thread jobs only; a limit for background jobs is jobtui's own.
        self._throttles: dict[str, dict[str, Throttle]] = {
            name: {THREAD_JOB: Throttle(), BACKGROUND_JOB: Throttle()} for name in self._backends
        }
        self._throttles[LOCALHOST][THREAD_JOB].limit = throttle_limit
        #: Top-level jobs waiting for their dependencies (Start-Job -DependsOn), oldest first.
        self._waiting: list[Job] = []
        #: Time limits and retry intervals.
        self._timers = Timers()

    @property
    def shell(self) -> str:
        """The shell that runs each local command (``$SHELL -c``); a change affects later jobs."""
        return self._local.shell

    @shell.setter
    def shell(self, shell: str) -> None:
        self._local.shell = shell

    @property
    def locations(self) -> list[str]:
        """The Location names a job can start at (``start_job(location=...)``)."""
        with self._lock:
            return list(self._backends)

    def backend(self, location: str) -> Backend | None:
        """The backend of the Location named ``location`` (exactly), or None."""
        with self._lock:
            return self._backends.get(location)

    def add_backend(self, make: Callable[[Hooks], Backend]) -> Backend:
        """Make one more kind of Location available; ``make`` gets the hooks it reports through.

        The backend is closed with the engine. A name already taken is a JobError.
        """
        backend = make(self._hooks)
        with self._lock:
            if self._closed:
                raise JobError("The job engine has been shut down.")
            if backend.name in self._backends:
                raise JobError(f"There is already a location named '{backend.name}'.")
            self._backends[backend.name] = backend
            self._throttles[backend.name] = {THREAD_JOB: Throttle(), BACKGROUND_JOB: Throttle()}
        return backend

    # -- ThrottleLimit ------------------------------------------------------------------------

    @property
    def throttle_limit(self) -> int | None:
        """How many thread jobs run at once (Start-ThreadJob -ThrottleLimit); None: no limit."""
        return self._throttles[LOCALHOST][THREAD_JOB].limit

    @throttle_limit.setter
    def throttle_limit(self, limit: int | None) -> None:
        self._set_limit(THREAD_JOB, limit)

    @property
    def background_throttle_limit(self) -> int | None:
        """How many background jobs run at once; None (the default, as in PowerShell): no limit."""
        return self._throttles[LOCALHOST][BACKGROUND_JOB].limit

    @background_throttle_limit.setter
    def background_throttle_limit(self, limit: int | None) -> None:
        self._set_limit(BACKGROUND_JOB, limit)

    def _set_limit(self, kind: str, limit: int | None, location: str = LOCALHOST) -> None:
        with self._lock:
            throttle = self._throttles[location][kind]
            throttle.limit = limit
            ready = throttle.next_ready() if not self._closed else []
        for job in ready:
            self._launch(job)

    # -- listeners ----------------------------------------------------------------------------

    def subscribe(self, listener: JobListener) -> Callable[[], None]:
        """Hear every event; returns a function that unsubscribes.

        A listener runs on the thread that caused the event (a job's reactor, a caller of the
        engine), never while the engine is locked, so it may call the engine; it should still
        return quickly: mark something dirty or post a message.
        """
        with self._lock:
            self._listeners = (*self._listeners, listener)

        def unsubscribe() -> None:
            with self._lock:
                listeners = list(self._listeners)
                with contextlib.suppress(ValueError):
                    listeners.remove(listener)
                self._listeners = tuple(listeners)

        return unsubscribe

    def _emit(self, event: JobEvent, *, stamp: bool = True) -> None:
        """Tell the listeners; with ``stamp``, the job counts as changed for :meth:`changes`."""
        with self._changed:
            self.version += 1
            top = event.job.parent or event.job
            if isinstance(event, JobRemoved):
                self._stamps.pop(top.id, None)
                self._samples.pop(top.id, None)
                self._removed[top.id] = self.version
            elif stamp and not top.removed:
                self._stamps[top.id] = self.version
            self._changed.notify_all()
        self._lock.emit(event)  # now, or when this thread lets go of the lock

    def _deliver(self, event: JobEvent) -> None:
        """Hand one event to every listener (the lock is not held: see locking.py)."""
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:  # a listener's bug must not stop the jobs
                log.exception("job listener failed")

    def _state_changed(self, job: Job, old: JobStateInfo, new: JobStateInfo) -> None:
        self._emit(JobStateChanged(job, old, new))

    def _output_added(self, job: Job) -> None:
        top = job.parent or job
        job.touch()
        top.touch()
        self._emit(JobOutputAdded(top))

    def _sampled(self, job: Job, changed: bool) -> None:
        from jobtui.engine.snapshot import STATS_SAMPLES, StatsSample  # loaded once jobs run

        top = job.parent or job
        info = job.process
        with self._lock:
            if changed:
                top.touch()
            if info.cpu_percent is not None and info.memory_rss is not None and not top.removed:
                samples = self._samples.get(top.id)
                if samples is None:
                    samples = self._samples[top.id] = deque(maxlen=STATS_SAMPLES)
                samples.append(StatsSample(info.cpu_percent, info.memory_rss))
        # A sample that changed no figure is no change for changes(): 200 running jobs would
        # otherwise be copied every few seconds for a table that shows nothing new (the detail
        # screen reads its job's samples with snapshot()).
        self._emit(JobStatsUpdated(top), stamp=changed)

    # -- what changed, for a front end ----------------------------------------------------------

    def changes(self, since: int) -> JobChanges:
        """The snapshots of the top-level jobs that changed after version ``since`` (all of
        them for a negative ``since``), by Id, and the Ids of those removed since.

        Only the jobs that moved are copied: a pull over 1,000 quiet jobs compares 1,000
        integers.
        """
        with self._lock:
            version = self.version
            changed = sorted(job_id for job_id, stamp in self._stamps.items() if stamp > since)
            snapshots = tuple(
                self._snapshot(self._jobs[job_id]) for job_id in changed if job_id in self._jobs
            )
            removed = tuple(
                sorted(job_id for job_id, stamp in self._removed.items() if stamp > since)
            )
        return JobChanges(version, snapshots, removed if since >= 0 else ())

    def snapshot(self, job_id: int) -> JobSnapshot | None:
        """A snapshot of the job with that Id (a child too), or None."""
        with self._lock:
            job = self.find_by_id(job_id)
            return None if job is None else self._snapshot(job)

    def _snapshot(self, job: Job) -> JobSnapshot:
        # Loaded with the first job: a pull that finds none (an empty app's first frame) does
        # not pay for the snapshot's dataclasses (about 4 ms).
        from jobtui.engine.snapshot import snapshot_of

        samples = self._samples.get(job.id) if job.parent is None else None
        return snapshot_of(job, tuple(samples) if samples else ())

    # -- Start-Job ----------------------------------------------------------------------------

    def start_job(
        self,
        command: str,
        *,
        name: str | None = None,
        working_directory: str | None = None,
        environment: dict[str, str] | None = None,
        argument_list: Sequence[str] = (),
        input: bytes | None = None,
        initialization_script: str | None = None,
        job_type: str = BACKGROUND_JOB,
        location: str = LOCALHOST,
        depends_on: Sequence[DependencyKey] = (),
        timeout_sec: float | None = None,
        maximum_retry_count: int = 0,
        retry_interval_sec: float = DEFAULT_RETRY_INTERVAL,
        if_not_running: bool = False,
        resources: dict[str, object] | None = None,
    ) -> Job:
        """Start ``command`` as a job and return it, already Running (or NotStarted if throttled).

        A BackgroundJob is a parent with one child that runs the command (Ids N and N+1); a
        ThreadJob runs by itself. ``location`` names the backend that runs it (``localhost``,
        where built-ins such as Get-Process run in process, on a thread).

        jobtui's own: ``depends_on`` (jobs, Ids or names) keeps it NotStarted until each of them
        Completed, and Fails it if one does not; ``timeout_sec`` stops an attempt that runs
        longer and Fails it; ``maximum_retry_count`` runs a failed BackgroundJob again, each
        attempt a new child, ``retry_interval_sec`` apart, the interval doubling each time;
        ``if_not_running`` returns the job with the same command (or the same ``name``) that is
        NotStarted or Running instead of starting another; ``resources`` is what the job asks
        of a scheduler's Location (Partition, Cpus, Memory...).
        """
        options = check_options(job_type, timeout_sec, maximum_retry_count, retry_interval_sec)
        with self._lock:
            backend = self._backends.get(location)
            known = ", ".join(self._backends)
        if backend is None:
            raise JobError(
                f"Cannot start the job at the location '{location}': there is no such location. "
                f"Known locations: {known}."
            )
        cwd = backend.working_directory(working_directory, self.working_directory)
        recipe = Recipe(
            command=command,
            name=name,
            working_directory=cwd,
            environment=dict(environment or {}),
            argument_list=tuple(argument_list),
            input=input,
            initialization_script=initialization_script,
            job_type=job_type,
            location=location,
            options=options,
            resources=dict(resources or {}),
        )
        request = start_request(recipe)
        with self._lock:
            if self._closed:
                raise JobError("The job engine has been shut down.")
            if if_not_running:
                existing = self._active_like(command, name)
                if existing is not None:
                    return existing
            waits_for = dependencies.resolve(depends_on, name, self._find_top, self._find_named)
            shown = backend.location(job_type)
            # A kind of Location may name its jobs' type (a cluster's are SlurmJobs).
            type_name = getattr(backend, "job_type_name", job_type)
            top = self._new_job(command, name, type_name, shown)
            top.options = options
            top.recipe = recipe
            top.depends_on = waits_for
            if job_type == BACKGROUND_JOB:
                runner_job = self._new_attempt(top, backend, request)
            else:
                runner_job = top
                runner_job.output = OutputStore(
                    memory_limit=self.memory_limit, spill_dir=self.spill_dir
                )
                runner_job.runner = backend.create_runner(runner_job, request)
            self._jobs[top.id] = top
            self._emit(JobAdded(top))
            if waits_for:
                self._waiting.append(top)
                top.status_message = dependencies.waiting_for(top)
            elif not self._throttle(runner_job).admit(runner_job):
                return top
        if waits_for:
            self._settle()  # they may all be Completed already, or one Failed
        else:
            self._launch(runner_job)
        return top

    def _new_attempt(self, top: Job, backend: Backend, request: StartRequest) -> Job:
        """A new child of ``top`` that runs its command (the first, or a retry), NotStarted."""
        attempt = self._new_job(top.command, None, "", top.location)
        attempt.parent = top
        attempt.output = OutputStore(memory_limit=self.memory_limit, spill_dir=self.spill_dir)
        attempt.runner = backend.create_runner(attempt, request)
        top.child_jobs.append(attempt)
        return attempt

    def start_job_on(
        self,
        command: str,
        locations: Sequence[str],
        *,
        name: str | None = None,
        environment: dict[str, str] | None = None,
        argument_list: Sequence[str] = (),
        input: bytes | None = None,
        job_type: str = REMOTE_JOB,
    ) -> Job:
        """Start ``command`` at each of ``locations`` at once, as Invoke-Command -AsJob does.

        One parent (Location ``a,b``) with a child per Location, all running side by side;
        the parent's state follows PowerShell's rules for its children. No retries, time
        limits or dependencies: those are Start-Job's.
        """
        with self._lock:
            found = [(where, self._backends.get(where)) for where in locations]
            known = ", ".join(self._backends)
        backends: list[Backend] = []
        for where, backend in found:
            if backend is None:
                raise JobError(
                    f"Cannot start the job at the location '{where}': there is no such "
                    f"location. Known locations: {known}."
                )
            backends.append(backend)
        if not backends:
            raise JobError("Cannot start the job: no location was given.")
        launch: list[Job] = []
        with self._lock:
            if self._closed:
                raise JobError("The job engine has been shut down.")
            shown = [backend.location(job_type) for backend in backends]
            top = self._new_job(command, name, job_type, ",".join(shown))
            top.parallel_children = True
            for backend, where in zip(backends, shown, strict=True):
                request = StartRequest(
                    command=command,
                    cwd=backend.working_directory(None, self.working_directory),
                    environment=dict(environment or {}),
                    argument_list=tuple(argument_list),
                    input=input,
                )
                child = self._new_job(command, None, "", where)
                child.parent = top
                child.output = OutputStore(memory_limit=self.memory_limit, spill_dir=self.spill_dir)
                child.runner = backend.create_runner(child, request)
                top.child_jobs.append(child)
                if self._throttle(child).admit(child):
                    launch.append(child)
            self._jobs[top.id] = top
            self._emit(JobAdded(top))
        for child in launch:
            self._launch(child)
        return top

    def _active_like(self, command: str, name: str | None) -> Job | None:
        """The newest top-level job with this name (if given) or command that is NotStarted or
        Running (Start-Job -IfNotRunning)."""
        text = command.strip()
        for job in reversed(list(self._jobs.values())):
            if job.state not in _ACTIVE:
                continue
            if name is not None and job.name.lower() == name.lower():
                return job
            if name is None and job.command.strip() == text:
                return job
        return None

    def _find_top(self, job_id: int) -> Job | None:
        job = self.find_by_id(job_id)
        return None if job is None else job.parent or job

    def _find_named(self, name: str) -> list[Job]:
        return [j for j in self._jobs.values() if _like(name, j.name)]

    def _new_job(self, command: str, name: str | None, type_name: str, location: str) -> Job:
        return Job(
            id=next(self._ids),
            command=command,
            name=name,
            ps_job_type_name=type_name,
            location=location,
            lock=self._lock,
            on_state_changed=self._state_changed,
        )

    def _launch(self, job: Job) -> None:
        assert job.runner is not None
        job.runner.start()
        limit = (job.parent or job).options.timeout_sec
        if limit is not None and not job.state.is_finished:
            self._timers.schedule(limit, lambda: self._time_out(job, limit))

    def _throttle(self, job: Job) -> Throttle:
        """The throttle a job that runs a command belongs to: its Location's, of its type."""
        assert job.runner is not None
        return self._throttles[job.runner.backend][_kind(job)]

    def _finished(self, job: Job) -> None:
        """A runner is done: free its throttle slot, start the next queued job, plan a retry,
        and start or fail the jobs that waited for this one."""
        with self._lock:
            throttle = self._throttle(job)
            throttle.release()
            ready = throttle.next_ready() if not self._closed else []
            if not self._closed:
                self._plan_retry(job)
        for nxt in ready:
            self._launch(nxt)
        self._settle()

    # -- Get-Job ------------------------------------------------------------------------------

    def get_job(
        self,
        *,
        id: Iterable[int] | None = None,
        name: Iterable[str] | None = None,
        instance_id: Iterable[uuid.UUID | str] | None = None,
        state: JobState | None = None,
        command: Iterable[str] | None = None,
        has_more_data: bool | None = None,
        newest: int | None = None,
        before: datetime | None = None,
        after: datetime | None = None,
        child_job_state: JobState | None = None,
        include_child_job: bool = False,
        errors: list[JobError] | None = None,
    ) -> list[Job]:
        """Jobs matching PowerShell's Get-Job filters, sorted by Id.

        Ids, names and instance ids that match nothing raise :class:`JobNotFoundError`, or are
        appended to ``errors`` when a list is given (PowerShell's non-terminating errors).
        """
        with self._lock:
            tops = list(self._jobs.values())
            found: list[Job]
            if id is not None:
                found = self._select(id, self.find_by_id, JobNotFoundError.for_id, errors)
            elif name is not None:
                found = []
                for pattern in name:
                    matches = [j for j in self._all_jobs() if _like(pattern, j.name)]
                    if not matches and not _WILDCARD & set(pattern):
                        _report(JobNotFoundError.for_name(pattern), errors)
                    found.extend(matches)
            elif instance_id is not None:
                found = self._select(
                    instance_id, self.find_by_instance_id, JobNotFoundError.for_instance_id, errors
                )
            elif state is not None:
                found = [j for j in tops if j.state is state]
            elif command is not None:
                patterns = list(command)
                found = [j for j in tops if any(_like(p, j.command.strip()) for p in patterns)]
            else:
                found = tops
            if has_more_data is not None:
                found = [j for j in found if j.has_more_data is has_more_data]
            if before is not None:
                found = [j for j in found if j.ps_end_time is not None and j.ps_end_time < before]
            if after is not None:
                found = [j for j in found if j.ps_end_time is not None and j.ps_end_time > after]
            if newest is not None:
                ended = sorted(
                    (j for j in found if j.ps_end_time is not None),
                    key=lambda j: j.ps_end_time or datetime.min,
                )
                found = ended[-newest:] if newest > 0 else []
            extra: list[Job] = []
            for job in found:
                if child_job_state is not None:
                    extra.extend(c for c in job.child_jobs if c.state is child_job_state)
                elif include_child_job:
                    extra.extend(job.child_jobs)
            unique = {j.id: j for j in [*found, *extra]}
            return queue_order([unique[k] for k in sorted(unique)])

    def _select(
        self,
        keys: Iterable[object],
        find: Callable[[object], Job | None],
        not_found: Callable[[Any], JobError],
        errors: list[JobError] | None,
    ) -> list[Job]:
        found = []
        for key in keys:
            job = find(key)
            if job is None:
                _report(not_found(key), errors)
            else:
                found.append(job)
        return found

    def _all_jobs(self) -> list[Job]:
        return [j for top in self._jobs.values() for j in (top, *top.child_jobs)]

    def find_by_id(self, job_id: object) -> Job | None:
        """The job (top-level first, then children) with that Id, or None."""
        with self._lock:
            if job_id in self._jobs:
                return self._jobs[job_id]
            return next((j for j in self._all_jobs() if j.id == job_id), None)

    def find_by_instance_id(self, instance_id: object) -> Job | None:
        """The job with that InstanceId (a UUID or its text), or None."""
        text = str(instance_id).lower()
        with self._lock:
            return next((j for j in self._all_jobs() if str(j.instance_id) == text), None)

    @property
    def jobs(self) -> list[Job]:
        """The session's top-level jobs, by Id."""
        with self._lock:
            return list(self._jobs.values())

    # -- Receive-Job --------------------------------------------------------------------------

    def receive_job(
        self,
        jobs: Iterable[Job],
        *,
        keep: bool = False,
        no_recurse: bool = False,
        through_line: int | None = None,
    ) -> Received:
        """Results not yet received (all of them with ``keep``), children before parents.

        Without ``keep`` the results are consumed: a cursor moves, nothing is deleted, and the
        whole transcript stays readable. A Failed job's Reason comes back on every call.
        ``through_line`` stops at a transcript line (what a view has shown so far).
        """
        jobs = list(jobs)
        parts: list[ReceivedPart] = []
        seen: set[int] = set()
        with self._lock:
            for job in jobs:
                for each in [job] if no_recurse else _post_order(job):
                    if each.id in seen:
                        continue
                    seen.add(each.id)
                    store = each.output
                    start, stop = (
                        store.take(keep=keep, through_line=through_line)
                        if store is not None
                        else (0, 0)
                    )
                    failure = each.job_state_info.reason if each.state is JobState.Failed else None
                    if store is not None or failure is not None:
                        parts.append(ReceivedPart(each, store, start, stop, failure))
                    each.touch()
                (job.parent or job).touch()
            self._changed.notify_all()
        self._emit_touched(jobs)
        return Received(parts)

    def _emit_touched(self, jobs: Iterable[Job]) -> None:
        for job in jobs:
            self._emit(JobReceived(job.parent or job))

    def receive_job_wait(
        self,
        jobs: Sequence[Job],
        *,
        auto_remove: bool = False,
        force: bool = False,
        cancel: threading.Event | None = None,
    ) -> Iterator[Received]:
        """Receive-Job -Wait: yield results as they arrive until every job is persistent.

        With ``force`` it waits through Suspended and Disconnected to a finished state. Setting
        ``cancel`` ends the wait (the jobs go on), as Ctrl+C does in PowerShell.
        """

        def done(job: Job) -> bool:
            return job.state.is_finished if force else job.state.is_persistent

        while True:
            with self._changed:
                all_done = all(done(j) for j in jobs)
            received = self.receive_job(jobs)
            if any(p.stop > p.start for p in received.parts) or (all_done and received.parts):
                yield received
            if all_done or (cancel is not None and cancel.is_set()):
                break
            with self._changed:
                if not any(
                    p.output is not None and p.output.unread_count
                    for j in jobs
                    for p in _post_order(j)
                ) and not all(done(j) for j in jobs):
                    self._changed.wait(0.25)
        if auto_remove and not (cancel is not None and cancel.is_set()):
            for job in jobs:
                if job.parent is None and job.state.is_finished and not job.removed:
                    self.remove_job(job)

    # -- Wait-Job -----------------------------------------------------------------------------

    def wait_job(
        self,
        jobs: Sequence[Job],
        *,
        any: bool = False,
        timeout: float | None = None,
        force: bool = False,
        cancel: threading.Event | None = None,
    ) -> list[Job]:
        """Block until all (or ``any``) of ``jobs`` are done; return them in input order.

        Done means persistent (finished, Suspended, Disconnected), or finished with ``force``.
        When ``timeout`` seconds pass first, or ``cancel`` is set, it returns an empty list and the
        jobs go on. Unlike PowerShell, ``timeout=0`` returns what is already done.
        """
        deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout

        def is_done(job: Job) -> bool:
            return job.state.is_finished if force else job.state.is_persistent

        # Only the jobs not done yet are looked at again at each wake-up (every job's every
        # change wakes this): a wait for 1,000 jobs looked at all of them, and compared each
        # with the list of those done, at each of its thousands of wake-ups.
        pending = list(jobs)
        with self._changed:
            while True:
                if any:
                    done = [j for j in jobs if is_done(j)]
                    if done:
                        return done[:1]
                    pending = list(jobs)
                else:
                    pending = [j for j in pending if not is_done(j)]
                    if not pending:
                        # A job done when last looked at may be so no more (a Suspended job
                        # resumed): the answer is from one look at all of them.
                        pending = [j for j in jobs if not is_done(j)]
                        if not pending:
                            return list(jobs)
                blocked = [j for j in pending if j.state is JobState.Blocked]
                if blocked and (not any or len(blocked) == len(pending)):
                    raise BlockedJobsDeadlockError()
                if cancel is not None and cancel.is_set():
                    return []
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return []
                slice_ = 0.25 if cancel is not None else None
                waits = [w for w in (remaining, slice_) if w is not None]
                self._changed.wait(min(waits) if waits else None)

    def wake_waiters(self) -> None:
        """Wake every blocked wait so it rechecks its cancel event."""
        with self._changed:
            self._changed.notify_all()

    # -- Stop-Job, Suspend-Job, Resume-Job -----------------------------------------------------

    def stop_job(self, jobs: Iterable[Job], *, wait: bool = True) -> None:
        """Stop unfinished jobs (finished ones are skipped): every process of each job's tree.

        SIGTERM first, SIGKILL after the grace period. With ``wait`` it returns when all are
        Stopped; otherwise it returns at once and the jobs show Stopping meanwhile.
        """
        runners: list[Runner] = []
        with self._lock:
            for job in jobs:
                if job.state.is_finished:
                    continue
                job.stop_requested = True
                for child in job.executing_jobs:
                    child.stop_requested = True
                    if child.state is JobState.NotStarted:
                        if job is not child and job.state is JobState.Running:
                            job.set_state(JobState.Stopping)  # a retry waiting for its interval
                        if child.runner is not None:
                            self._throttle(child).withdraw(child)
                        if child.output is not None:
                            child.output.close()
                        child.set_state(JobState.Stopped)
                        continue
                    if child.state.is_finished:
                        job.derive_state()  # a failed attempt whose retry was not added yet
                        continue
                    child.set_state(JobState.Stopping)
                    if child.runner is not None:
                        runners.append(child.runner)
        if not runners:
            self._settle()
            return
        if wait:
            self._terminate(runners, self.grace)
            self._settle()
        else:
            threading.Thread(
                target=self._terminate,
                args=(runners, self.grace),
                name="jobtui-stop",
                daemon=True,
            ).start()

    def _terminate(self, runners: Sequence[Runner], grace: float) -> None:
        """Stop many jobs at once: each backend stops its own together, in one sweep."""
        by_backend: dict[str, list[Runner]] = {}
        for runner in runners:
            by_backend.setdefault(runner.backend, []).append(runner)
        for name, mine in by_backend.items():
            self._backends[name].stop_many(mine, grace)

    def suspend_job(self, jobs: Iterable[Job]) -> list[Job]:
        """SIGSTOP every process of each Running job: Suspending, then Suspended."""
        done = []
        for job in jobs:
            suspended = False
            for child in job.executing_jobs:
                runner = child.runner
                if (
                    runner is not None
                    and runner.capabilities.hold
                    and child.state is JobState.NotStarted
                ):
                    # A job waiting in a scheduler's queue is held there (Resume-Job releases it).
                    cast("HoldingRunner", runner).hold()
                    child.transition(JobState.NotStarted, JobState.Suspended)
                    suspended = True
                    continue
                with self._lock:
                    if runner is not None and not runner.capabilities.suspend:
                        if child.state is JobState.Running:
                            # Asked before the state moves, so the job stays Running.
                            why = runner.capabilities.suspend_refusal
                            raise JobFailure(
                                f"Cannot suspend the job that has an ID of {child.id}"
                                + (f": {why}." if why else ".")
                            )
                        continue
                    if not child.transition(JobState.Running, JobState.Suspending):
                        continue
                assert runner is not None
                runner.suspend()
                child.transition(JobState.Suspending, JobState.Suspended)
                suspended = True
            if suspended:
                done.append(job)
        return done

    def resume_job(self, jobs: Iterable[Job]) -> list[Job]:
        """SIGCONT every process of each Suspended job: Running again."""
        done = []
        for job in jobs:
            resumed = False
            for child in job.executing_jobs:
                if child.state is not JobState.Suspended or child.runner is None:
                    continue
                child.runner.resume()
                child.transition(JobState.Suspended, JobState.Running)
                resumed = True
            if resumed:
                done.append(job)
        return done

    # -- input ----------------------------------------------------------------------------------

    def send_input(self, job: Job, data: bytes) -> int:
        """Write ``data`` to the job's stdin; a Blocked job is Running again once it reads."""
        runner = job.executing_job.runner
        if runner is None or not runner.accepts_input:
            raise JobInputError(f"The job with the job ID {job.id} does not accept input.")
        try:
            written = runner.send_input(data)
        except OSError as exc:
            raise JobInputError(
                f"Input to the job with the job ID {job.id} failed: {exc.strerror or exc}."
            ) from None
        job.executing_job.transition(JobState.Blocked, JobState.Running)
        return written

    def close_input(self, job: Job) -> None:
        """Close the job's stdin: a process reading it sees end of file."""
        runner = job.executing_job.runner
        if runner is not None and runner.capabilities.input:
            runner.close_input()
            job.executing_job.transition(JobState.Blocked, JobState.Running)
            job.executing_job.touch()
            self._emit(JobInputClosed(job.parent or job))

    # -- restoring a session (a persistent one, after a restart) -----------------------------

    @property
    def lock(self) -> EventLock[JobEvent]:
        """The engine's lock: held while reading several jobs' fields as one moment."""
        return self._lock

    @property
    def job_root(self) -> Path | None:
        """Where the jobs' monitors keep their directories (a persistent session), or None."""
        return self._local.job_root

    def job_dir(self, job: Job) -> Path | None:
        """The directory that holds a monitored job's transcript and status, or None."""
        return self._local.job_dir(job) if self._local.job_root is not None else None

    def continue_ids(self, next_id: int) -> None:
        """Give new jobs ids from ``next_id`` on (ids of an earlier session are never reused)."""
        with self._lock:
            self._ids = itertools.count(max(next_id, max(self._all_ids(), default=0) + 1))

    def _all_ids(self) -> list[int]:
        return [each.id for job in self._jobs.values() for each in (job, *job.child_jobs)]

    def restore_job(
        self,
        *,
        id: int,
        instance_id: uuid.UUID,
        name: str,
        command: str,
        location: str,
        type_name: str,
        state: JobState,
        reason: str | None = None,
        begin_time: float | None = None,
        end_time: float | None = None,
        parent: Job | None = None,
    ) -> Job:
        """Put back a job an earlier session kept (its record, not yet its output or runner).

        A top-level job is listed at once; a child joins ``parent``'s ChildJobs. Its state is
        set as it was, not reached by transitions: nothing happened, it is only known again.
        """
        with self._lock:
            job = Job(
                id=id,
                command=command,
                name=name,
                ps_job_type_name=type_name,
                location=location,
                lock=self._lock,
                on_state_changed=self._state_changed,
            )
            job.instance_id = instance_id
            job.restore_state(
                state,
                JobFailure(reason) if reason else None,
                datetime.fromtimestamp(begin_time) if begin_time is not None else None,
                datetime.fromtimestamp(end_time) if end_time is not None else None,
            )
            if parent is not None:
                job.parent = parent
                parent.child_jobs.append(job)
                top = parent
            else:
                self._jobs[id] = job
                top = job
            self._emit(JobAdded(top))
            return job

    def adopt_running(self, job: Job, info: Any, cursor: int) -> None:
        """Follow a restored Running job whose monitor still runs; ``info`` is its MonitorInfo."""
        with self._lock:
            runner = self._local.adopt(job, info, cursor)
            self._throttle(job).admit(job)
        del runner

    def adopt_remote(self, job: Job, location: str, adopt: Callable[[Backend], Runner]) -> None:
        """Follow a restored job that another machine runs (an SSH host, a cluster): ``adopt``
        makes its runner with the backend named ``location``, which holds a slot for it."""
        with self._lock:
            backend = self._backends[location]
            job.runner = adopt(backend)
            self._throttle(job).admit(job)

    # -- Remove-Job ---------------------------------------------------------------------------

    def remove_job(self, job: Job, *, force: bool = False) -> None:
        """Remove a job from the session; an unfinished one only with ``force`` (stops it first)."""
        if job.parent is not None:
            raise CannotRemoveChildJobError()
        if job.removed:
            raise JobNotFoundError.for_id(job.id)
        if not job.state.is_finished:
            if not force:
                raise JobNotFinishedError(job)
            self.stop_job([job], wait=True)
        with self._lock:
            self._jobs.pop(job.id, None)
            job.removed = True
            for each in (job, *job.child_jobs):
                if each.output is not None:
                    each.output.dispose()
        self._emit(JobRemoved(job))
        self._settle()  # the jobs that waited for it fail

    # -- the end of a session -----------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop every job still running, then release threads, pipes and the guardian."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._timers.close()
        self.stop_job(self.jobs, wait=True)
        for backend in self._backends.values():
            backend.close(self.grace)

    def __enter__(self) -> JobEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def _kind(job: Job) -> str:
    """The throttle a job that runs a command belongs to: its top-level job's type (a
    RemoteJob's children count as background jobs of their Location)."""
    kind = (job.parent or job).ps_job_type_name
    return THREAD_JOB if kind == THREAD_JOB else BACKGROUND_JOB


def _post_order(job: Job) -> list[Job]:
    order: list[Job] = []
    for child in job.child_jobs:
        order.extend(_post_order(child))
    order.append(job)
    return order


def _like(pattern: str, value: str) -> bool:
    """PowerShell's -like: case-insensitive, with * ? and [ ] wildcards."""
    return fnmatch.fnmatchcase(value.lower(), pattern.lower())


def _report(error: JobError, errors: list[JobError] | None) -> None:
    if errors is None:
        raise error
    errors.append(error)
