"""The command palette's job actions: "Stop Job3", "Receive Job1"... for every job.

Each job is offered only the actions its state allows: no Stop for a finished job, Suspend for
a running one and Resume for a suspended one, no Wait for one that Wait-Job would not wait for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from jobtui.engine import JobState
from jobtui.ui.actions import JobAction
from jobtui.ui.messages import JobActionRequested
from jobtui.ui.sanitize import plain
from jobtui.ui.widgets.jobs_table import JobsTable

if TYPE_CHECKING:
    from jobtui.engine.snapshot import JobSnapshot

#: (action, verb shown, help, whether it applies to a job)
ACTIONS: tuple[tuple[JobAction, str, str, Callable[[JobSnapshot], bool]], ...] = (
    (
        JobAction.DETAIL,
        "Show details of",
        "every property, the Reason and the whole transcript",
        lambda job: True,
    ),
    (
        JobAction.RECEIVE,
        "Receive output of",
        "Receive-Job: consume the new output into the console",
        lambda job: job.has_more_data,
    ),
    (
        JobAction.STOP,
        "Stop",
        "Stop-Job: SIGTERM the job's processes, SIGKILL after the grace period",
        lambda job: not job.state.is_finished and job.state is not JobState.Stopping,
    ),
    (
        JobAction.RESTART,
        "Restart",
        "Restart-Job: the same command, directory, environment and name, as a new job",
        lambda job: True,
    ),
    (
        JobAction.REMOVE,
        "Remove",
        "Remove-Job (asks first for a running job or unread output)",
        lambda job: True,
    ),
    (
        JobAction.WAIT,
        "Wait for",
        "Wait-Job: a dialog with Any/All and a timeout",
        lambda job: not job.state.is_persistent,
    ),
    (
        JobAction.INPUT,
        "Send input to",
        "type lines into the job's standard input, or close it (a Blocked job waits for it)",
        lambda job: job.accepts_input,
    ),
    (
        JobAction.SUSPEND_RESUME,
        "Suspend",
        "Suspend-Job: SIGSTOP the job's processes",
        lambda job: job.state is JobState.Running,
    ),
    (
        JobAction.SUSPEND_RESUME,
        "Resume",
        "Resume-Job: SIGCONT the job's processes",
        lambda job: job.state is JobState.Suspended,
    ),
)


class JobCommands(Provider):
    """Every job action for every job, by name."""

    def _jobs(self) -> list[JobSnapshot]:
        """Every job the screen knows, the one highlighted in the table first."""
        pull = getattr(self.screen, "pull", None)
        jobs = list(pull.jobs.values()) if pull is not None else []
        tables = self.screen.query(JobsTable)
        highlighted = tables.first().highlighted_job_id if tables else None
        jobs.sort(key=lambda job: job.id != highlighted)
        return jobs

    def _commands(self) -> Iterator[tuple[str, str, JobActionRequested]]:
        for job in self._jobs():
            for action, verb, help_text, applies in ACTIONS:
                if applies(job):
                    title = f"{verb} {plain(job.name)} (Id {job.id}, {job.state.name})"
                    yield title, help_text, JobActionRequested(action, [job.id])
        yield (
            "Toggle keep",
            "Whether the output pane consumes what it shows",
            JobActionRequested(JobAction.TOGGLE_KEEP, []),
        )
        yield (
            "Search every job",
            "Find text in every job's output (Ctrl+F); Enter opens the job at the line",
            JobActionRequested(JobAction.SEARCH_ALL, []),
        )
        yield (
            "Filter jobs",
            "By name, state, command or id",
            JobActionRequested(JobAction.FILTER, []),
        )

    def _post(self, message: JobActionRequested) -> None:
        self.screen.post_message(message)

    async def discover(self) -> Hits:
        """The actions, before anything is typed."""
        for title, help_text, message in self._commands():
            yield DiscoveryHit(
                Content(title), partial(self._post, message), text=title, help=help_text
            )

    async def search(self, query: str) -> Hits:
        """The actions whose title matches ``query``."""
        matcher = self.matcher(query)
        for title, help_text, message in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(title), partial(self._post, message), help=help_text
                )
