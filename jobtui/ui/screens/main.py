"""The main screen: the command bar, the live job table, and the Output / Console panes.

This module composes the screen and wires its parts: the pull loop (:mod:`.pull`) keeps the
snapshots, the table and the notifications up to date; the Output pane's controller
(:mod:`.output_pane`) shows the highlighted job; the job keys (:mod:`.keys`) run cmdlet lines.
The screen reaches jobs only through the :class:`~jobtui.service.JobService`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import DescendantFocus, Key, Resize
from textual.widgets import Input, Label

from jobtui.data.line_history import CommandHistory
from jobtui.data.settings import Settings
from jobtui.service import JobService
from jobtui.ui.actions import JOB_ACTIONS
from jobtui.ui.compositor import CroppedCompositor
from jobtui.ui.formatting import JobFormatter
from jobtui.ui.messages import JobActionRequested
from jobtui.ui.screens.keys import JobKeys
from jobtui.ui.screens.output_pane import OutputPane
from jobtui.ui.screens.pane_export import PaneExport
from jobtui.ui.screens.pane_search import PaneSearch, SearchBox
from jobtui.ui.screens.pull import PullLoop
from jobtui.ui.sources import ConsoleBuffer
from jobtui.ui.widgets.command_line import CommandLine
from jobtui.ui.widgets.jobs_table import JobsTable
from jobtui.ui.widgets.keep_toggle import KeepToggle
from jobtui.ui.widgets.key_bar import KeyBar
from jobtui.ui.widgets.ordered_input import OneLineInput
from jobtui.ui.widgets.output_view import OutputView
from jobtui.ui.widgets.panes import Panes
from jobtui.ui.widgets.transcript_view import PaneKey, SearchableView, TranscriptView

if TYPE_CHECKING:
    from jobtui.ui.notifications import Notifier

#: The narrowest width command results are formatted for, however narrow the terminal.
MIN_FORMAT_WIDTH = 20
#: Seconds from the screen's mount to loading the command language (see jobtui.service).
LANGUAGE_DELAY = 0.2

#: Actions that need the job table to have the focus (their keys are letters the bar would take).
_TABLE_KEY_ACTIONS = {
    "receive",
    "toggle_keep",
    "stop",
    "restart",
    "remove",
    "wait",
    "suspend_resume",
    "switch_pane",
    "help",
    "quit",
    "filter",
    "focus_bar",
    "detail",
    "input",
}
_JOB_ACTIONS = {action.value for action in JOB_ACTIONS}


class MainScreen(JobKeys):
    """Jobs at a glance, their output, and a command line to drive them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # First: the key bar lists it right after the focused widget's own keys.
        Binding("escape", "escape", "Jobs", id="main.escape"),
        Binding(
            "colon", "focus_bar", "Command", key_display=":", show=False, id="main.command_bar"
        ),
        Binding("slash", "filter", "Filter", key_display="/", id="jobs.filter"),
        Binding("enter", "detail", "Detail", show=False, id="jobs.detail"),
        Binding("r", "receive", "Receive", id="jobs.receive"),
        Binding("k", "toggle_keep", "Keep", id="jobs.keep"),
        Binding("s", "stop", "Stop", id="jobs.stop"),
        # Not in the key bar: at 120 columns it would push out q Quit (help and the palette
        # list it).
        Binding("R", "restart", "Restart", show=False, id="jobs.restart"),
        Binding("x,delete", "remove", "Remove", id="jobs.remove"),
        Binding("w", "wait", "Wait", id="jobs.wait"),
        Binding("p", "suspend_resume", "Pause", id="jobs.suspend_resume"),
        Binding("i", "input", "Input", id="jobs.input"),
        Binding("c", "switch_pane", "Console", id="main.switch_pane"),
        Binding("ctrl+f", "search_all", "Search all", show=False, id="main.search_all"),
        Binding("question_mark", "help", "Help", key_display="?", id="main.help"),
        Binding("f1", "show_help", "Help", show=False, id="main.help_anywhere"),
        Binding("q", "quit", "Quit", id="main.quit"),
    ]

    def __init__(
        self,
        service: JobService,
        history: CommandHistory,
        formatter: JobFormatter,
        *,
        keep: bool = True,
        columns: Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        self._compositor = CroppedCompositor()
        self.service = service
        self.history = history
        self.formatter = formatter
        self.console = ConsoleBuffer()
        self.keep = keep
        self._columns = columns

    # -- composition ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Bar, status line, table, panes, key bar (the filter box comes with its key: / )."""
        yield CommandLine(self.service, self.history, self.console, id="command-line")
        yield JobsTable(self.formatter, columns=self._columns, id="jobs")
        with Panes({"output-tab": "Output", "console-tab": "Console"}, id="panes"):
            with Vertical(id="output-tab"):
                with Horizontal(id="output-header"):
                    yield Label("No job selected", id="output-title", markup=False)
                    yield KeepToggle(self.keep, id="keep")
                yield TranscriptView(id="output")
            with Vertical(id="console-tab"):
                yield SearchableView(self.console, id="console")
        yield KeyBar()

    def on_mount(self) -> None:
        """Show the jobs at once, then keep pulling changes."""
        # The widgets the timer touches ten times a second, looked up once.
        self._jobs_table = self.query_one(JobsTable)
        self._output_view = self.query_one("#output", OutputView)
        self._panes = self.query_one("#panes", Panes)
        self.output = OutputPane(
            self, self.service, self._output_view, self.query_one("#output-title", Label)
        )
        self.pane_search = PaneSearch(
            self,
            self.service,
            self.query_one("#output", TranscriptView),
            lambda: self.output.job_id,
        )
        console_view = self.query_one("#console", SearchableView)
        self.console_search = PaneSearch(
            self, self.service, console_view, lambda: None, console=self.console
        )
        self.pane_export = PaneExport(self, self.service, self.pane_search)
        self.pull = PullLoop(
            self.service,
            self._jobs_table,
            self.console,
            console_view,
            self.sync_output,
            self._notifier,
        )
        #: The highest job id known when the last line ended: the jobs a line started are
        #: those above it (a line's result also names jobs it only returned, as Get-Job's).
        self._last_known_id = max(self.pull.jobs, default=0)
        self.pull.start(self)
        self.command_line.bar.focus()
        # The first frame does not wait for the command language: it loads a moment later,
        # unless a line typed sooner loads it first.
        self.set_timer(LANGUAGE_DELAY, self.service.load_language)
        if self.history.error:
            self.notify(self.history.error, severity="warning", markup=False)

    def on_unmount(self) -> None:
        """No more wake-ups for this screen."""
        self.pull.stop()

    def on_resize(self, event: Resize) -> None:
        """Format command results for the console's width: the screen's, less its scrollbar.

        The screen's, not the console's own: the console is hidden (no width) until shown.
        """
        self.service.width = max(MIN_FORMAT_WIDTH, event.size.width - 1)

    def refresh_table(self, *, force: bool = False) -> bool:
        """Bring the table up to date with the service; True if any row changed."""
        return self.pull.refresh_table(force=force)

    # -- the Output pane -------------------------------------------------------------------------

    @property
    def shown_job_id(self) -> int | None:
        """The job the Output pane shows."""
        return self.output.job_id

    def sync_output(self) -> bool:
        """The Output pane's new lines (and, with keep off, what it receives)."""
        job_id = self.output.job_id
        job = None if job_id is None else self.pull.jobs.get(job_id)
        return self.output.sync(job, keep=self.keep, visible=self._output_shown())

    def _output_shown(self) -> bool:
        """Whether the Output pane can be seen (its tab chosen, no full screen over it)."""
        screen = self.app.screen
        return self._panes.active == "output-tab" and (screen is self or screen.is_modal)

    @on(OutputView.FollowingChanged, "#output")
    def _following_changed(self) -> None:
        """The title says whether the pane follows the end."""
        if not hasattr(self, "output"):
            return  # before the screen's mount: its first sync writes the title
        self.output.forget_title()
        self.sync_output()

    @on(JobsTable.JobHighlighted)
    def _job_highlighted(self, event: JobsTable.JobHighlighted) -> None:
        job = None if event.job_id is None else self.pull.jobs.get(event.job_id)
        if self.focused is self._jobs_table:
            # The user moved to a job: show its output (not when a refresh moved the cursor).
            self._panes.active = "output-tab"
        self.output.show(job, keep=self.keep)
        self.pane_search.job_changed()
        self.sync_output()

    @on(TranscriptView.Key, "#output")
    async def _pane_key(self, event: TranscriptView.Key) -> None:
        if event.key in (PaneKey.PAGER, PaneKey.EDITOR):
            # A task of its own: writing a big transcript out must not hold up this screen's
            # messages and timers.
            self.run_worker(
                self.pane_export.open_in(editor=event.key is PaneKey.EDITOR),
                group="export",
                exclusive=True,
                exit_on_error=False,
            )
        elif event.key is PaneKey.COPY:
            self.pane_export.copy()
        else:
            await self.pane_search.key(event.key)

    @on(SearchableView.Key, "#console")
    async def _console_key(self, event: SearchableView.Key) -> None:
        await self.console_search.key(event.key)

    def _search_of(self, box: object) -> PaneSearch:
        """The pane whose search box ``box`` is: the Console's, or the Output pane's."""
        row = self.console_search.row
        return self.console_search if row is not None and box in row.children else self.pane_search

    @on(SearchBox.Changed, "#output-search-box")
    def _search_changed(self, event: SearchBox.Changed) -> None:
        self._search_of(event.control).changed(event.value)

    @on(SearchBox.Submitted, "#output-search-box")
    def _search_submitted(self, event: SearchBox.Submitted) -> None:
        event.stop()
        self._search_of(event.control).submitted(event.value)

    @on(SearchBox.Dropped)
    def _search_dropped(self, event: SearchBox.Dropped) -> None:
        self._search_of(event.control).dropped()

    @on(SearchBox.RegexToggled)
    def _search_regex(self, event: SearchBox.RegexToggled) -> None:
        self._search_of(event.control).toggle_regex()

    @on(JobsTable.JobSelected)
    def _job_selected(self, event: JobsTable.JobSelected) -> None:
        self._open_detail(event.job_id)

    # -- keys ------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Letter keys belong to the bar while it has the focus; job keys need a job."""
        if action in _TABLE_KEY_ACTIONS and isinstance(self.focused, Input):
            return False
        if action == "escape":
            # Shown where it does something: in the bar, the filter or a pane, or to clear a
            # filter.
            focused = self.focused
            return isinstance(focused, (Input, OutputView)) or bool(self._jobs_table.filter_text)
        if action in _JOB_ACTIONS and not self.query_one(JobsTable).target_job_ids():
            return None
        return True

    def on_key(self, event: Key) -> None:
        """A printable key bound to nothing, typed at the table, goes to the bar and types
        itself: typing a command after Esc starts the command, and fires no job key by chance
        beyond the ones the key bar shows."""
        if self.focused is not self._jobs_table or not event.is_printable or not event.character:
            return
        if event.key in self.active_bindings:
            return
        event.stop()
        event.prevent_default()
        bar = self.command_line.bar
        bar.focus()
        bar.insert_text_at_cursor(event.character)

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        """The key bar shows the keys that work where the focus now is."""
        self.refresh_bindings()

    def action_focus_bar(self) -> None:
        """Put the cursor in the command bar."""
        self.command_line.bar.focus()

    def action_escape(self) -> None:
        """Cancel a running command, or leave the bar / the filter for the table."""
        filter_input = self._filter_input()
        table = self.query_one(JobsTable)
        if self.focused is self.command_line.bar and self.command_line.cancel():
            return
        if filter_input is not None and (
            self.focused is filter_input or (self.focused is table and table.filter_text)
        ):
            filter_input.value = ""
            table.filter_text = ""
            filter_input.display = False
        table.focus()

    async def action_filter(self) -> None:
        """Show the filter box and put the cursor in it (made the first time: the first frame
        need not wait for it)."""
        box = self._filter_input()
        if box is None:
            box = OneLineInput(placeholder="Filter jobs by name, state, command or id", id="filter")
            await self.mount(box, before=self._jobs_table)
        box.display = True
        box.focus()

    def _filter_input(self) -> Input | None:
        """The filter box, if it has been opened."""
        found = self.query("#filter").results(Input)
        return next(found, None)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(JobsTable).filter_text = event.value

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            event.input.display = False
        self.query_one(JobsTable).focus()

    def action_toggle_keep(self) -> None:
        """Switch keep on or off."""
        self.query_one("#keep", KeepToggle).toggle()

    @on(KeepToggle.Changed, "#keep")
    def _keep_changed(self, event: KeepToggle.Changed) -> None:
        self.keep = event.value
        self.output.forget_title()
        self.notify(
            "Keep on: showing output leaves it unread (Receive-Job -Keep)."
            if self.keep
            else "Keep off: the pane receives what you read (Receive-Job).",
            timeout=3,
            markup=False,
        )
        self.sync_output()
        self.refresh_table()

    def action_switch_pane(self) -> None:
        """Switch the lower pane between the job's output and the console."""
        self._panes.show_next()

    def action_search_all(self) -> None:
        """Search every job's output; Enter on a match opens its job at that line."""
        from jobtui.ui.screens.search_all import SearchAllScreen, SearchChoice

        def chosen(choice: SearchChoice | None) -> None:
            if choice is not None:
                self.call_later(
                    self.open_at, choice.job_id, choice.line, choice.pattern, regex=choice.regex
                )

        def name(job_id: int) -> str:
            job = self.pull.jobs.get(job_id)
            return job.name if job is not None else f"Job{job_id}"

        self.app.push_screen(SearchAllScreen(self.service, name, self.pane_search.pattern), chosen)

    async def open_at(
        self, job_id: int, line: int, pattern: str = "", *, regex: bool = False
    ) -> None:
        """Show ``job_id`` in the Output pane at transcript line ``line``, its matches of
        ``pattern`` marked (``n`` goes on from there)."""
        self.refresh_table(force=True)
        job = self.pull.jobs.get(job_id) or self.service.snapshot(job_id)
        if job is None:
            self.notify(f"Job {job_id} is gone.", severity="warning", markup=False)
            return
        self._highlight(job_id)
        self._panes.active = "output-tab"
        self.output.show(job, keep=self.keep)
        self.pane_search.job_changed()
        self.sync_output()
        await self.pane_search.show_match(line, pattern, regex=regex)
        self._output_view.focus()

    def action_help(self) -> None:
        """Show every key and the command language."""
        from jobtui.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_show_help(self) -> None:
        """Help from anywhere, the bar included (F1)."""
        self.action_help()

    async def action_quit(self) -> None:
        """Quit (the app asks first if jobs are running)."""
        await self.app.action_quit()

    @on(JobActionRequested)
    def _action_requested(self, event: JobActionRequested) -> None:
        self.act(event.action, event.job_ids)

    # -- the command line ------------------------------------------------------------------------

    @on(CommandLine.WaitStarted)
    def _wait_started(self, event: CommandLine.WaitStarted) -> None:
        self.wait_started(event.line, event.started)

    def _notifier(self) -> Notifier:
        from jobtui.ui.notifications import Notifier

        return Notifier(self.app, self.service, self._settings(), self.notify)

    def _settings(self) -> Settings:
        """The app's settings (the defaults for an app that has none)."""
        settings = getattr(self.app, "settings", None)
        return settings if isinstance(settings, Settings) else Settings()

    @on(CommandLine.LineFinished)
    async def _line_finished(self, event: CommandLine.LineFinished) -> None:
        self.line_finished(event.line, event.result)
        self._panes.active = "console-tab"
        self.refresh_table()
        started = [i for i in event.result.job_ids if i > self._last_known_id]
        self._last_known_id = max([self._last_known_id, *self.pull.jobs, *event.result.job_ids])
        self.pull.watch_line(event.line, started)
        if event.result.job_ids:
            self._highlight(event.result.job_ids[0])
        if event.result.disconnected:
            # Disconnect-PSSession: the app ends, the host keeps the session and its jobs.
            self.app.exit(0)
        elif event.result.exit_code is not None:
            # `exit` ends the session: the app asks to quit, as q does (lines queued after it
            # wait; they run if the user stays).
            await self.app.action_quit()

    def _highlight(self, job_id: int) -> None:
        table = self.query_one(JobsTable)
        if job_id in table.shown_job_ids:
            table.move_cursor(row=table.get_row_index(str(job_id)))
