"""What the queue's columns say: the time left of a job with a time limit, and, in Progress, a
bar and a percentage, the last status, the place in a throttled queue, or whom a job waits for.

A queued job's place is worked out here, from the queue tickets of the records the table holds
(:func:`queue_places`), not read from each job: a start moves the place of every job behind it
but changes only the snapshot of the job that left the queue, so a thousand queued jobs cost
one pass when the queue moves, not a thousand snapshots.
"""

from __future__ import annotations

from collections.abc import Iterable

from jobtui.engine import JobState
from jobtui.ui.formatting import human_duration
from jobtui.ui.records import JobRecord, ProgressLike
from jobtui.ui.sanitize import plain

#: (text, colour role), as the rows hold cells.
Cell = tuple[str, str]
#: Cells the bar takes; with " 100%" it fits the Progress column's 16 characters.
BAR_WIDTH = 10
#: Eighths of a cell, for the bar's last, partly filled cell.
_EIGHTHS = " ▏▎▍▌▋▊▉"
_FULL = "█"
_EMPTY = "░"
#: Seconds left under which the time left is shown as a warning.
WARN_SECONDS = 60


def bar(percent: int, width: int = BAR_WIDTH) -> str:
    """A bar ``width`` cells long filled to ``percent`` (0-100), to an eighth of a cell."""
    eighths = round(max(0, min(percent, 100)) * width * 8 / 100)
    full, part = divmod(eighths, 8)
    text = _FULL * full
    if part:
        text += _EIGHTHS[part]
    return text + _EMPTY * (width - len(text))


def progress_text(progress: ProgressLike) -> str:
    """A progress record as a cell: ``████▍░░░░░  44%``, or its status when it has no percentage."""
    percent = progress.percent_complete
    if percent < 0:
        return plain(progress.status_description or progress.activity)
    return f"{bar(percent)} {percent:>3}%"


def progress_cell(job: JobRecord, place: int | None) -> Cell:
    """The Progress cell: whom a NotStarted job waits for, its place in the queue, or the latest
    progress of its output."""
    if job.state is JobState.NotStarted:
        waits_for = job.waits_for
        if waits_for:
            return "after " + ", ".join(plain(name) for name in waits_for), "warning"
        if place is not None:
            return f"queued {place}", "primary"
    progress = job.progress
    if progress is None:
        return "", ""
    return progress_text(progress), "accent" if not job.state.is_finished else ""


def time_left_cell(left_seconds: float | None) -> Cell:
    """The TimeLeft cell: what remains of the time limit, a warning in its last minute."""
    if left_seconds is None:
        return "", ""
    return human_duration(left_seconds), "warning" if left_seconds <= WARN_SECONDS else ""


def queue_places(records: Iterable[JobRecord]) -> dict[int, int]:
    """Each queued job's place in its queue, from 1, by job id: first in, first out, in the
    order of the tickets the jobs took."""
    queues: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for job in records:
        ticket = job.queue_ticket
        if ticket is not None:
            key = job.queue_key
            if key is not None:
                queues.setdefault(key, []).append((ticket, job.id))
    places: dict[int, int] = {}
    for queued in queues.values():
        queued.sort()
        for place, (_ticket, job_id) in enumerate(queued, 1):
            places[job_id] = place
    return places
