"""One thread that reads every job's pipes and hears every process exit.

A selector (epoll on Linux, kqueue on macOS) watches all pipes and, where the platform has
them, pidfds. Two threads per job would be a thousand threads for five hundred jobs; this is one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

#: How often tickers run while any of them wants ticking (seconds).
TICK_SECONDS = 0.1


class Ticker(Protocol):
    """Something the reactor calls periodically, while ``tick`` returns True."""

    def tick(self, now: float) -> bool: ...


class Reactor:
    """The I/O thread. Callbacks run on it; other threads reach it through :meth:`call`."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._calls: deque[Callable[[], None]] = deque()
        self._tickers: set[Ticker] = set()
        self._wake_pending = False
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="jobtui-reactor", daemon=True)
        self._thread.start()

    @property
    def thread(self) -> threading.Thread:
        """The reactor's thread (to tell whether code runs on it)."""
        return self._thread

    def call(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the reactor thread soon; safe from any thread."""
        self._calls.append(fn)
        if not self._wake_pending:  # one wake-up serves a burst of calls
            self._wake_pending = True
            self._wake()

    def add_reader(self, fd: int, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever ``fd`` is readable (reactor thread only)."""
        self._selector.register(fd, selectors.EVENT_READ, callback)

    def remove_reader(self, fd: int) -> None:
        """Stop watching ``fd`` (reactor thread only); the caller closes it."""
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(fd)

    def add_ticker(self, ticker: Ticker) -> None:
        """Tick ``ticker`` every TICK_SECONDS until it returns False (reactor thread only)."""
        self._tickers.add(ticker)

    def close(self) -> None:
        """Stop the thread and release its descriptors."""
        if self._stopping:
            return
        self._stopping = True
        self._wake()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)
        self._selector.close()
        os.close(self._wake_r)
        os.close(self._wake_w)

    def _wake(self) -> None:
        # A full wake pipe already guarantees a wake-up; a closed one means shutdown.
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"\0")

    def _run(self) -> None:
        while not self._stopping:
            timeout = TICK_SECONDS if self._tickers else None
            for key, _ in self._selector.select(timeout):
                if key.data is None:
                    self._drain_wake()
                else:
                    self._guard(key.data)
            self._wake_pending = False
            while self._calls:
                self._guard(self._calls.popleft())
            if self._tickers:
                now = time.time()
                for ticker in list(self._tickers):
                    if not self._tick(ticker, now):
                        self._tickers.discard(ticker)

    def _drain_wake(self) -> None:
        try:
            while os.read(self._wake_r, 4096):
                pass
        except BlockingIOError:
            pass

    @staticmethod
    def _tick(ticker: Ticker, now: float) -> bool:
        """Tick once; a ticker that raises is logged and not ticked again (it would only raise
        again, ten times a second), and every other ticker and callback goes on."""
        try:
            return ticker.tick(now)
        except Exception:
            log.exception("reactor ticker failed")
            return False

    @staticmethod
    def _guard(fn: Callable[[], None]) -> None:
        # One faulty callback must not take every other job's I/O down with it.
        try:
            fn()
        except Exception:
            log.exception("reactor callback failed")
