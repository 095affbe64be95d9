"""A search run of the service: a pattern over some jobs' transcripts, on a thread of its own,
that goes on counting while the jobs write.

The first pass searches everything there is; each later pass searches only what was written
since, from where the last pass stopped (the engine's ``whole_lines`` keeps the line a writer may
still extend out of a pass, so no line is counted twice). A front end polls the run for the
matches it has not seen yet (:meth:`SearchRun.update`): over a socket that is one small request
at the front end's pace, not a message per hit.

The engine's search loads with the first run: it costs about 15 ms of start-up otherwise.
"""

from __future__ import annotations

import logging
import threading
import time
from array import array
from collections.abc import Callable
from typing import TYPE_CHECKING

from jobtui.engine import Stream
from jobtui.service_values import SearchMatch, SearchRequest, SearchUpdate

if TYPE_CHECKING:
    from jobtui.engine import Job
    from jobtui.engine.output import OutputStore
    from jobtui.engine.search import SearchHit

logger = logging.getLogger(__name__)

#: Seconds between two looks for new output once a pass has ended.
FOLLOW_INTERVAL = 0.2
#: Matches between two pauses that hand the GIL to the UI thread (see :meth:`SearchRun._hit`).
HITS_PER_PAUSE = 64
#: How long such a pause is.
PAUSE = 0.0005


class SearchRun:
    """One search, running: its matches so far, its count, whether its first pass is done."""

    def __init__(self, request: SearchRequest, jobs: Callable[[], list[Job]]) -> None:
        self.request = request
        self._jobs = jobs
        self._lock = threading.Lock()
        self._matches: list[SearchMatch] = []
        #: A lines_only run keeps only the line numbers, in a column the collector never walks.
        self._lines = array("q")
        self._count = 0
        self._searched = 0
        self._total = 0
        self._passes = 0
        self._finished = False
        self._error: str | None = None
        self._notes: list[str] = []
        self.cancel_event = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jobtui-search-run", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Stop searching (at the next window of bytes)."""
        self.cancel_event.set()

    def update(self, since: int) -> SearchUpdate:
        """The matches from number ``since`` on, and the figures as they are now."""
        with self._lock:
            return SearchUpdate(
                matches=tuple(self._matches[since:]),
                lines=tuple(self._lines[since:]),
                count=self._count,
                searched_bytes=self._searched,
                total_bytes=self._total,
                first_pass_done=self._passes > 0,
                finished=self._finished,
                error=self._error,
                notes=tuple(self._notes),
            )

    # -- the thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        from jobtui.engine.search import (
            CaseMode,
            InvalidPatternError,
            SearchQuery,
            SearchSource,
            search_transcripts,
        )

        request = self.request
        # By job and store: a retried job's new attempt is a new transcript, searched whole.
        positions: dict[tuple[int, int], int] = {}
        versions: dict[tuple[int, int], int] = {}
        try:
            while not self.cancel_event.is_set():
                stores = self._stores()
                changed = [(i, s) for i, s in stores if versions.get((i, id(s))) != s.version]
                if not changed and self._passes:
                    ended = request.job_ids is not None and all(s.closed for _, s in stores)
                    if request.once or ended:
                        break
                    self.cancel_event.wait(FOLLOW_INTERVAL)
                    continue
                with self._lock:
                    room = max(0, request.cap - len(self._matches) - len(self._lines))
                query = SearchQuery(
                    request.pattern,
                    literal=not request.regex,
                    case=CaseMode.SMART,
                    cap=room,
                    with_text=not request.lines_only,
                )
                sources = [
                    SearchSource(
                        store,
                        job_id,
                        start_offset=positions.get((job_id, id(store)), 0),
                        whole_lines=True,
                    )
                    for job_id, store in changed
                ]
                for job_id, store in changed:
                    # Before the pass: a write during it counts as a change for the next one.
                    versions[job_id, id(store)] = store.version
                done_before = sum(positions.values())

                def progress(done: int, total: int, base: int = done_before) -> None:
                    with self._lock:
                        self._searched, self._total = base + done, base + total
                    time.sleep(0)  # between two windows of bytes: the UI thread's turn

                # ripgrep reads a whole file: for what a job wrote since the last pass it would
                # read gigabytes to find a few KiB, and hand back every match again.
                result = search_transcripts(
                    sources,
                    query,
                    cancel=self.cancel_event,
                    progress=progress,
                    on_hit=self._hit,
                    keep_hits=False,
                    use_ripgrep=None if not self._passes else False,
                )
                if result.cancelled:
                    break
                for (job_id, store), end in zip(changed, result.ends, strict=True):
                    positions[job_id, id(store)] = end
                with self._lock:
                    # The hits past the cap were counted, not listed.
                    self._count += result.count - min(result.count, room)
                    self._notes.extend(n for n in result.notes if n not in self._notes)
                    self._passes += 1
        except InvalidPatternError as error:
            with self._lock:
                self._error = str(error)
        except (OSError, ValueError) as error:
            # A job removed mid-search closes its file under the map: say so, end the run.
            logger.warning("search of %r ended: %s", request.pattern, error)
            with self._lock:
                self._error = f"The search stopped: {error}"
        finally:
            with self._lock:
                self._finished = True

    def _hit(self, hit: SearchHit) -> None:
        if self.request.lines_only:
            with self._lock:
                self._lines.append(hit.line_number - 1)
                self._count += 1
                pause = self._count % HITS_PER_PAUSE == 0
        else:
            match = SearchMatch(
                job_id=hit.job_id or 0,
                line=hit.line_number - 1,
                time=hit.time,
                error=hit.stream is Stream.Error,
                text=hit.text,
            )
            with self._lock:
                self._matches.append(match)
                self._count += 1
                pause = self._count % HITS_PER_PAUSE == 0
        if pause:
            # Each hit is Python work under the GIL: a run of thousands made the app's thread
            # wait its turn (5 ms a time) for every frame. A short sleep gives the turn away.
            time.sleep(PAUSE)

    def _stores(self) -> list[tuple[int, OutputStore]]:
        """The transcripts searched: the jobs asked for, or every job (new ones too)."""
        wanted = self.request.job_ids
        found = []
        for job in self._jobs():
            if job.removed or job.transcript is None:
                continue
            if wanted is None or job.id in wanted:
                found.append((job.id, job.transcript))
        return found
