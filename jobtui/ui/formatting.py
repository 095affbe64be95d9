"""How the UI turns a job's snapshot into text: state looks, numbers, times, property values.

Volatile values (pid, CPU, memory, elapsed time, instance id, begin and end times) all pass
through :class:`JobFormatter`, so tests and the screenshot script can swap in fixed ones. It reads
a job's facts as a :class:`~jobtui.ui.records.JobRecord`, so a live job and a snapshot both fit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from jobtui.engine import JobState
from jobtui.ui.records import JobRecord, unread_lines

if TYPE_CHECKING:
    from jobtui.engine.snapshot import JobSnapshot

__all__ = [
    "STATE_LOOKS",
    "JobFormatter",
    "StateLook",
    "format_value",
    "human_bytes",
    "human_count",
    "human_duration",
    "unread_lines",
]

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class StateLook:
    """How a state reads in the table: a symbol that works without colour, and a colour role."""

    symbol: str
    role: str  # success, error, warning, primary or foreground-muted (a theme colour)

    def label(self, state: JobState) -> str:
        """The symbol and the state's name, e.g. ``✗ Failed``."""
        return f"{self.symbol} {state.name}"


STATE_LOOKS: dict[JobState, StateLook] = {
    JobState.NotStarted: StateLook("○", "foreground-muted"),
    JobState.Running: StateLook("▸", "primary"),
    JobState.Blocked: StateLook("?", "warning"),
    JobState.Suspending: StateLook("‖", "foreground-muted"),
    JobState.Suspended: StateLook("‖", "foreground-muted"),
    JobState.Stopping: StateLook("◌", "warning"),
    JobState.Completed: StateLook("✓", "success"),
    JobState.Failed: StateLook("✗", "error"),
    JobState.Stopped: StateLook("■", "warning"),
    JobState.Disconnected: StateLook("~", "warning"),
    JobState.AtBreakpoint: StateLook("◆", "warning"),
}


def human_bytes(value: int | None) -> str:
    """A byte count in at most six characters: ``512B``, ``12.3M``, ``1.5G``."""
    if value is None:
        return ""
    size = float(value)
    for unit in ("B", "K", "M", "G", "T"):
        if size < 1000 or unit == "T":
            if unit == "B":
                return f"{int(size)}B"
            return f"{size:.1f}{unit}" if size < 100 else f"{size:.0f}{unit}"
        size /= 1024
    return f"{size:.0f}T"  # pragma: no cover - the loop always returns


def human_count(value: int) -> str:
    """A count in at most five characters: ``42``, ``9999``, ``12k``, ``3.4M``."""
    if value < 10_000:
        return str(value)
    if value < 1_000_000:
        return f"{value // 1000}k"
    return f"{value / 1_000_000:.1f}M"


def human_duration(seconds: float) -> str:
    """A duration as ``M:SS`` or ``H:MM:SS``."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


class JobFormatter:
    """The text of a job's volatile values, read against an injected clock."""

    def __init__(self, clock: Clock = datetime.now) -> None:
        self.clock = clock

    def pid(self, job: JobRecord) -> str:
        """The process id of the job's command, or blank."""
        pid = job.pid
        return "" if pid is None else str(pid)

    def cpu(self, job: JobRecord) -> str:
        """CPU % of the job's whole process tree while it runs."""
        value = job.cpu_percent
        if value is None or job.state.is_finished:
            return ""
        return f"{value:.0f}" if value >= 10 else f"{value:.1f}"

    def memory(self, job: JobRecord) -> str:
        """Resident memory of the job's process tree while it runs."""
        if job.state.is_finished:
            return ""
        return human_bytes(job.memory_rss)

    def elapsed_seconds(self, job: JobRecord) -> float | None:
        """Seconds from PSBeginTime to PSEndTime (or to now while it runs)."""
        begin = job.ps_begin_time
        if begin is None:
            return None
        end = job.ps_end_time or self.clock()
        return (end - begin).total_seconds()

    def elapsed(self, job: JobRecord) -> str:
        """The elapsed time as text."""
        seconds = self.elapsed_seconds(job)
        return "" if seconds is None else human_duration(seconds)

    def exit_code(self, job: JobRecord) -> str:
        """The exit code, or the signal's name when a signal ended the process."""
        if job.signal:
            return job.signal.removeprefix("SIG")
        return "" if job.exit_code is None else str(job.exit_code)

    def time(self, value: datetime | None) -> str:
        """A timestamp as PowerShell's list view prints it (ISO, to the second)."""
        return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")

    def instance_id(self, job: JobSnapshot) -> str:
        """``$job.InstanceId``."""
        return str(job.instance_id)

    def property_value(self, job: JobSnapshot, name: str) -> str:
        """One property of ``Format-List *`` as text (the detail screen's rows)."""
        lowered = name.lower()
        if lowered == "instanceid":
            return self.instance_id(job)
        if lowered in ("psbegintime", "psendtime"):
            value = job.ps_begin_time if lowered == "psbegintime" else job.ps_end_time
            return self.time(value)
        if lowered == "pid":
            return self.pid(job)
        return format_value(job.get_property(name))


def format_value(value: Any) -> str:
    """A property value as PowerShell prints it in a list: True/False, {Job2}, state names."""
    # Here, not at the top: the snapshot's dataclasses load with the first job (start-up).
    from jobtui.engine import FailureInfo, JobSnapshot, StateInfo

    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, JobState | StateInfo):
        return str(value)
    if isinstance(value, FailureInfo):
        return value.message
    if isinstance(value, list):
        return "{" + ", ".join(format_value(v) for v in value) + "}"
    if isinstance(value, JobSnapshot):
        return value.name
    return str(value)
