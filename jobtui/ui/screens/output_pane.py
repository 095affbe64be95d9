"""The Output pane's job: which transcript it shows, its title, and, with keep off, when showing
is receiving.

Keep off makes the pane consume what it shows, as Receive-Job without -Keep does. It consumes
only what the user has had a real chance to read: the job stayed shown for :data:`DWELL` seconds,
or the user scrolled the pane (with the mouse over it, or with the focus in it). Arrowing past
jobs in the table consumes nothing: a job shown for 150 ms used to lose its unread signal.
The ``r`` key receives at once (a Receive-Job line).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from textual.screen import Screen
from textual.widgets import Label

from jobtui.service import JobService
from jobtui.ui.formatting import STATE_LOOKS
from jobtui.ui.sanitize import plain
from jobtui.ui.widgets.output_view import OutputView

if TYPE_CHECKING:
    from jobtui.engine.snapshot import JobSnapshot

#: Seconds a job must stay shown before keep off receives what the pane shows of it.
DWELL = 1.0
NO_JOB = "No job selected"


class OutputPane:
    """Drives the Output pane's view and title for the job the table highlights."""

    def __init__(
        self, screen: Screen[None], service: JobService, view: OutputView, title: Label
    ) -> None:
        self.service = service
        self.view = view
        self.title = title
        #: The job shown, by id (None: none).
        self.job_id: int | None = None
        self._screen = screen
        self._shown_at = 0.0
        self._scrolled = False
        self._moving = False
        self._title_seen: tuple[int, int, bool, bool] | None = None
        self._title_text = ""
        screen.watch(view, "scroll_y", self._scroll_moved, init=False)

    @contextmanager
    def _moved_by_us(self) -> Iterator[None]:
        """What the view scrolls inside is the pane's own doing (following, a new job), not the
        user's."""
        self._moving = True
        try:
            yield
        finally:
            self._moving = False

    def _scroll_moved(self, old: float, new: float) -> None:
        if self._moving or old == new:
            return
        view = self.view
        if self._screen.focused is view or self._screen.app.mouse_over is view:
            self._scrolled = True

    @property
    def had_a_chance(self) -> bool:
        """Whether the user has had a real chance to read what the pane shows."""
        return self._scrolled or time.monotonic() - self._shown_at >= DWELL

    def show(self, job: JobSnapshot | None, *, keep: bool) -> None:
        """Show ``job``'s transcript (from its first unread line with keep off)."""
        job_id = None if job is None else job.id
        if job_id == self.job_id:
            return
        self.job_id = job_id
        self._title_seen = None
        self._shown_at = time.monotonic()
        self._scrolled = False
        source = None if job_id is None else self.service.transcript(job_id)
        # Keep off: from the first line not yet received, so what it shows is what it receives.
        top = source.unread_from() if source is not None and not keep else None
        with self._moved_by_us():
            self.view.attach(source, top=top)
        if job is None:
            self._set_title(NO_JOB)

    def forget_title(self) -> None:
        """Write the title again at the next sync (keep changed)."""
        self._title_seen = None

    def sync(self, job: JobSnapshot | None, *, keep: bool, visible: bool) -> bool:
        """Take the new lines; with keep off, receive what the user has had a chance to read.

        True if the view changed.
        """
        with self._moved_by_us():
            shown = self.view.sync()
        if job is None or job.id != self.job_id:
            return shown
        if not keep and visible and self.had_a_chance:
            self._receive_shown(job.id)
        self._update_title(job, keep)
        return shown

    def _receive_shown(self, job_id: int) -> None:
        view = self.view
        source = view.source
        last = view.last_visible_line
        if source is None or last is None:
            return
        unread = source.unread_from()
        if unread is None or unread > last:
            return  # nothing unread is on screen: a receive would move nothing
        self.service.receive_through(job_id, last)
        with self._moved_by_us():
            view.sync()

    def _update_title(self, job: JobSnapshot, keep: bool) -> None:
        following = self.view.following
        seen = (job.id, job.version, keep, following)
        if seen == self._title_seen:
            return
        self._title_seen = seen
        look = STATE_LOOKS[job.state]
        parts = [f"{plain(job.name)} (Id {job.id})", look.label(job.state)]
        transcript = job.transcript
        if transcript is not None:
            count = transcript.line_count
            parts.append(f"{count:,} line{'' if count == 1 else 's'}")
            unread = job.unread_lines
            parts.append(f"{unread:,} unread" if unread else "all received")
            if transcript.lost_bytes:
                parts.append(f"{transcript.lost_bytes:,} bytes lost")
        if not job.state.is_finished:
            parts.append("following" if following else "scrolled up, End follows")
        parts.append(" ".join(plain(job.command).split()))
        self._set_title(" · ".join(parts))

    def _set_title(self, text: str) -> None:
        # Only a new text: an update lays the screen out again (the monitor touches a running
        # job every few seconds without changing what the title says).
        if text != self._title_text:
            self._title_text = text
            # Its width is the header's rest (1fr), whatever it says: no layout of the screen.
            self.title.update(text, layout=False)
