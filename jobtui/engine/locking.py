"""The engine's lock, which holds back the events emitted under it until it is released.

A listener (the UI's wake-up, the history recorder to come) must never run while the engine is
locked: a slow one would stall every job's thread, and one that waits for another thread that
is itself waiting for the engine deadlocks (a UI listener that waits for the UI thread, while
the UI thread reads a job). Yet state changes happen under the lock, in ``Job.set_state``. So an
event emitted while the lock is held waits in the emitting thread's own queue, and that thread
delivers it as it lets go of the lock for the last time. A thread's events keep their order, no
thread waits for another thread's listeners, and a listener that calls the engine again has its
new events delivered after it returns, never inside it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class _Queue(threading.local, Generic[T]):
    """One thread's events waiting for delivery, and whether it is delivering now."""

    def __init__(self) -> None:
        self.pending: deque[T] = deque()
        self.delivering = False


class EventLock(Generic[T]):
    """A re-entrant lock (usable by ``threading.Condition``) that defers events to its release."""

    def __init__(self, deliver: Callable[[T], None]) -> None:
        self._lock = threading.RLock()
        self._deliver = deliver
        self._queue: _Queue[T] = _Queue()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Take the lock (re-entrant)."""
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        """Let go once; the last release delivers this thread's held-back events."""
        self._lock.release()
        self._flush()

    def __enter__(self) -> bool:
        return self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def emit(self, event: T) -> None:
        """Deliver ``event`` now if this thread holds no lock, else when it releases the lock."""
        self._queue.pending.append(event)
        self._flush()

    def held(self) -> bool:
        """True if the calling thread holds the lock."""
        return self._is_owned()

    def _flush(self) -> None:
        queue = self._queue
        if queue.delivering or not queue.pending or self._is_owned():
            return
        queue.delivering = True  # a listener's own events wait for it to return
        try:
            while queue.pending:
                self._deliver(queue.pending.popleft())
        finally:
            queue.delivering = False

    # What threading.Condition uses to wait on a re-entrant lock held more than once; the
    # RLock's own methods do the work, as they do when a Condition is given an RLock.

    def _is_owned(self) -> bool:
        return bool(self._lock._is_owned())  # type: ignore[attr-defined]

    def _release_save(self) -> Any:
        state = self._lock._release_save()  # type: ignore[attr-defined]
        self._flush()  # the lock is free while the Condition waits: deliver what is held
        return state

    def _acquire_restore(self, state: Any) -> None:
        self._lock._acquire_restore(state)  # type: ignore[attr-defined]
