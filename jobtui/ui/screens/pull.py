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
from textual.notifications import SeverityLevel

from jobtui.engine import JobState
from jobtui.service import JobService
from jobtui.ui.pacing import Pacer
from jobtui.ui.sources import ConsoleBuffer
from jobtui.ui.widgets.jobs_table import JobsTable
from jobtui.ui.widgets.output_view import OutputView

if TYPE_CHECKING:
    from jobtui.engine.snapshot import JobSnapshot

#: Least seconds between two refreshes of the table (a burst of events becomes one refresh).
TABLE_INTERVAL = 0.25
#: Seconds between refreshes for running jobs' elapsed time when nothing else changed (less a
#: little: the quiet screen pulls once a second, and its timer may fire a hair early).
ELAPSED_INTERVAL = 0.95
#: More finished jobs than this at once make one summary notification.
NOTIFY_LIMIT = 3

Notify = Callable[..., None]


class PullLoop:
    """Keeps the screen's snapshots, table, panes and notifications up to date."""

    def __init__(
        self,
        service: JobService,
        table: JobsTable,
        console: ConsoleBuffer,
        console_view: OutputView,
        sync_output: Callable[[], bool],
        notify: Notify,
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
        self._notify = notify
        self._table_at = 0.0
        self._finished: list[JobSnapshot] = []
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
        return self._notify_finished() or shown

    def take_changes(self) -> bool:
        """Bring the snapshots up to date; True if any job changed, came or went."""
        changes = self.service.changes(self.version)
        first = self.version < 0
        self.version = changes.version
        for job_id in changes.removed:
            self.jobs.pop(job_id, None)
        for job in changes.changed:
            before = self.jobs.get(job.id)
            if job.state.is_finished and (
                (before is None and not first) or (before is not None and not before.finished)
            ):
                self._finished.append(job)
            self.jobs[job.id] = job
        return bool(changes.changed or changes.removed)

    def refresh_table(self, *, force: bool = False, take: bool = True) -> bool:
        """Bring the table up to date (only changed cells are touched); True if any row changed,
        came or went."""
        if take:
            self.take_changes()
        self._table_at = time.monotonic()
        return self._table.sync(list(self.jobs.values()), force=force)

    def _notify_finished(self) -> bool:
        finished, self._finished = self._finished, []
        if not finished:
            return False
        if len(finished) > NOTIFY_LIMIT:
            counts: dict[str, int] = {}
            for job in finished:
                counts[job.state.name] = counts.get(job.state.name, 0) + 1
            summary = ", ".join(f"{n} {name.lower()}" for name, n in sorted(counts.items()))
            severity: SeverityLevel = "error" if JobState.Failed.name in counts else "information"
            self._notify(
                f"{len(finished)} jobs finished: {summary}.",
                title="Jobs",
                severity=severity,
                markup=False,
            )
            return True
        for job in finished:
            if job.state is JobState.Failed:
                reason = job.reason
                self._notify(
                    reason.message if reason else "Failed.",
                    title=f"{job.name} failed",
                    severity="error",
                    timeout=8,
                    markup=False,
                )
            elif job.state is JobState.Completed:
                self._notify(f"{job.command}", title=f"{job.name} completed", markup=False)
            else:
                self._notify(
                    f"{job.command}", title=f"{job.name} stopped", severity="warning", markup=False
                )
        return True
