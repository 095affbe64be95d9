"""The search across every job's output: each match with its job, line number, time, stream
and text; Enter opens that job's Output pane at that line.

The search runs in the service over every job, those started while it runs too, and goes on
as they write (:class:`~jobtui.service.SearchRequest` with ``job_ids`` None). The screen polls
it ten times a second and adds the new matches in one batch: a DataTable repaints whole on
any change (about 38 ms at 1,000 rows), so it lists at most :data:`SHOWN` of them and counts
the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label

from jobtui.service import JobService, SearchMatch, SearchRequest
from jobtui.ui.paths import screen_css_path
from jobtui.ui.sanitize import plain
from jobtui.ui.search_model import PatternError, pattern_regex
from jobtui.ui.search_poll import SearchPoll
from jobtui.ui.widgets.key_bar import KeyBar
from jobtui.ui.widgets.ordered_input import OneLineInput

#: Matches listed; the count goes on past them.
SHOWN = 1000
#: Characters of a line the table shows.
TEXT_WIDTH = 300


@dataclass(frozen=True)
class SearchChoice:
    """What the search screen returns: the job and line chosen, and the pattern (the pane
    marks its matches)."""

    job_id: int
    line: int
    pattern: str
    regex: bool


class SearchAllScreen(Screen[SearchChoice | None]):
    """Search every job's transcript as you type."""

    CSS_PATH = screen_css_path("search.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="search_all.close"),
        Binding("ctrl+r", "toggle_regex", "Regex", id="search_all.regex"),
        Binding("tab", "switch_focus", "Matches", show=False, id="search_all.switch_focus"),
    ]

    def __init__(
        self, service: JobService, job_name: Callable[[int], str], pattern: str = ""
    ) -> None:
        super().__init__()
        self.service = service
        self.job_name = job_name
        self.pattern = pattern
        self.regex = False
        self._search = SearchPoll(service)
        self._matches: list[SearchMatch] = []
        self.count = 0
        self.error: str | None = None
        self.progress = ""

    def compose(self) -> ComposeResult:
        """Title and status, the box, the matches, the key bar."""
        with Horizontal(id="search-all-header"):
            yield Label("Search every job", id="search-all-title", markup=False)
            yield Label("", id="search-all-status", markup=False)
        yield OneLineInput(
            self.pattern,
            placeholder="text to find in every job's output (smart case; Ctrl+R regex)",
            id="search-all-box",
        )
        results: DataTable[str | Text] = DataTable(id="search-all-results", cursor_type="row")
        results.add_columns("Job", "Line", "Time", "Stream", "Text")
        yield results
        yield KeyBar()

    def on_mount(self) -> None:
        """The cursor in the box; a pattern given searches at once."""
        self.query_one("#search-all-box", Input).focus()
        if self.pattern:
            self.restart()

    def on_unmount(self) -> None:
        """The search ends with the screen."""
        self._stop()

    @property
    def table(self) -> DataTable[str | Text]:
        """The matches."""
        return self.query_one("#search-all-results", DataTable)

    @on(Input.Changed, "#search-all-box")
    def _changed(self, event: Input.Changed) -> None:
        self.pattern = event.value
        self.restart()

    @on(Input.Submitted, "#search-all-box")
    def _submitted(self) -> None:
        if self.table.row_count:
            self.table.focus()

    def action_switch_focus(self) -> None:
        """Between the box and the matches."""
        box = self.query_one("#search-all-box", Input)
        (self.table if self.focused is box else box).focus()

    def action_toggle_regex(self) -> None:
        """Read the pattern as a regex, or as literal text."""
        self.regex = not self.regex
        self.restart()

    def action_close(self) -> None:
        """Back to the jobs."""
        self.dismiss(None)

    def restart(self) -> None:
        """Search every job for the pattern, from the start."""
        self._stop()
        self.table.clear()
        self._matches = []
        self.count = 0
        self.error = None
        self.progress = ""
        try:
            valid = pattern_regex(self.pattern, regex=self.regex) is not None
        except PatternError as error:
            self.error = str(error)
            valid = False
        if valid:
            request = SearchRequest(self.pattern, regex=self.regex, cap=SHOWN)
            self._search.start(request, self.set_interval, self.poll)
        self._show_status()

    @property
    def search_id(self) -> int | None:
        """The service's id of the search running now, if one is."""
        return self._search.search_id

    def _stop(self) -> None:
        self._search.stop()

    def poll(self) -> None:
        """Add the new matches, in one batch; count on."""
        update = self._search.update(len(self._matches))
        if update is None:
            return
        if update.matches:
            self._matches.extend(update.matches)
            self.table.add_rows([self._row(match) for match in update.matches])
        self.count = update.count
        self.error = update.error
        busy = not update.first_pass_done and update.total_bytes
        self.progress = (
            f"searching {100 * update.searched_bytes // update.total_bytes}%" if busy else ""
        )
        if update.finished:
            self._stop()
        self._show_status()

    def _row(self, match: SearchMatch) -> list[str | Text]:
        stream = Text("stderr", style="red") if match.error else Text("stdout")
        return [
            f"{plain(self.job_name(match.job_id))} ({match.job_id})",
            f"{match.line + 1:,}",
            datetime.fromtimestamp(match.time).strftime("%H:%M:%S"),
            stream,
            plain(match.text[:TEXT_WIDTH]),
        ]

    def choice_at(self, row: int) -> SearchChoice | None:
        """The job and line of the match on row ``row``."""
        if not 0 <= row < len(self._matches):
            return None
        match = self._matches[row]
        return SearchChoice(match.job_id, match.line, self.pattern, self.regex)

    def status_text(self) -> str:
        """``N matches in M jobs``, the progress, or the error."""
        if self.error:
            return self.error
        if not self.pattern:
            return "type to search every job's output"
        jobs = len({m.job_id for m in self._matches})
        parts = [
            f"{self.count:,} match{'' if self.count == 1 else 'es'} in {jobs} job"
            f"{'' if jobs == 1 else 's'}"
        ]
        if self.count > len(self._matches):
            parts.append(f"the first {len(self._matches):,} listed")
        if self.progress:
            parts.append(self.progress)
        parts.append("regex" if self.regex else "text")
        return " · ".join(parts)

    def _show_status(self) -> None:
        label = self.query_one("#search-all-status", Label)
        label.update(self.status_text())
        label.set_class(self.error is not None, "-error")

    @on(DataTable.RowSelected, "#search-all-results")
    def _selected(self, event: DataTable.RowSelected) -> None:
        choice = self.choice_at(event.cursor_row)
        if choice is not None:
            self.dismiss(choice)
