"""How a job is started beyond its command: time limit, retries, the recipe Restart-Job uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

#: Seconds before the first retry when -RetryIntervalSec is not given (Invoke-WebRequest's 5).
DEFAULT_RETRY_INTERVAL = 5.0


@dataclass(frozen=True)
class JobOptions:
    """Start-Job's -TimeoutSec, -MaximumRetryCount and -RetryIntervalSec (jobtui's own)."""

    #: Seconds an attempt may run before it is stopped and Failed; None: no limit.
    timeout_sec: float | None = None
    #: How many times a failed job runs again (0: never).
    maximum_retry_count: int = 0
    #: Seconds before the first retry; each later retry waits twice as long as the one before.
    retry_interval_sec: float = DEFAULT_RETRY_INTERVAL

    def retry_delay(self, retry: int) -> float:
        """The wait before retry number ``retry`` (1, 2...): the interval, doubling each time.

        Doubling, unlike Invoke-WebRequest's fixed interval: a server that is down for a while
        is not hammered, and a job left overnight still gets its few tries in.
        """
        return float(self.retry_interval_sec * 2.0 ** (retry - 1))


@dataclass(frozen=True)
class Recipe:
    """Everything a job was started with, so that Restart-Job can start the same job again."""

    command: str
    #: The name given with -Name; None when the job kept its default Job<Id>.
    name: str | None
    working_directory: str
    environment: dict[str, str] = field(default_factory=dict)
    argument_list: Sequence[str] = ()
    input: bytes | None = None
    initialization_script: str | None = None
    job_type: str = ""
    location: str = ""
    options: JobOptions = field(default_factory=JobOptions)
    #: Start-Job -Resources (a scheduler's Partition, Cpus, Memory...).
    resources: dict[str, object] = field(default_factory=dict)


def human_duration(seconds: float) -> str:
    """A duration as a person says it: ``45 s``, ``10 min``, ``1 min 30 s``, ``2 h 5 min``."""
    total = round(seconds)
    if seconds < 10 and not float(seconds).is_integer():
        return f"{seconds:.1f} s"
    if total < 60:
        return f"{total} s"
    if total < 3600:
        minutes, secs = divmod(total, 60)
        return f"{minutes} min" + (f" {secs} s" if secs else "")
    hours, rest = divmod(total, 3600)
    minutes = rest // 60
    return f"{hours} h" + (f" {minutes} min" if minutes else "")


def time_left(
    limit: float | None, started: bool, finished: bool, begin: datetime | None, now: datetime
) -> timedelta | None:
    """What remains at ``now`` of an attempt's time limit (``$job.TimeLeft``): the whole limit
    while it has not started, None with no limit or once it has finished. One rule for the live
    job, its snapshot and the table's view of either."""
    if limit is None or finished:
        return None
    if not started or begin is None:
        return timedelta(seconds=round(limit))
    return timedelta(seconds=max(round(limit - (now - begin).total_seconds()), 0))
