"""One search running, and the timer that asks it for news.

The Output pane's search and the every-job search screen start, poll and cancel a search in the
service the same way (:class:`SearchPoll`); only what they do with its matches differs. The
Console pane's lines are the UI's own, so its search (:class:`ConsoleSearch`) reads them here,
behind the same four calls.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from textual.timer import Timer

from jobtui.service import JobService, SearchRequest, SearchUpdate
from jobtui.ui.search_model import PatternError, pattern_regex
from jobtui.ui.sources import ConsoleBuffer

#: Seconds between asking a running search for its new matches.
POLL = 0.1
#: Console lines matched per poll: the console holds at most 20,000, and a regex over them all
#: at once would take the UI thread 10-20 ms.
CONSOLE_LINES_PER_POLL = 5000

Every = Callable[[float, Callable[[], None]], Timer]


class Searcher(Protocol):
    """What a pane's search asks of a search: start, news, stop."""

    search_id: int | None

    def start(self, request: SearchRequest, every: Every, on_news: Callable[[], None]) -> None:
        """Start ``request``; ``on_news`` is called on the timer until it stops."""
        ...

    def stop(self) -> None:
        """Cancel the search and its timer."""
        ...

    def update(self, since: int) -> SearchUpdate | None:
        """The matches after the first ``since``; None once stopped."""
        ...

    def stale(self) -> bool:
        """Whether the lines searched moved (the matches' numbers no longer hold)."""
        ...


class SearchPoll:
    """At most one search at a time in the service: a new start cancels the one before."""

    def __init__(self, service: JobService) -> None:
        self.service = service
        self.search_id: int | None = None
        self._timer: Timer | None = None

    def start(self, request: SearchRequest, every: Every, on_news: Callable[[], None]) -> None:
        """Start ``request`` and call ``on_news`` every :data:`POLL` seconds until it stops
        (``every`` is a widget's ``set_interval``, so the timer dies with it)."""
        self.stop()
        self.search_id = self.service.start_search(request)
        self._timer = every(POLL, on_news)

    def stop(self) -> None:
        """Cancel the search (if any) and its timer."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.search_id is not None:
            self.service.cancel_search(self.search_id)
            self.search_id = None

    def update(self, since: int) -> SearchUpdate | None:
        """The matches after the first ``since``, and the counts; None (and stopped) when no
        search runs or the service no longer has it."""
        if self.search_id is None:
            return None
        update = self.service.search_update(self.search_id, since)
        if update is None:
            self.stop()
        return update

    def stale(self) -> bool:
        """A transcript's lines never move."""
        return False


class ConsoleSearch:
    """The Console's lines searched on the UI's timer, a block at a time, as the console grows
    (same smart case as the service's search). ``search_id`` is 0 while it runs."""

    def __init__(self, console: ConsoleBuffer) -> None:
        self.console = console
        self.search_id: int | None = None
        self._timer: Timer | None = None
        self._lines: list[int] = []
        self._scanned = 0
        self._generation = console.generation
        self._regex: re.Pattern[str] | None = None

    def start(self, request: SearchRequest, every: Every, on_news: Callable[[], None]) -> None:
        """Match ``request``'s pattern against the console, then against what it adds."""
        self.stop()
        try:
            self._regex = pattern_regex(request.pattern, regex=request.regex)
        except PatternError:
            self._regex = None  # the pane has said so already
        self._lines, self._scanned = [], 0
        self._generation = self.console.generation
        self.search_id = 0
        self._timer = every(POLL, on_news)

    def stop(self) -> None:
        """No more matching."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.search_id = None

    def update(self, since: int) -> SearchUpdate | None:
        """Match the next block of lines; the matching lines after the first ``since``."""
        if self.search_id is None:
            return None
        regex = self._regex
        total = self.console.line_count
        if regex is not None and not self.stale():
            stop = min(total, self._scanned + CONSOLE_LINES_PER_POLL)
            lines = self.console.lines(self._scanned, stop)
            search = regex.search
            self._lines.extend(
                self._scanned + i for i, (_, text) in enumerate(lines) if search(text)
            )
            self._scanned += len(lines)
        return SearchUpdate(
            matches=(),
            lines=tuple(self._lines[since:]),
            count=len(self._lines),
            searched_bytes=self._scanned,
            total_bytes=max(total, self._scanned),
            first_pass_done=self._scanned >= total,
            finished=False,
        )

    def stale(self) -> bool:
        """The console dropped its oldest lines: every number moved."""
        return self.console.generation != self._generation
