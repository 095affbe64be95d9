"""The job actions of the keys, the palette and the dialogs, and the cmdlet line each one is.

An action does nothing itself: it is a line of the command language, run by the same path as a
typed one (echoed in the Console, kept in the history), so what it does and says is written
once, in the cmdlet, and every key teaches the line it stands for. Actions name their jobs by
id, never through the table's rows.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from jobtui.engine import JobState

if TYPE_CHECKING:
    from jobtui.engine.snapshot import JobSnapshot


class JobAction(enum.Enum):
    """What a key or a palette entry asks for; the value is the screen's action name."""

    DETAIL = "detail"
    RECEIVE = "receive"
    STOP = "stop"
    REMOVE = "remove"
    WAIT = "wait"
    INPUT = "input"
    SUSPEND_RESUME = "suspend_resume"
    RESTART = "restart"
    TOGGLE_KEEP = "toggle_keep"
    FILTER = "filter"
    SEARCH_ALL = "search_all"


#: The actions that need at least one job.
JOB_ACTIONS = frozenset(
    {
        JobAction.DETAIL,
        JobAction.RECEIVE,
        JobAction.STOP,
        JobAction.REMOVE,
        JobAction.WAIT,
        JobAction.INPUT,
        JobAction.SUSPEND_RESUME,
        JobAction.RESTART,
    }
)


def id_list(ids: Iterable[int]) -> str:
    """``-Id`` arguments: ``3`` or ``3,5,7``."""
    return ",".join(str(job_id) for job_id in ids)


def quoted(text: str) -> str:
    """``text`` as a single-quoted string of the language: nothing in it is expanded."""
    return "'" + text.replace("'", "''") + "'"


def receive_line(ids: Sequence[int]) -> str:
    """``Receive-Job``: consume the new output into the console."""
    return f"Receive-Job -Id {id_list(ids)}"


def stop_line(ids: Sequence[int]) -> str:
    """``Stop-Job``."""
    return f"Stop-Job -Id {id_list(ids)}"


def restart_line(ids: Sequence[int]) -> str:
    """``Restart-Job``: each job's command again, as a new job (a running one is stopped
    first)."""
    return f"Restart-Job -Id {id_list(ids)}"


def remove_line(ids: Sequence[int], *, force: bool = False) -> str:
    """``Remove-Job`` (``-Force`` stops running jobs first)."""
    return f"Remove-Job -Id {id_list(ids)}{' -Force' if force else ''}"


def suspend_resume_line(jobs: Sequence[JobSnapshot]) -> str:
    """``Resume-Job`` for the suspended ones, ``Suspend-Job`` for the others (one statement
    each, so a mixed choice toggles every job)."""
    to_resume = [job.id for job in jobs if job.state is JobState.Suspended]
    to_suspend = [job.id for job in jobs if job.state is not JobState.Suspended]
    statements = []
    if to_suspend:
        statements.append(f"Suspend-Job -Id {id_list(to_suspend)}")
    if to_resume:
        statements.append(f"Resume-Job -Id {id_list(to_resume)}")
    return "; ".join(statements)


def send_input_line(job_id: int, text: str) -> str:
    """``Send-JobInput``: ``text`` and a newline to the job's stdin."""
    return f"Send-JobInput -Id {job_id} {quoted(text)}"


def close_input_line(job_id: int) -> str:
    """``Send-JobInput -Close``: the job reads the end of file next."""
    return f"Send-JobInput -Id {job_id} -Close"


def tree_preview(jobs: Sequence[JobSnapshot], grace: float) -> str:
    """What stopping ``jobs`` will do to their processes, in one sentence."""
    processes = sum(max(job.executing_job.process.process_count, 1) for job in jobs)
    noun = "process" if processes == 1 else "processes"
    return f"{processes} {noun} will get SIGTERM, then SIGKILL after {grace:g} s."


def wait_line(
    ids: Sequence[int], *, any: bool = False, timeout: int | None = None, match: str | None = None
) -> str:
    """``Wait-Job`` (``-Any``: the first one done; ``-Timeout`` in whole seconds; ``-Match``:
    until a line of output matches the pattern)."""
    line = f"Wait-Job -Id {id_list(ids)}"
    if any:
        line += " -Any"
    if timeout is not None:
        line += f" -Timeout {timeout}"
    if match:
        line += f" -Match {quoted(match)}"
    return line
