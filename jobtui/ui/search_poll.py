"""One search running in the service, and the timer that asks it for news.

The Output pane's search and the every-job search screen start, poll and cancel a search the
same way; only what they do with its matches differs.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.timer import Timer

from jobtui.service import JobService, SearchRequest, SearchUpdate

#: Seconds between asking a running search for its new matches.
POLL = 0.1

Every = Callable[[float, Callable[[], None]], Timer]


class SearchPoll:
    """At most one search at a time: a new start cancels the one before."""

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
