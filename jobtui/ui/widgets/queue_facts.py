"""The detail screen's queue section: progress, the time limit, dependencies and attempts.

What Start-Job -TimeoutSec, -DependsOn and -MaximumRetryCount made of a job, read from its
snapshot: the latest progress as a bar, the time left, each job it depends on with its state, and
every attempt in order with how it ended (its exit code, or the signal that ended it).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual.widgets import Static

from jobtui.ui.formatting import human_duration
from jobtui.ui.sanitize import plain
from jobtui.ui.table.queue_cells import bar

if TYPE_CHECKING:
    from jobtui.engine.snapshot import JobSnapshot

#: Cells of the detail's progress bar.
DETAIL_BAR_WIDTH = 30


def attempt_text(attempt: JobSnapshot) -> str:
    """How one attempt went: ``Failed, exit 5``, ``Stopped, SIGTERM``, ``Running``."""
    process = attempt.process
    text = attempt.state.name
    if process.signal:
        text += f", {process.signal}"
    elif process.exit_code is not None:
        text += f", exit {process.exit_code}"
    return text


def queue_lines(job: JobSnapshot, now: datetime) -> list[str]:
    """The section's lines for ``job`` at ``now``; none for a job the queue did nothing to."""
    lines: list[str] = []
    progress = job.progress
    if progress is not None:
        percent = progress.percent_complete
        what = plain(progress.activity or progress.status_description)
        if percent >= 0:
            lines.append(f"Progress   {bar(percent, DETAIL_BAR_WIDTH)} {percent}%")
            if what:
                lines.append(f"           {what}")
        else:
            lines.append(f"Progress   {what}")
    if job.timeout_sec is not None:
        left = job.time_left_at(now)
        limit = f"TimeoutSec {job.timeout_sec:g} ({human_duration(job.timeout_sec)})"
        lines.append(limit + ("" if left is None else f", {human_duration(left.seconds)} left"))
    if job.queue_position is not None and job.queue_ticket is not None:
        lines.append(f"Queue      waiting for a slot (ThrottleLimit), place {job.queue_position}")
    if job.depends_on:
        deps = ", ".join(f"{plain(d.name)} (Id {d.id}, {d.state.name})" for d in job.depends_on)
        lines.append(f"DependsOn  {deps}")
    attempts = job.child_jobs
    if job.maximum_retry_count or len(attempts) > 1:
        total = job.maximum_retry_count + 1
        lines.append(f"Attempts   {len(attempts)} of up to {total}:")
        lines.extend(
            f"  {number}. Job {attempt.id}: {attempt_text(attempt)}"
            for number, attempt in enumerate(attempts, 1)
        )
    return lines


class QueueFacts(Static):
    """The queue section; hidden while it has nothing to say."""

    def show(self, job: JobSnapshot, now: datetime) -> None:
        """Show ``job``'s queue facts as of ``now``."""
        lines = queue_lines(job, now)
        self.display = bool(lines)
        self.update("\n".join(lines))
