"""ThrottleLimit: jobs beyond a number of slots wait, NotStarted, in first-in first-out order."""

from __future__ import annotations

import contextlib
import itertools
from collections import deque

from jobtui.engine.job import Job

#: Queue tickets, one sequence for every throttle: a front end that holds only snapshots orders
#: a queue by them (its places move with every start; a ticket never does, so a start changes
#: the snapshot of the job that left the queue, not of every job behind it).
_TICKETS = itertools.count(1)


class Throttle:
    """Slots for one kind of job. The engine changes it under its lock; :meth:`position` may be
    read from any thread."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self.active = 0
        self.waiting: deque[Job] = deque()
        # Each queued job's place, rebuilt on the first read after the queue changed (a table
        # of a thousand queued jobs reads a thousand places between two changes), and kept with
        # the version of the queue it was built from, so that one built by a reader while the
        # engine changed the queue is out of date at once.
        self._version = 0
        self._places: tuple[int, dict[Job, int]] = (-1, {})

    def admit(self, job: Job) -> bool:
        """Take a slot for ``job``, or queue it and return False."""
        if self.limit is not None and self.active >= self.limit:
            self.waiting.append(job)
            job.queued_in = self
            job.queue_ticket = next(_TICKETS)
            self._version += 1
            return False
        self.active += 1
        return True

    def release(self) -> None:
        """A job that held a slot is done."""
        self.active -= 1

    def next_ready(self) -> list[Job]:
        """Queued jobs that now have a slot (each has taken it), in queue order."""
        ready = []
        while self.waiting and (self.limit is None or self.active < self.limit):
            self.active += 1
            job = self.waiting.popleft()
            job.queued_in = None
            ready.append(job)
            self._version += 1
        return ready

    def withdraw(self, job: Job) -> None:
        """Take a queued job out of the queue (it was stopped before it started)."""
        with contextlib.suppress(ValueError):
            self.waiting.remove(job)
        self._version += 1
        if job.queued_in is self:
            job.queued_in = None

    def position(self, job: Job) -> int | None:
        """``job``'s place in the queue, from 1; None if it is not queued here (any thread)."""
        version, places = self._places
        if version != self._version:
            version = self._version
            # A copy of the deque is taken in one step, even while the engine changes it.
            places = {queued: n for n, queued in enumerate(list(self.waiting), 1)}
            self._places = (version, places)
        return places.get(job)
