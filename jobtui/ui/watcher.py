"""The app's one listener on the engine: it notes what the UI must act on, and nothing else.

The engine calls the listener on its own threads, sometimes holding its lock, so the listener
only appends to deques (atomic in CPython) and never touches a widget or waits on the UI. The UI
drains those deques on its timer; everything else it needs it reads from the version counters.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from jobtui.engine import (
    FINISHED,
    Job,
    JobEngine,
    JobEvent,
    JobRemoved,
    JobState,
    JobStateChanged,
    JobStatsUpdated,
)

#: Samples of CPU and memory kept per job (the monitor samples about every 2 s: 4 minutes).
STATS_SAMPLES = 120


@dataclass(frozen=True)
class StatsSample:
    """One sample of a job's process tree."""

    cpu_percent: float
    memory_rss: int


class EngineWatcher:
    """Collects finished jobs (for notifications) and CPU/memory history (for sparklines)."""

    def __init__(self, engine: JobEngine) -> None:
        self.engine = engine
        self._finished: deque[tuple[Job, JobState]] = deque()
        self._stats: dict[int, deque[StatsSample]] = {}
        self._unsubscribe: Callable[[], None] | None = None
        #: Called (on the engine's thread) when something the UI shows may have changed: a job
        #: came, went, changed state, printed or was received. Not for each statistics sample.
        self.on_change: Callable[[], None] | None = None

    def start(self) -> None:
        """Begin listening (idempotent)."""
        if self._unsubscribe is None:
            self._unsubscribe = self.engine.subscribe(self._on_event)

    def stop(self) -> None:
        """Stop listening."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_event(self, event: JobEvent) -> None:
        # Engine thread: append only.
        job = event.job
        if isinstance(event, JobStateChanged):
            if job.parent is None and event.current.state in FINISHED:
                self._finished.append((job, event.current.state))
        elif isinstance(event, JobStatsUpdated):
            info = job.executing_job.process
            if info.cpu_percent is not None and info.memory_rss is not None:
                samples = self._stats.get(job.id)
                if samples is None:
                    samples = self._stats.setdefault(job.id, deque(maxlen=STATS_SAMPLES))
                samples.append(StatsSample(info.cpu_percent, info.memory_rss))
        elif isinstance(event, JobRemoved):
            self._stats.pop(job.id, None)
        if self.on_change is not None and not isinstance(event, JobStatsUpdated):
            self.on_change()

    def drain_finished(self) -> list[tuple[Job, JobState]]:
        """Top-level jobs that reached Completed, Failed or Stopped since the last call."""
        drained: list[tuple[Job, JobState]] = []
        while self._finished:
            drained.append(self._finished.popleft())
        return drained

    def stats(self, job: Job) -> list[StatsSample]:
        """The CPU and memory samples seen for ``job``, oldest first."""
        samples = self._stats.get(job.id)
        return list(samples) if samples is not None else []
