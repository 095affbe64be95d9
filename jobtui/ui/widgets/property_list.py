"""A job's properties as PowerShell's ``Format-List *`` prints them: ``Name : value`` rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from jobtui.engine import LIST_PROPERTIES
from jobtui.ui.formatting import JobFormatter, human_bytes
from jobtui.ui.sanitize import plain_lines

if TYPE_CHECKING:
    from jobtui.engine.snapshot import JobSnapshot


def job_properties(job: JobSnapshot, formatter: JobFormatter) -> list[tuple[str, str]]:
    """Every property of ``job``, PowerShell's first, then what jobtui adds for Unix."""
    rows = [(name, formatter.property_value(job, name)) for name in LIST_PROPERTIES]
    reason = job.job_state_info.reason
    if reason is not None:
        after = next(i for i, (name, _) in enumerate(rows) if name == "JobStateInfo")
        rows.insert(after + 1, ("Reason", reason.message))
    store = job.output
    if store is not None:
        rows.append(("OutputBytes", f"{store.size:,} ({human_bytes(store.size)})"))
        rows.append(("OutputLines", f"{store.line_count:,}"))
        rows.append(("UnreadRecords", f"{store.unread_count:,}"))
        if store.lost_bytes:
            rows.append(("LostBytes", f"{store.lost_bytes:,}"))
        if store.error:
            rows.append(("OutputError", store.error))
    if job.output is not None or not job.child_jobs:
        info = job.process
        if info.process_count:
            rows.append(("ProcessCount", str(info.process_count)))
        if info.cpu_percent is not None and not job.state.is_finished:
            rows.append(("CPU%", f"{info.cpu_percent:.1f}"))
        if info.memory_rss is not None and not job.state.is_finished:
            rows.append(("Memory", human_bytes(info.memory_rss)))
    # A Slurm job's id, partition, node...; an SSH job's host.
    rows.extend((fact.name, fact.value) for fact in job.backend_facts)
    return rows


class PropertyList(Static):
    """Shows ``Name : value`` rows with the names padded to one width."""

    def show(self, rows: list[tuple[str, str]]) -> None:
        """Replace the rows."""
        width = max((len(name) for name, _ in rows), default=0)
        text = Text(no_wrap=False, overflow="fold")
        for index, (name, value) in enumerate(rows):
            if index:
                text.append("\n")
            text.append(f"{name:<{width}} : ", style="bold")
            text.append(plain_lines(value))  # a Reason quotes stderr, a Command anything
        self.update(text)
