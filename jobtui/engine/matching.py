"""Wait-Job -Match: find the first line of a job's output that matches, reading only new lines.

A server that logs for an hour before it says "Listening on" must not cost a scan of its whole
transcript on every wake-up: each store keeps a cursor, and a look reads the lines after it,
plus the last line again (a partial line may still grow into a match).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jobtui.engine.job import Job
from jobtui.engine.output import OutputStore, Stream


@dataclass(frozen=True)
class OutputMatch:
    """A job whose output matched: the job, the line and the stream it came from."""

    job: Job
    line: str
    stream: Stream


class OutputScanner:
    """Looks for ``pattern`` in jobs' output (both streams, every attempt), new lines only."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self._cursors: dict[OutputStore, int] = {}

    def scan(self, job: Job) -> OutputMatch | None:
        """The first line of ``job``'s output since the last scan that matches, or None."""
        for runner_job in job.child_jobs or [job]:
            store = runner_job.output
            if store is None:
                continue
            total = store.line_count
            start = self._cursors.get(store, 0)
            for stream, text in store.lines(start, total):
                if self.pattern.search(text):
                    return OutputMatch(job, text, stream)
            self._cursors[store] = max(start, total - 1)
        return None
