"""A Slurm job's state as Slurm reports it, and what it means in PowerShell's job model.

squeue --json and scontrol show job describe a job differently (a wait status against
``ExitCode=code:signal``, minutes against ``D-HH:MM:SS``); both become one :class:`SlurmStatus`,
and :func:`outcome` maps it onto a JobState and, for a failure, a Reason in words.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from jobtui.engine.states import JobFailure, JobState


class Phase(enum.Enum):
    """Where a Slurm job is, as far as PowerShell's model cares."""

    PENDING = "pending"
    RUNNING = "running"
    SUSPENDED = "suspended"
    FINISHED = "finished"


#: Slurm's base states (squeue's job_state, scontrol's JobState) by phase.
_PHASES = {
    "PENDING": Phase.PENDING,
    "REQUEUED": Phase.PENDING,
    "REQUEUE_HOLD": Phase.PENDING,
    "REQUEUE_FED": Phase.PENDING,
    "RESV_DEL_HOLD": Phase.PENDING,
    "CONFIGURING": Phase.RUNNING,
    "RUNNING": Phase.RUNNING,
    "COMPLETING": Phase.RUNNING,
    "RESIZING": Phase.RUNNING,
    "SIGNALING": Phase.RUNNING,
    "STAGE_OUT": Phase.RUNNING,
    "SUSPENDED": Phase.SUSPENDED,
    "STOPPED": Phase.SUSPENDED,
}

#: Signal names by number on Linux, written out: this module only names signals.
_SIGNALS = {
    1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS",
    8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE",
    14: "SIGALRM", 15: "SIGTERM",
}  # fmt: skip

#: Queue reasons in words, for a pending job's StatusMessage; others are shown as Slurm says.
_REASONS = {
    "Resources": "waiting for resources",
    "Priority": "waiting for jobs of higher priority",
    "JobHeldUser": "held (Resume-Job releases it)",
    "JobHeldAdmin": "held by an administrator",
    "Dependency": "waiting for its dependencies",
    "BeginTime": "waiting for its start time",
    "PartitionDown": "its partition is down",
    "ReqNodeNotAvail": "a node it needs is not available",
}


def signal_name(number: int) -> str:
    """``SIGTERM`` for 15; ``signal 40`` for one without a common name."""
    return _SIGNALS.get(number, f"signal {number}")


@dataclass(frozen=True)
class SlurmStatus:
    """One job as Slurm reports it."""

    job_id: int
    state: str
    reason: str = ""
    exit_code: int | None = None
    signal: int | None = None
    partition: str = ""
    nodes: str = ""
    cluster: str = ""
    #: The time limit as Slurm writes it (``2:00:00``), or "" for none.
    time_limit: str = ""
    #: The memory asked for, as Slurm writes it (``16G``), or "".
    memory: str = ""

    @property
    def phase(self) -> Phase:
        """Pending, running, suspended or finished."""
        return _PHASES.get(self.state, Phase.FINISHED)

    @property
    def queue_reason(self) -> str:
        """A pending job's reason in words ("waiting for resources (Resources)")."""
        if not self.reason or self.reason == "None":
            return ""
        words = _REASONS.get(self.reason)
        return f"{words} ({self.reason})" if words else self.reason


def _minutes_text(minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    text = f"{hours}:{mins:02d}:00"
    return f"{days}-{text}" if days else text


def _memory_text(megabytes: int, per_cpu: bool) -> str:
    text = f"{megabytes // 1024}G" if megabytes % 1024 == 0 else f"{megabytes}M"
    return f"{text} per CPU" if per_cpu else text


def _number(value: Any) -> int | None:
    """An integer of squeue's JSON, which writes some as ``{"number": n, "set": true}``."""
    if isinstance(value, dict):
        if not value.get("set", True) or value.get("infinite"):
            return None
        value = value.get("number")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def from_squeue(job: dict[str, Any]) -> SlurmStatus | None:
    """A job of squeue --json (Slurm 22.05's openapi v0.0.38 and later), or None if unreadable."""
    job_id = _number(job.get("job_id"))
    if job_id is None:
        return None
    state = job.get("job_state", "")
    if isinstance(state, list):  # Slurm 23.11+: a list of flags, the base state first
        state = state[0] if state else ""
    code = signal = None
    raw = job.get("exit_code")
    if isinstance(raw, dict) and "return_code" in raw:  # 23.02+
        code = _number(raw.get("return_code"))
        signal = (
            _number((raw.get("signal") or {}).get("id"))
            if isinstance(raw.get("signal"), dict)
            else None
        )
    else:
        status = _number(raw)
        if status is not None:  # a wait status: the code in the high byte, a signal in the low
            code, signal = (status >> 8) & 0xFF, status & 0x7F
    limit = _number(job.get("time_limit"))
    per_node = _number(job.get("memory_per_node"))
    per_cpu = _number(job.get("memory_per_cpu"))
    memory = (
        _memory_text(per_node, False)
        if per_node
        else _memory_text(per_cpu, True)
        if per_cpu
        else ""
    )
    return SlurmStatus(
        job_id=job_id,
        state=str(state),
        reason=str(job.get("state_reason") or ""),
        exit_code=code,
        signal=signal or None,
        partition=str(job.get("partition") or ""),
        nodes=str(job.get("nodes") or ""),
        cluster=str(job.get("cluster") or ""),
        time_limit=_minutes_text(limit) if limit else "",
        memory=memory,
    )


def from_show_job(fields: dict[str, str]) -> SlurmStatus | None:
    """A job of ``scontrol show job`` (its Key=Value fields), or None if unreadable."""
    job_id = fields.get("JobId", "")
    if not job_id.isdigit():
        return None
    code = signal = None
    exit_text = fields.get("ExitCode", "")
    left, _, right = exit_text.partition(":")
    if left.isdigit():
        code = int(left)
    if right.isdigit() and int(right):
        signal = int(right)
    limit = fields.get("TimeLimit", "")
    memory = fields.get("MinMemoryNode", "") or fields.get("MinMemoryCPU", "")
    return SlurmStatus(
        job_id=int(job_id),
        state=fields.get("JobState", ""),
        reason=fields.get("Reason", ""),
        exit_code=code,
        signal=signal,
        partition=fields.get("Partition", ""),
        nodes="" if fields.get("NodeList") == "(null)" else fields.get("NodeList", ""),
        time_limit="" if limit in ("UNLIMITED", "Partition_Limit") else limit,
        memory=memory if memory not in ("0", "") else "",
    )


def outcome(status: SlurmStatus, last_error_line: str | None) -> tuple[JobState, JobFailure | None]:
    """The final state of a finished Slurm job and, when it failed, why in words."""
    tail = f": {last_error_line}" if last_error_line else "."
    state = status.state
    job = f"Slurm job {status.job_id}"
    if state == "COMPLETED":
        return JobState.Completed, None
    if state in ("CANCELLED", "PREEMPTED", "DEADLINE"):
        return JobState.Stopped, None
    if state == "TIMEOUT":
        limit = f" of {status.time_limit}" if status.time_limit else ""
        return JobState.Failed, JobFailure(
            f"{job} hit its time limit{limit} and Slurm ended it{tail}",
            signal_name="SIGTERM",
            last_error_line=last_error_line,
        )
    if state == "OUT_OF_MEMORY":
        memory = f" of {status.memory}" if status.memory else ""
        return JobState.Failed, JobFailure(
            f"{job} ran out of its memory{memory}{tail}",
            signal_name="SIGKILL",
            last_error_line=last_error_line,
        )
    if state in ("NODE_FAIL", "BOOT_FAIL"):
        node = f" ({status.nodes})" if status.nodes else ""
        return JobState.Failed, JobFailure(
            f"{job} failed because its node{node} failed ({state}){tail}",
            last_error_line=last_error_line,
        )
    if status.signal:
        name = signal_name(status.signal)
        return JobState.Failed, JobFailure(
            f"Terminated by {name} (Slurm ExitCode {status.exit_code or 0}:{status.signal}){tail}",
            signal_name=name,
            last_error_line=last_error_line,
        )
    if state == "FAILED" and status.reason not in ("", "None", "NonZeroExitCode"):
        return JobState.Failed, JobFailure(
            f"{job} failed: {status.reason} (exit code {status.exit_code or 0}){tail}",
            exit_code=status.exit_code,
            last_error_line=last_error_line,
        )
    code = status.exit_code if status.exit_code is not None else 1
    return JobState.Failed, JobFailure(
        f"Exit code {code} (Slurm ExitCode {code}:0){tail}",
        exit_code=code,
        last_error_line=last_error_line,
    )
