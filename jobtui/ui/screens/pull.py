"""The main screen's pull loop: what changed, taken through the job service at a pace, and the
notifications of jobs that finished.

The service's threads never reach a widget. A timer (see :mod:`jobtui.ui.pacing`) pulls the
snapshots of the jobs that changed since the last version, the transcript of the job shown and
the console; the service's listener and the console only wake it. Which jobs finished is read
from the snapshots themselves (a job seen unfinished, or first seen after the first pull, that is
now finished), so a service in another process can tell it the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.message_pump import MessagePump

from jobtui.engine import JobState
from jobtui.service import JobService
from jobtui.ui.pacing import Pacer
from jobtui.ui.sources import ConsoleBuffer
from jobtui.ui.widgets.jobs_table import JobsTable
from jobtui.ui.widgets.output_view import OutputView

if TYPE_CHECKING:
    from jobtui.engine.snapshot import JobSnapshot
    from jobtui.ui.notifications import Notice, Notifier

#: Least seconds between two refreshes of the table (a burst of events becomes one refresh).
TABLE_INTERVAL = 0.25
#: Seconds between refreshes for running jobs' elapsed time when nothing else changed (less a
#: little: the quiet screen pulls once a second, and its timer may fire a hair early).
ELAPSED_INTERVAL = 0.95


class PullLoop:
    """Keeps the screen's snapshots, table, panes and notifications up to date."""

    def __init__(
        self,
        service: JobService,
        table: JobsTable,
        console: ConsoleBuffer,
        console_view: OutputView,
        sync_output: Callable[[], bool],
        make_notifier: Callable[[], Notifier],
    ) -> None:
        self.service = service
        #: Every top-level job as last pulled, by id (in id order).
        self.jobs: dict[int, JobSnapshot] = {}
        #: The service's version the snapshots are as of (-1: nothing pulled yet).
        self.version = -1
        self._table = table
        self._console = console
        self._console_view = console_view
        self._sync_output = sync_output
        # Made with the first notice: the notifications' module (and json) cost start-up 5 ms.
        self._make_notifier = make_notifier
        self._notifier: Notifier | None = None
        self._table_at = 0.0
        #: Ids of the jobs pulled since the table last showed them (None: the table must look
        #: at every job, as before its first sync).
        self._unshown: set[int] | None = None
        #: Jobs that finished or began to wait for input since the last notice.
        self._noticed: list[JobSnapshot] = []
        #: The jobs of each line that started more than one, until all of them have finished.
        self._line_groups: list[tuple[str, set[int]]] = []
        #: The groups already announced (a chain that one line started is said once).
        self._announced: set[frozenset[int]] = set()
        self._unsubscribe: Callable[[], None] | None = None
        # Pulls changes ten times a second, once a second when all is quiet (see pacing).
        self._pacer = Pacer(self.pull)

    def start(self, owner: MessagePump) -> None:
        """Pull now, then on ``owner``'s timers; wake at once when the service or console says."""
        self.refresh_table(force=True)
        self._pacer.start(owner)
        self._unsubscribe = self.service.subscribe(self._pacer.wake)
        self._console.on_append = self._pacer.wake

    def stop(self) -> None:
        """No more wake-ups."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._console.on_append = None

    def pull(self) -> bool:
        """Take what changed; True if anything new was shown."""
        now = time.monotonic()
        shown = False
        if now - self._table_at >= TABLE_INTERVAL:
            changed = self.take_changes()
            if changed or now - self._table_at >= ELAPSED_INTERVAL:
                shown = self.refresh_table(take=False)
        shown = self._sync_output() or shown
        shown = self._console_view.sync() or shown
        return self._notify() or shown

    def take_changes(self) -> bool:
        """Bring the snapshots up to date; True if any job changed, came or went."""
        changes = self.service.changes(self.version)
        first = self.version < 0
        self.version = changes.version
        for job_id in changes.removed:
            self.jobs.pop(job_id, None)
        unshown = self._unshown
        for job in changes.changed:
            if unshown is not None:
                unshown.add(job.id)
            before = self.jobs.get(job.id)
            if job.state.is_finished and (
                (before is None and not first) or (before is not None and not before.finished)
            ):
                self._noticed.append(job)
            elif job.state is JobState.Blocked and (
                (before is None and not first)
                or (before is not None and before.state is not JobState.Blocked)
            ):
                self._noticed.append(job)  # it began to wait for input
            self.jobs[job.id] = job
        return bool(changes.changed or changes.removed)

    def refresh_table(self, *, force: bool = False, take: bool = True) -> bool:
        """Bring the table up to date (only changed cells are touched); True if any row changed,
        came or went."""
        if take:
            self.take_changes()
        self._table_at = time.monotonic()
        jobs = self.jobs
        unshown, self._unshown = self._unshown, set()
        changed = None if unshown is None else [jobs[i] for i in unshown if i in jobs]
        return self._table.sync(list(jobs.values()), force=force, changed=changed)

    def watch_line(self, line: str, job_ids: list[int]) -> None:
        """The jobs ``line`` started: once every one of them has finished, one notice says so
        (a line that started one job has its job's notice)."""
        if len(job_ids) > 1:
            self._line_groups.append((line, set(job_ids)))
            if self._notify():
                self._pacer.wake()

    def _notify(self) -> bool:
        """Hand the notices since the last look to the notifier; True if there were any."""
        noticed, self._noticed = self._noticed, []
        if not noticed and not self._line_groups:
            return False
        from jobtui.ui.notifications import job_notice

        notices: list[Notice] = [job_notice(job) for job in noticed]
        finished = [job for job in noticed if job.state.is_finished]
        notices += self._finished_chains(finished)
        notices += self._finished_lines()
        if notices:
            self.notifier.announce(notices)
        return bool(notices)

    @property
    def notifier(self) -> Notifier:
        """What says the notices (made when first needed)."""
        if self._notifier is None:
            self._notifier = self._make_notifier()
        return self._notifier

    def _finished_chains(self, finished: list[JobSnapshot]) -> list[Notice]:
        """A notice for each -DependsOn chain whose last job has just finished."""
        if not finished or not any(job.depends_on for job in self.jobs.values()):
            return []
        links: dict[int, set[int]] = {}
        for job in self.jobs.values():
            for dep in job.depends_on:
                links.setdefault(job.id, set()).add(dep.id)
                links.setdefault(dep.id, set()).add(job.id)
        notices = []
        for job in finished:
            if job.id not in links:
                continue
            chain, todo = {job.id}, [job.id]
            while todo:
                for other in links.get(todo.pop(), ()):
                    if other not in chain:
                        chain.add(other)
                        todo.append(other)
            notice = self._group("Chain", chain)
            if notice is not None:
                notices.append(notice)
        return notices

    def _finished_lines(self) -> list[Notice]:
        notices = []
        for entry in list(self._line_groups):
            line, ids = entry
            alive = {job_id for job_id in ids if job_id in self.jobs}
            if all(self.jobs[job_id].finished for job_id in alive):
                self._line_groups.remove(entry)
                notice = self._group(f"“{line}”", alive)
                if notice is not None:
                    notices.append(notice)
        return notices

    def _group(self, what: str, ids: set[int]) -> Notice | None:
        """The group's notice, if all its jobs (still known) have finished and it was not said
        before."""
        key = frozenset(job_id for job_id in ids if job_id in self.jobs)
        if len(key) < 2 or key in self._announced:
            return None
        jobs = [self.jobs[job_id] for job_id in sorted(key)]
        if not all(job.finished for job in jobs):
            return None
        self._announced.add(key)
        from jobtui.ui.notifications import group_notice

        return group_notice(what, jobs)
