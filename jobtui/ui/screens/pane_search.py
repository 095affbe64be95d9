"""The Output pane's search: ``/`` and ``?`` as you type, ``n`` ``N``, ``&`` filtering, stderr and
time navigation, timestamps.

The search runs in the service (:meth:`JobService.start_search`), off the UI thread; this
controller polls it ten times a second while it runs (one small call: the matches not yet seen,
the count, the progress) and keeps counting while the job writes. The view highlights the
matches of the lines it draws with its own regex (:mod:`jobtui.ui.search_model`), so a search
over a gigabyte costs the UI only the line numbers of its matches.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Label

from jobtui.service import JobService, LineSource, SearchRequest
from jobtui.ui.search_model import (
    FilteredSource,
    MatchList,
    PatternError,
    TimeError,
    clock_text,
    parse_when,
    pattern_regex,
)
from jobtui.ui.search_poll import ConsoleSearch, Searcher, SearchPoll
from jobtui.ui.sources import ConsoleBuffer
from jobtui.ui.widgets.ordered_input import OneLineInput
from jobtui.ui.widgets.transcript_view import PaneKey, SearchableView

#: Lines of the transcript whose times are fetched at once for the timestamps.
TIME_BLOCK = 256
#: The most context lines around a filtered line.
MAX_CONTEXT = 20


class BoxMode(enum.Enum):
    """What the box under the pane's title is asking for."""

    SEARCH = "/"
    SEARCH_BACK = "?"
    FILTER = "&"
    TIME = "@"


class _BoxMessage(Message):
    """A key of a search box (the Output pane's or the Console's: ``control`` says which)."""

    def __init__(self, box: SearchBox) -> None:
        super().__init__()
        self.box = box

    @property
    def control(self) -> SearchBox:
        """The box."""
        return self.box


class SearchBox(OneLineInput):
    """The pane's search box: Enter keeps the search, Esc drops it, Ctrl+R toggles regex."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "drop", "Clear", id="search.clear"),
        Binding("ctrl+r", "toggle_regex", "Regex", id="search.regex"),
    ]

    class Dropped(_BoxMessage):
        """Esc: the search (or filter) is dropped."""

    class RegexToggled(_BoxMessage):
        """Ctrl+R: the pattern is read as a regex, or as literal text again."""

    def action_drop(self) -> None:
        """Drop the search or the filter, and go back to the pane."""
        self.post_message(self.Dropped(self))

    def action_toggle_regex(self) -> None:
        """Read the pattern as a regex, or as literal text."""
        self.post_message(self.RegexToggled(self))


class SearchRow(Horizontal):
    """The prompt (``/`` ``?`` ``&`` ``@``), the box, and the status: ``k of N``, progress, or
    the one-line error of a bad pattern."""

    def compose(self) -> ComposeResult:
        """Prompt, box, status."""
        yield Label("/", id="output-search-prompt", markup=False)
        yield SearchBox(
            placeholder="search (Ctrl+R regex, Enter keeps, Esc clears)", id="output-search-box"
        )
        yield Label("", id="output-search-status", markup=False)


class PaneSearch:
    """Search, filter and navigation for the Output pane's job, or for the Console's lines
    (``console``: its lines are searched in the UI, and the keys of a job's stderr and times
    are not bound there)."""

    def __init__(
        self,
        screen: Screen[None],
        service: JobService,
        view: SearchableView,
        job_id: Callable[[], int | None],
        *,
        console: ConsoleBuffer | None = None,
    ) -> None:
        self.screen = screen
        self.service = service
        self.view = view
        self.job_id = job_id
        self.console = console
        self.row: SearchRow | None = None
        self.mode = BoxMode.SEARCH
        self.pattern = ""
        self.regex = False
        self.forward = True
        self.matches = MatchList()
        self.highlight: re.Pattern[str] | None = None
        self._search: Searcher = (
            SearchPoll(self.service) if console is None else ConsoleSearch(console)
        )
        self.error: str | None = None
        self.progress = ""
        #: Filtering: the view shows this instead of the transcript.
        self.filtered: FilteredSource | None = None
        self.last_filter = ""
        self.context = 0
        self.timestamps = False
        #: The line the search started from, until a match is chosen.
        self._origin = 0
        self._moved = False
        #: The line the last jump went to, while the view stays where the jump put it.
        self._cursor: tuple[int, float] | None = None
        self._times: dict[int, list[float]] = {}
        self._searched_job: int | None = None
        self.notice = ""

    # -- the keys --------------------------------------------------------------------------------

    async def key(self, key: PaneKey) -> None:
        """Do what a pane key asks."""
        if key in (PaneKey.SEARCH, PaneKey.SEARCH_BACK):
            await self.open(BoxMode.SEARCH if key is PaneKey.SEARCH else BoxMode.SEARCH_BACK)
        elif key is PaneKey.FILTER:
            await self.open(BoxMode.FILTER)
        elif key is PaneKey.GO_TO_TIME:
            await self.open(BoxMode.TIME)
        elif key in (PaneKey.NEXT_MATCH, PaneKey.PREVIOUS_MATCH):
            self.step(forward=self.forward == (key is PaneKey.NEXT_MATCH))
        elif key in (PaneKey.MORE_CONTEXT, PaneKey.LESS_CONTEXT):
            self.set_context(self.context + (1 if key is PaneKey.MORE_CONTEXT else -1))
        elif key in (PaneKey.NEXT_ERROR, PaneKey.PREVIOUS_ERROR):
            self.error_record(forward=key is PaneKey.NEXT_ERROR)
        elif key is PaneKey.TIMESTAMPS:
            self.toggle_timestamps()

    async def open(self, mode: BoxMode) -> None:
        """Show the box for ``mode`` and put the cursor in it (made the first time)."""
        if self.row is None:
            self.row = SearchRow(id="output-search")
            await self.view.parent.mount(self.row, before=self.view)  # type: ignore[union-attr]
        self.mode = mode
        self._origin = self.cursor_line()
        self._moved = False
        if mode in (BoxMode.SEARCH, BoxMode.SEARCH_BACK):
            self.forward = mode is BoxMode.SEARCH
        box = self.box
        box.value = {BoxMode.FILTER: self.last_filter, BoxMode.TIME: ""}.get(mode, self.pattern)
        box.select_all()
        self.row.query_one("#output-search-prompt", Label).update(mode.value)
        self.row.display = True
        box.focus()
        if mode is not BoxMode.TIME:
            self.changed(box.value)  # the remembered filter applies again at once
        self._show_status()

    async def show_match(self, line: int, pattern: str, *, regex: bool) -> None:
        """Go to transcript line ``line`` with ``pattern``'s matches marked: the match there
        becomes the current one (``k of N``) as the search finds it."""
        await self.open(BoxMode.SEARCH)
        self.regex = regex
        self.box.value = pattern
        self.set_pattern(pattern, filtering=False, again=True)
        self._origin = line
        self._moved = False
        self.jump(line)
        self.view.focus()

    @property
    def box(self) -> SearchBox:
        """The search box (the row exists)."""
        assert self.row is not None
        return self.row.query_one(SearchBox)

    @property
    def active(self) -> bool:
        """Whether a pattern is searched (or filtered) now."""
        return bool(self.pattern) and self.error is None

    def changed(self, value: str) -> None:
        """The box's text changed: search again as the user types (a time waits for Enter)."""
        if self.mode is BoxMode.TIME:
            return
        self._moved = False  # each new pattern shows its first match from the origin
        # One pattern both searches and filters: / while filtered changes the filter.
        filtering = self.mode is BoxMode.FILTER or self.filtered is not None
        self.set_pattern(value, filtering=filtering)

    def submitted(self, value: str) -> None:
        """Enter: keep the search (or the filter) and go back to the pane."""
        if self.mode is BoxMode.TIME:
            self.go_to_time(value)
            return
        if self.mode is BoxMode.FILTER:
            self.last_filter = value
        if not value and self.row is not None:
            self.row.display = False
        self.view.focus()

    def dropped(self) -> None:
        """Esc in the box: the search and the filter end, the box goes."""
        self.set_pattern("", filtering=False)
        self.notice = ""
        if self.row is not None:
            self.row.display = False
        self.view.focus()

    def toggle_regex(self) -> None:
        """Ctrl+R: read the pattern as a regex, or as text."""
        self.regex = not self.regex
        self.set_pattern(self.pattern, filtering=self.filtered is not None, again=True)

    # -- searching -------------------------------------------------------------------------------

    def set_pattern(self, pattern: str, *, filtering: bool, again: bool = False) -> None:
        """Search for ``pattern`` in the pane's job from the start (the last search ends)."""
        if pattern == self.pattern and not again and filtering == (self.filtered is not None):
            return
        self._stop()
        self.pattern = pattern
        self.matches = MatchList()
        self.error = None
        self.progress = ""
        try:
            self.highlight = pattern_regex(pattern, regex=self.regex)
        except PatternError as error:
            self.highlight = None
            self.error = str(error)
        job_id = self.job_id()
        if self.highlight is not None and (job_id is not None or self.console is not None):
            # The view draws the lines itself: the matches need carry only their numbers.
            jobs = None if job_id is None else (job_id,)
            request = SearchRequest(pattern, regex=self.regex, job_ids=jobs, lines_only=True)
            self._search.start(request, self.screen.set_interval, self.poll)
            self._searched_job = job_id
        self._set_filter(filtering and self.highlight is not None)
        self._mark()
        self._show_status()

    def job_changed(self) -> None:
        """The pane shows another job: search it for the same pattern (and filter it)."""
        self._times.clear()
        self._cursor = None
        if self._searched_job != self.job_id() and (self.pattern or self.filtered):
            self._origin = 0
            self._moved = True  # no jump: the new job opens where the pane opens it
            self.set_pattern(self.pattern, filtering=self.filtered is not None, again=True)
        self._mark()

    @property
    def search_id(self) -> int | None:
        """The service's id of the search running now, if one is."""
        return self._search.search_id

    def _stop(self) -> None:
        self._search.stop()

    def poll(self) -> None:
        """Take the search's new matches; the first one from where the search began is shown."""
        if self._search.stale():
            self._moved = True  # the lines moved under the view: no jump
            self.set_pattern(self.pattern, filtering=self.filtered is not None, again=True)
            return
        update = self._search.update(len(self.matches.lines))
        if update is None:
            return
        self.matches.add(update.lines)
        self.matches.count = update.count
        if update.error:
            self.error = update.error
        if not update.first_pass_done and update.total_bytes:
            self.progress = f"searching {100 * update.searched_bytes // update.total_bytes}%"
        else:
            self.progress = ""
        if update.finished:
            self._stop()
        if self.filtered is not None:
            self.filtered.refresh()
            self.view.sync()
        if not self._moved and self.matches.lines:
            self._first_match()
        self._show_status()

    def _first_match(self) -> None:
        """Show the first match at or after the origin (before it, searching back)."""
        matches = self.matches
        if self.forward:
            index = matches.after(self._origin, inclusive=True)
        else:
            index = matches.before(self._origin, inclusive=True)
        if index is None:
            return  # not found yet on that side: the rest of the pass may find one
        self._moved = True
        self._go_to_match(index)

    def step(self, *, forward: bool) -> None:
        """``n`` / ``N``: the next match after (or before) the current line."""
        if not self.matches.lines:
            self.notice = "no match yet" if self.pattern else "no search: / searches"
            self._show_status()
            return
        current = self.matches.current
        line = self.matches.lines[current] if current is not None else self.cursor_line()
        index, wrapped = self.matches.step(line, forward=forward)
        assert index is not None
        self._moved = True
        self.notice = (
            ("search went round to the top" if forward else "search went round to the end")
            if wrapped
            else ""
        )
        self._go_to_match(index)

    def _go_to_match(self, index: int) -> None:
        self.matches.current = index
        self.jump(self.matches.lines[index])
        self._show_status()

    # -- filtering -------------------------------------------------------------------------------

    def _source(self) -> LineSource | None:
        """The lines searched: the console's, or the job's whole transcript."""
        if self.console is not None:
            return self.console
        job_id = self.job_id()
        return None if job_id is None else self.service.transcript(job_id)

    def _set_filter(self, on: bool) -> None:
        source = self._source()
        if on and source is not None:
            top = self.cursor_line()
            self.filtered = FilteredSource(source, self.matches, self.context)
            self.view.attach(self.filtered)
            self.view.following = False
            self._scroll_to(self.filtered.view_line(top) or 0)
        elif self.filtered is not None:
            top = self.cursor_line()
            self.filtered = None
            self.view.attach(source)
            if source is not None:
                self._scroll_to(top, top_third=False)

    def set_context(self, context: int) -> None:
        """``+`` / ``-``: the context lines around each filtered line."""
        self.context = min(MAX_CONTEXT, max(0, context))
        if self.filtered is None:
            self.notice = "context is for a filter: & filters"
        else:
            top = self.cursor_line()
            self.filtered.set_context(self.context)
            self.view.sync()
            self._scroll_to(self.filtered.view_line(top) or 0, top_third=False)
            self.notice = f"context {self.context}"
        self._show_status()

    # -- where the pane is -----------------------------------------------------------------------

    def cursor_line(self) -> int:
        """The transcript line the pane is at: where the last jump went, while the view stays
        there; else the top line on screen."""
        view = self.view
        if self._cursor is not None and self._cursor[1] == view.scroll_y:
            return self._cursor[0]
        top = round(view.scroll_y)
        if self.filtered is not None:
            line = self.filtered.transcript_line(top)
            if line is None:
                line = self.filtered.transcript_line(top + 1)
            return line or 0
        return top

    def jump(self, line: int) -> None:
        """Show transcript line ``line`` a third of the way down the pane."""
        at: int | None = line
        if self.filtered is not None:
            at = self.filtered.view_line(line)
        if at is None:
            return
        self._scroll_to(at)
        self._cursor = (line, self.view.scroll_y)
        self._mark()

    def _scroll_to(self, view_line: int, *, top_third: bool = True) -> None:
        view = self.view
        height = view.scrollable_content_region.height
        y = max(0, view_line - (height // 3 if top_third else 0))
        view.scroll_to(y=y, animate=False, immediate=True, force=True)

    def error_record(self, *, forward: bool) -> None:
        """``e`` / ``E``: the next (previous) run of stderr."""
        job_id = self.job_id()
        if job_id is None:
            return
        line = self.service.stream_line(job_id, self.cursor_line(), error=True, forward=forward)
        if line is None:
            self._say(f"no stderr {'after' if forward else 'before'} this line")
            return
        self.jump(line)

    def go_to_time(self, text: str) -> None:
        """``@``: the first line written at or after the time typed."""
        job_id = self.job_id()
        try:
            when = parse_when(text, datetime.now())
        except TimeError as error:
            self.notice = str(error)
            self._show_status(error=True)
            return
        line = None if job_id is None else self.service.line_at_time(job_id, when.timestamp())
        if line is None:
            self.notice = f"nothing written since {when:%H:%M:%S}"
            self._show_status(error=True)
            return
        self.notice = f"first line at or after {when:%H:%M:%S}"
        if self.row is not None and not self.active:
            self.row.display = False
        self.view.focus()
        self.jump(line)
        self._show_status()

    def toggle_timestamps(self) -> None:
        """``t``: each line's arrival time before it, or not."""
        self.timestamps = not self.timestamps
        self._times.clear()
        self._mark()

    def _time_prefix(self, view_line: int) -> str:
        line: int | None = view_line
        if self.filtered is not None:
            line = self.filtered.transcript_line(view_line)
        job_id = self.job_id()
        if line is None or job_id is None:
            return " " * 13
        block, offset = divmod(line, TIME_BLOCK)
        times = self._times.get(block)
        if times is None or offset >= len(times):
            if len(self._times) > 64:
                self._times.clear()
            times = self.service.line_times(job_id, block * TIME_BLOCK, (block + 1) * TIME_BLOCK)
            self._times[block] = times
        return clock_text(times[offset]) + " " if offset < len(times) else " " * 13

    # -- what the pane shows ---------------------------------------------------------------------

    def _mark(self) -> None:
        current = None
        if self.matches.current is not None:
            line = self.matches.lines[self.matches.current]
            current = line if self.filtered is None else self.filtered.view_line(line)
        prefix = self._time_prefix if self.timestamps else None
        self.view.mark(self.highlight, current, prefix)

    def _say(self, text: str) -> None:
        self.screen.notify(text, timeout=2, markup=False)

    def status_text(self) -> str:
        """What the status beside the box says."""
        if self.error:
            return self.error
        parts = []
        if self.mode is not BoxMode.TIME and self.pattern:
            parts.append(self.matches.label())
            if self.progress:
                parts.append(self.progress)
            if self.filtered is not None and self.context:
                parts.append(f"context {self.context}")
        if self.notice:
            parts.append(self.notice)
        parts.append("regex" if self.regex else "text")
        return " · ".join(parts)

    def _show_status(self, *, error: bool = False) -> None:
        if self.row is None:
            return
        label = self.row.query_one("#output-search-status", Label)
        text = self.status_text()
        # Its width is its text's (auto): the screen is laid out again only when that changes,
        # not at each count of a growing job's matches (a layout a poll, 5 ms each).
        label.update(text, layout=cell_len(text) != cell_len(str(label.content)))
        label.set_class(error or self.error is not None, "-error")
        self._mark()
