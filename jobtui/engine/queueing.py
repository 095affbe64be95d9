"""The queue's part of the engine: retries, dependencies, time limits, Restart-Job and
Wait-Job -Match.

Kept apart from :mod:`jobtui.engine.engine`, whose JobEngine takes it in as a base class: the
engine's state (its lock, throttles, backends and jobs) is the engine's, and these methods are
the rules a queue left running overnight adds to it (Start-Job -DependsOn, -TimeoutSec,
-MaximumRetryCount; see :mod:`jobtui.engine.dependencies` and :mod:`jobtui.engine.options`).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from jobtui.engine import dependencies
from jobtui.engine.backend import Backend, StartRequest
from jobtui.engine.errors import JobError
from jobtui.engine.events import JobEvent, JobRetried, JobStatusChanged
from jobtui.engine.job import BACKGROUND_JOB, Job
from jobtui.engine.locking import EventLock
from jobtui.engine.matching import OutputMatch, OutputScanner
from jobtui.engine.options import JobOptions, Recipe, human_duration
from jobtui.engine.states import JobFailure, JobState
from jobtui.engine.throttle import Throttle
from jobtui.engine.timers import Timers

if TYPE_CHECKING:
    from jobtui.engine.dependencies import DependencyKey


class QueueRules:
    """Retries, dependencies, time limits, Restart-Job and Wait-Job -Match, for JobEngine."""

    # What JobEngine provides (see its __init__ and methods).
    _lock: EventLock[JobEvent]
    _changed: threading.Condition
    _closed: bool
    _backends: dict[str, Backend]
    _waiting: list[Job]
    _timers: Timers
    version: int

    if TYPE_CHECKING:

        def _emit(self, event: JobEvent) -> None: ...

        def _launch(self, job: Job) -> None: ...

        def _throttle(self, job: Job) -> Throttle: ...

        def _new_attempt(self, top: Job, backend: Backend, request: StartRequest) -> Job: ...

        def stop_job(self, jobs: Iterable[Job], *, wait: bool = True) -> None: ...

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
            location: str = ...,
            depends_on: Sequence[DependencyKey] = (),
            timeout_sec: float | None = None,
            maximum_retry_count: int = 0,
            retry_interval_sec: float = ...,
            if_not_running: bool = False,
            resources: dict[str, object] | None = None,
        ) -> Job: ...

    # -- Restart-Job (jobtui's own) -----------------------------------------------------------

    def restart_job(self, job: Job) -> Job:
        """Start ``job``'s command again as a new job, with the same working directory,
        environment additions, name, location, time limit and retries (not its dependencies,
        which have run). A job still running is stopped first, as Restart-Service does."""
        top = job.parent or job
        recipe = top.recipe
        if recipe is None:
            raise JobError(f"The job with the job ID {top.id} cannot be restarted.")
        if not top.state.is_finished and not top.removed:
            self.stop_job([top], wait=True)
        return self.start_job(
            recipe.command,
            name=recipe.name,
            working_directory=recipe.working_directory,
            environment=recipe.environment,
            argument_list=recipe.argument_list,
            input=recipe.input,
            initialization_script=recipe.initialization_script,
            job_type=recipe.job_type,
            location=recipe.location,
            timeout_sec=recipe.options.timeout_sec,
            maximum_retry_count=recipe.options.maximum_retry_count,
            retry_interval_sec=recipe.options.retry_interval_sec,
            resources=recipe.resources,
        )

    # -- time limits --------------------------------------------------------------------------

    def _time_out(self, job: Job, limit: float) -> None:
        """An attempt's time is up: stop its tree (grace, then kill); it ends Failed."""
        with self._lock:
            if job.state.is_finished or self._closed:
                return
            job.stop_failure = JobFailure(f"timed out after {human_duration(limit)}")
        self.stop_job([job], wait=False)

    # -- retries ------------------------------------------------------------------------------

    def _plan_retry(self, job: Job) -> None:
        """A failed attempt with retries left: add the next attempt, started after its interval.

        Called under the lock, as the parent (kept Running by ``derive_state``) expects it.
        """
        top = job.parent
        if (
            top is None
            or job.state is not JobState.Failed
            or top.stop_requested
            or top.state.is_finished
            or top.executing_job is not job
            or not top.retries_left
            or job.runner is None
            or top.recipe is None
        ):
            return
        retry = len(top.child_jobs)
        delay = top.options.retry_delay(retry)
        backend = self._backends[job.runner.backend]
        attempt = self._new_attempt(top, backend, start_request(top.recipe))
        why = job.job_state_info.reason
        total = top.options.maximum_retry_count + 1
        top.status_message = (
            f"Attempt {retry + 1} of {total} in {human_duration(delay)}: attempt {retry} failed"
            f" ({why}). The interval doubles after each retry."
        )
        top.touch()
        self._emit(JobRetried(top, attempt, delay))
        self._timers.schedule(delay, lambda: self._start_attempt(attempt))

    def _start_attempt(self, attempt: Job) -> None:
        """A retry's interval is over: it takes a throttle slot (or its place in the queue)."""
        with self._lock:
            if self._closed or attempt.state is not JobState.NotStarted or attempt.stop_requested:
                return
            if attempt.parent is not None:
                attempt.parent.status_message = ""
            if not self._throttle(attempt).admit(attempt):
                return
        self._launch(attempt)

    # -- dependencies -------------------------------------------------------------------------

    def _settle(self) -> None:
        """Start the waiting jobs whose dependencies all Completed; fail those with one that
        did not (which may fail others in turn: repeated until nothing changes)."""
        if not self._waiting:  # every job's end calls this: most sessions have no dependencies
            return
        changed = True
        while changed:
            changed = False
            launch: list[Job] = []
            with self._lock:
                for top in list(self._waiting):
                    if top.state.is_finished or top.removed:  # stopped while it waited
                        self._waiting.remove(top)
                        continue
                    outcome = dependencies.verdict(top)
                    if outcome is False:
                        waiting = dependencies.waiting_for(top)
                        if waiting != top.status_message:  # one of those it waits for is done
                            top.status_message = waiting
                            top.touch()
                            self._emit(JobStatusChanged(top))
                        continue
                    self._waiting.remove(top)
                    changed = True
                    top.status_message = ""
                    attempt = top.executing_job
                    if isinstance(outcome, JobFailure):
                        top.stop_requested = True  # it never runs: no retry either
                        if attempt.output is not None:
                            attempt.output.close()
                        attempt.set_state(JobState.Failed, outcome)
                    elif not self._closed and self._throttle(attempt).admit(attempt):
                        launch.append(attempt)
            for attempt in launch:
                self._launch(attempt)

    # -- Wait-Job -Match -----------------------------------------------------------------------

    def wait_job_match(
        self,
        jobs: Sequence[Job],
        pattern: re.Pattern[str],
        *,
        any: bool = False,
        timeout: float | None = None,
        cancel: threading.Event | None = None,
    ) -> list[OutputMatch]:
        """Wait-Job -Match: block until a line of each job's output (or ``any`` one's) matches.

        Returns the matches in input order. A job that finishes without a match can no longer
        match: then the wait ends with the matches found (none, with ``any``, only once every
        job has finished). On ``timeout`` or ``cancel`` it returns an empty list. Only output
        that arrived since the last look is read (:mod:`jobtui.engine.matching`).
        """
        deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
        scanner = OutputScanner(pattern)
        matched: dict[int, OutputMatch] = {}
        ended: set[int] = set()
        while True:
            with self._changed:
                version = self.version
            for job in jobs:
                if job.id in matched or job.id in ended:
                    continue
                finished = job.state.is_finished  # before the scan: its last lines are stored
                found = scanner.scan(job)
                if found is not None:
                    if any:
                        return [found]
                    matched[job.id] = found
                elif finished:
                    ended.add(job.id)
            settled = len(matched) + len(ended) == len(jobs)
            if (not any and (ended or settled)) or (any and settled):
                return [matched[j.id] for j in jobs if j.id in matched]
            if cancel is not None and cancel.is_set():
                return []
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return []
            with self._changed:
                if self.version == version:
                    waits = [w for w in (remaining, 0.25 if cancel is not None else None) if w]
                    self._changed.wait(min(waits) if waits else None)


def check_options(
    job_type: str, timeout_sec: float | None, retries: int, interval: float
) -> JobOptions:
    """Start-Job's time limit and retries, checked (0 seconds means no limit, as in
    Invoke-WebRequest)."""
    if timeout_sec is not None and timeout_sec < 0:
        raise JobError(f"The time limit cannot be negative ({timeout_sec:g} s).")
    if retries < 0 or interval < 0:
        raise JobError("The retry count and the retry interval cannot be negative.")
    if retries and job_type != BACKGROUND_JOB:
        raise JobError("Only a background job is retried: each attempt is one of its ChildJobs.")
    return JobOptions(timeout_sec or None, retries, interval)


def start_request(recipe: Recipe) -> StartRequest:
    """What the backend is asked to run, from how the job was started."""
    return StartRequest(
        command=recipe.command,
        cwd=recipe.working_directory,
        environment=dict(recipe.environment),
        argument_list=tuple(recipe.argument_list),
        input=recipe.input,
        initialization_script=recipe.initialization_script,
        resources=dict(recipe.resources),
    )


def queue_order(jobs: list[Job]) -> list[Job]:
    """Jobs by Id, except that the queued ones take their places among themselves in queue
    order (a retry or a job whose dependencies completed joins the queue at its end)."""
    slots = [i for i, job in enumerate(jobs) if job.queue_position is not None]
    if len(slots) > 1:
        queued = sorted(
            (jobs[i] for i in slots),
            key=lambda j: (j.ps_job_type_name, j.queue_position or 0),
        )
        for slot, job in zip(slots, queued, strict=True):
            jobs[slot] = job
    return jobs
