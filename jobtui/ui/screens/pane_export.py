"""The Output pane's transcript taken elsewhere: ``$PAGER`` (``o``), ``$EDITOR`` at the line on
screen (``v``), and the lines shown copied to the terminal's clipboard (``y``, OSC 52).

The transcript is written to a temporary file in a worker, then the app suspends and the
program has the terminal until it exits (:mod:`jobtui.ui.external`).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported

from jobtui.service import JobService

if TYPE_CHECKING:
    from pathlib import Path

    from textual.screen import Screen

    from jobtui.ui.screens.pane_search import PaneSearch

#: The most lines a copy sends: an OSC 52 request of megabytes stalls or crashes terminals.
COPY_LINES = 10_000


class PaneExport:
    """``o``, ``v`` and ``y`` for the pane's job."""

    def __init__(self, screen: Screen[None], service: JobService, search: PaneSearch) -> None:
        self.screen = screen
        self.service = service
        self.search = search

    async def open_in(self, *, editor: bool) -> None:
        """The whole transcript in the pager, or the editor at the line the pane is at."""
        from jobtui.ui.external import editor_command, pager_command, write_transcript

        job_id = self.search.job_id()
        source = None if job_id is None else self.service.transcript(job_id)
        if job_id is None or source is None:
            self.screen.notify("No job's output to open.", markup=False)
            return
        worker = self.screen.run_worker(
            partial(write_transcript, source, f"job{job_id}"),
            thread=True,
            group="export",
            exit_on_error=False,
        )
        path: Path | None = await worker.wait()
        if path is None:
            return
        line = self.search.cursor_line() + 1
        command = editor_command(path, line) if editor else pager_command(path, line)
        try:
            self._run(command)
        finally:
            path.unlink(missing_ok=True)

    def _run(self, command: list[str]) -> None:
        from jobtui.ui.external import run_in_terminal

        app = self.screen.app
        try:
            with app.suspend():
                problem = run_in_terminal(command)
        except SuspendNotSupported:
            problem = "This terminal cannot hand itself to another program."
        if problem:
            self.screen.notify(problem, severity="warning", markup=False)

    def copy(self) -> None:
        """The lines shown to the clipboard: every line a filter shows, else those on screen."""
        view = self.search.view
        source = view.source
        if source is None or not view.line_count:
            self.screen.notify("Nothing to copy.", markup=False)
            return
        if self.search.filtered is not None:
            start, stop = 0, min(view.line_count, COPY_LINES)
            what = "filtered line"
        else:
            start = round(view.scroll_y)
            stop = min(view.line_count, start + view.scrollable_content_region.height)
            what = "line on screen"
        lines = [text for _, text in source.lines(start, stop)]
        self.screen.app.copy_to_clipboard("\n".join(lines) + "\n")
        cut = " (the first ones)" if stop - start < view.line_count - start and start == 0 else ""
        # The copy is an OSC 52 request, and a terminal may ignore it without a word.
        self.screen.notify(
            f"{len(lines):,} {what}{'' if len(lines) == 1 else 's'}{cut} sent to the terminal's "
            "clipboard (OSC 52; some terminals ignore it).",
            markup=False,
        )
