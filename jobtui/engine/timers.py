"""One thread that runs the engine's delayed work: time limits, and retries after their interval.

A thread per delay would cost a thread for every job with -TimeoutSec (a thousand queued jobs,
a thousand sleeping threads); a heap of deadlines read by one thread costs one. A callback runs
on that thread, never under the engine's lock, and is guarded: one that raises is logged and the
others still run.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass(order=True)
class Timer:
    """A callback due at a monotonic time; :meth:`cancel` keeps it from running."""

    due: float
    order: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        """Do not run it (a no-op once it has run)."""
        self.cancelled = True


class Timers:
    """Delayed callbacks, run in due order on one daemon thread started on first use."""

    def __init__(self, name: str = "jobtui-timers") -> None:
        self._name = name
        self._heap: list[Timer] = []
        self._order = itertools.count()
        self._wake = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        self._closed = False

    def schedule(self, delay: float, callback: Callable[[], None]) -> Timer:
        """Run ``callback`` after ``delay`` seconds (at once if ``delay`` <= 0)."""
        timer = Timer(time.monotonic() + max(delay, 0.0), next(self._order), callback)
        with self._wake:
            if self._closed:
                timer.cancelled = True
                return timer
            heapq.heappush(self._heap, timer)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._wake.notify()
        return timer

    def close(self) -> None:
        """Drop every pending callback and end the thread."""
        with self._wake:
            self._closed = True
            self._heap.clear()
            self._wake.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(5.0)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._closed:
                    now = time.monotonic()
                    if self._heap and self._heap[0].due <= now:
                        break
                    self._wake.wait(self._heap[0].due - now if self._heap else None)
                if self._closed:
                    return
                timer = heapq.heappop(self._heap)
            if timer.cancelled:
                continue
            timer.cancelled = True  # ran: a later cancel is a no-op
            try:
                timer.callback()
            except Exception:  # one bad callback must not end every time limit and retry
                log.exception("timer callback failed")
