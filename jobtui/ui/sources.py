"""What the output view draws: a job's transcript, or the session's console of command results.

Both are a :class:`~jobtui.service.LineSource` (the protocol lives beside the service, which
serves transcripts): numbered lines, each with a kind that picks its style, read a range at a
time so a view only ever asks for the lines it shows. The console is the UI's own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from jobtui.service import KINDS, LineSource

__all__ = ["KINDS", "ConsoleBuffer", "LineSource"]


class ConsoleBuffer:
    """The session's console: command lines echoed and their results, bounded, thread-safe.

    A command's worker thread appends while it streams; the UI reads on its timer.
    """

    def __init__(self, *, limit: int = 20_000) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._lines: list[tuple[str, str]] = []
        self.version = 0
        self.generation = 0
        #: Called (on the appending thread) after lines are added.
        self.on_append: Callable[[], None] | None = None

    @property
    def line_count(self) -> int:
        """Lines held."""
        return len(self._lines)

    def append(self, lines: Iterable[tuple[str, str]]) -> None:
        """Add ``(kind, text)`` lines; the oldest half goes when the limit is passed."""
        with self._lock:
            for kind, text in lines:
                # A result line may hold several lines (a formatted table); the view wants one.
                for part in text.split("\n") if "\n" in text else (text,):
                    self._lines.append((kind, part))
            if len(self._lines) > self.limit:
                del self._lines[: len(self._lines) - self.limit // 2]
                self.generation += 1
            self.version += 1
        if self.on_append is not None:
            self.on_append()

    def lines(self, start: int, stop: int) -> list[tuple[str, str]]:
        """Lines ``start`` to ``stop``."""
        with self._lock:
            return self._lines[start:stop]

    def texts(self) -> list[str]:
        """Every line's text (for tests and copying)."""
        with self._lock:
            return [text for _, text in self._lines]

    def unread_from(self) -> None:
        """The console has no receive cursor."""
        return None
