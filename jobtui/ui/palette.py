"""The command palette's job actions: "Stop Job3", "Receive Job1"... for every job."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from jobtui.engine import Job
from jobtui.ui.messages import JobActionRequested
from jobtui.ui.sanitize import plain

#: action name -> (verb shown, help)
ACTIONS = {
    "detail": ("Show details of", "every property, the Reason and the whole transcript"),
    "receive": ("Receive output of", "Receive-Job: consume the new output into the console"),
    "stop": ("Stop", "Stop-Job: SIGTERM the job's processes, SIGKILL after the grace period"),
    "remove": ("Remove", "Remove-Job (asks before forcing a running job)"),
    "wait": ("Wait for", "Wait-Job: a dialog with Any/All and a timeout"),
    "suspend_resume": ("Suspend or resume", "Suspend-Job / Resume-Job"),
}


class JobCommands(Provider):
    """Every job action for every job, by name."""

    def _jobs(self) -> list[Job]:
        engine = getattr(self.app, "engine", None)
        return list(engine.jobs) if engine is not None else []

    def _commands(self) -> Iterator[tuple[str, str, JobActionRequested]]:
        for job in self._jobs():
            for action, (verb, help_text) in ACTIONS.items():
                title = f"{verb} {plain(job.name)} (Id {job.id}, {job.state.name})"
                yield title, help_text, JobActionRequested(action, [job.id])
        yield (
            "Toggle keep",
            "Whether the output pane consumes what it shows",
            (JobActionRequested("toggle_keep", [])),
        )
        yield "Filter jobs", "By name, state, command or id", JobActionRequested("filter", [])

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
