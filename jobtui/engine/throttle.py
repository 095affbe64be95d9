"""ThrottleLimit: jobs beyond a number of slots wait, NotStarted, in first-in first-out order."""

from __future__ import annotations

import contextlib
from collections import deque

from jobtui.engine.job import Job


class Throttle:
    """Slots for one kind of job. Not thread-safe: the engine calls it under its lock."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self.active = 0
        self.waiting: deque[Job] = deque()

    def admit(self, job: Job) -> bool:
        """Take a slot for ``job``, or queue it and return False."""
        if self.limit is not None and self.active >= self.limit:
            self.waiting.append(job)
            job.queued_in = self
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
        return ready

    def withdraw(self, job: Job) -> None:
        """Take a queued job out of the queue (it was stopped before it started)."""
        with contextlib.suppress(ValueError):
            self.waiting.remove(job)
        if job.queued_in is self:
            job.queued_in = None

    def position(self, job: Job) -> int | None:
        """``job``'s place in the queue, from 1; None if it is not queued here.

        A scan of the queue (by identity, in C): a number kept on each job would have to be
        renumbered on every start and withdrawal instead.
        """
        try:
            return self.waiting.index(job) + 1
        except ValueError:
            return None
