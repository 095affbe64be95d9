"""How often the main screen pulls changes: ten times a second while things change, once a second
when nothing has changed for a while, and at once again as soon as something does.

Each pull wakes the process; on a quiet screen, ten wake-ups a second were a third of what an idle
jobtui cost. The engine's listener and the console call :meth:`Pacer.wake` from their own
threads, so slowing down never delays new output by more than the time to wake.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.message_pump import MessagePump
from textual.timer import Timer

#: Seconds between pulls while things change.
FAST = 0.1
#: Seconds between pulls on a quiet screen (the running jobs' elapsed time still moves).
SLOW = 1.0
#: Pulls in a row that found nothing new before pulling slowly.
QUIET_PULLS = 20


class Pacer:
    """Calls ``pull`` (which says whether it found anything new) fast, or slowly when quiet."""

    def __init__(self, pull: Callable[[], bool]) -> None:
        self._pull = pull
        self._quiet = 0
        self._slow_mode = False
        #: Set while pulling slowly; whoever sees a change clears it and wakes the pulls.
        self.sleeping = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._fast: Timer | None = None
        self._slow: Timer | None = None

    def start(self, owner: MessagePump) -> None:
        """Begin pulling, fast, on ``owner``'s timers (they end with it)."""
        self._loop = asyncio.get_running_loop()
        self._fast = owner.set_interval(FAST, self._run)
        self._slow = owner.set_interval(SLOW, self._run, pause=True)

    def wake(self) -> None:
        """Something changed (any thread): pull now, and fast again. Cheap when already fast."""
        if self.sleeping and self._loop is not None:
            self.sleeping = False
            self._loop.call_soon_threadsafe(self._hurry)

    def _run(self) -> None:
        if self._pull():
            self._quiet = 0
            self._hurry()
            return
        self._quiet += 1
        if self._quiet >= QUIET_PULLS and not self._slow_mode:
            self._slow_mode = True
            self.sleeping = True
            assert self._fast is not None and self._slow is not None
            self._fast.pause()
            self._slow.reset()

    def _hurry(self) -> None:
        # A resumed timer runs its callback at once, then keeps its pace.
        if self._slow_mode:
            self._slow_mode = False
            self.sleeping = False
            self._quiet = 0
            assert self._fast is not None and self._slow is not None
            self._slow.pause()
            self._fast.resume()
