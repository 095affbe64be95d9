"""The main screen: the command bar, the live job table, and the Output / Console panes.

The engine's threads never reach this screen. A timer pulls what changed (the engine's and
the jobs' version counters, the transcript of the job shown, the console) in batches, and the
watcher's queues say which jobs finished. Commands typed in the bar run in a thread worker.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import DescendantFocus, Resize
from textual.screen import Screen
from textual.widgets import Input, Label
from textual.worker import Worker, WorkerState

from jobtui.engine import Job, JobEngine, JobState
from jobtui.ui.actions import ActionResult, JobActions, accepts_input, tree_preview
from jobtui.ui.formatting import STATE_LOOKS, JobFormatter, human_count, unread_lines
from jobtui.ui.history import CommandHistory
from jobtui.ui.language import LazySession
from jobtui.ui.messages import JobActionRequested
from jobtui.ui.pacing import Pacer
from jobtui.ui.sanitize import plain
from jobtui.ui.screens.confirm import ConfirmDialog
from jobtui.ui.sources import ConsoleBuffer, TranscriptSource
from jobtui.ui.watcher import EngineWatcher
from jobtui.ui.widgets.command_line import CommandLine
from jobtui.ui.widgets.jobs_table import JobsTable
from jobtui.ui.widgets.keep_toggle import KeepToggle
from jobtui.ui.widgets.key_bar import KeyBar
from jobtui.ui.widgets.ordered_input import OrderedInput
from jobtui.ui.widgets.output_view import OutputView
from jobtui.ui.widgets.panes import Panes

if TYPE_CHECKING:
    from jobtui.ui.screens.wait_dialog import WaitOutcome

#: Least seconds between two refreshes of the table (a burst of events becomes one refresh).
TABLE_INTERVAL = 0.25
#: Seconds between refreshes for running jobs' elapsed time when nothing else changed (less a
#: little: the quiet screen pulls once a second, and its timer may fire a hair early).
ELAPSED_INTERVAL = 0.95
#: The narrowest width command results are formatted for, however narrow the terminal.
MIN_FORMAT_WIDTH = 20
#: Seconds from the screen's mount to loading the command language (see jobtui.ui.language).
LANGUAGE_DELAY = 0.2
#: More finished jobs than this at once make one summary notification.
NOTIFY_LIMIT = 3

#: Actions that need the job table to have the focus (their keys are letters the bar would take).
_TABLE_KEY_ACTIONS = {
    "receive",
    "toggle_keep",
    "stop",
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
_JOB_ACTIONS = {"receive", "stop", "remove", "wait", "suspend_resume", "detail", "input"}


class MainScreen(Screen[None]):
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
        Binding("x,delete", "remove", "Remove", id="jobs.remove"),
        Binding("w", "wait", "Wait", id="jobs.wait"),
        Binding("p", "suspend_resume", "Pause", id="jobs.suspend_resume"),
        Binding("i", "input", "Input", id="jobs.input"),
        Binding("c", "switch_pane", "Console", id="main.switch_pane"),
        Binding("question_mark", "help", "Help", key_display="?", id="main.help"),
        Binding("f1", "show_help", "Help", show=False, id="main.help_anywhere"),
        Binding("q", "quit", "Quit", id="main.quit"),
    ]

    def __init__(
        self,
        engine: JobEngine,
        session: LazySession,
        history: CommandHistory,
        formatter: JobFormatter,
        watcher: EngineWatcher,
        *,
        keep: bool = True,
        columns: Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.session = session
        self.history = history
        self.formatter = formatter
        self.watcher = watcher
        self.console = ConsoleBuffer()
        self.actions = JobActions(engine, self.console)
        self.keep = keep
        self._columns = columns
        self._shown_job: Job | None = None
        self._seen_engine = -1
        self._table_at = 0.0
        self._title_seen: tuple[int, ...] | None = None
        self._title_text = ""
        # Pulls changes ten times a second, once a second when all is quiet (see pacing).
        self._pacer = Pacer(self._pull)

    # -- composition ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Bar, status line, table, panes, key bar (the filter box comes with its key: / )."""
        yield CommandLine(self.engine, self.session, self.history, self.console, id="command-line")
        yield JobsTable(self.formatter, columns=self._columns, id="jobs")
        with Panes({"output-tab": "Output", "console-tab": "Console"}, id="panes"):
            with Vertical(id="output-tab"):
                with Horizontal(id="output-header"):
                    yield Label("No job selected", id="output-title", markup=False)
                    yield KeepToggle(self.keep, id="keep")
                yield OutputView(id="output")
            yield OutputView(self.console, id="console-tab")
        yield KeyBar()

    def on_mount(self) -> None:
        """Show the jobs at once, then keep pulling changes."""
        # The widgets the timer touches ten times a second, looked up once.
        self._jobs_table = self.query_one(JobsTable)
        self._output_view = self.query_one("#output", OutputView)
        self._console_view = self.query_one("#console-tab", OutputView)
        self._panes = self.query_one("#panes", Panes)
        self.refresh_table(force=True)
        self._pacer.start(self)
        self.watcher.on_change = self._pacer.wake
        self.console.on_append = self._pacer.wake
        self.command_line.bar.focus()
        # The first frame does not wait for the command language: it loads a moment later,
        # unless a line typed sooner loads it first.
        self.set_timer(LANGUAGE_DELAY, self.session.load)
        if self.history.error:
            self.notify(self.history.error, severity="warning", markup=False)

    def on_resize(self, event: Resize) -> None:
        """Format command results for the console's width: the screen's, less its scrollbar.

        The screen's, not the console's own: the console is hidden (no width) until shown.
        """
        self.session.width = max(MIN_FORMAT_WIDTH, event.size.width - 1)

    # -- pulling changes -----------------------------------------------------------------------

    def on_unmount(self) -> None:
        """No more wake-ups for this screen."""
        self.watcher.on_change = None
        self.console.on_append = None

    def _pull(self) -> bool:
        """Take what changed from the engine and the console; True if anything new was shown."""
        now = time.monotonic()
        shown = False
        if now - self._table_at >= TABLE_INTERVAL:
            changed = self.engine.version != self._seen_engine
            if changed or now - self._table_at >= ELAPSED_INTERVAL:
                shown = self.refresh_table()
        shown = self._sync_output() or shown
        shown = self._console_view.sync() or shown
        return self._notify_finished() or shown

    def refresh_table(self, *, force: bool = False) -> bool:
        """Bring the table up to date with the engine (only changed cells are touched); True if
        any row changed, came or went."""
        self._table_at = time.monotonic()
        self._seen_engine = self.engine.version
        return self._jobs_table.sync(self.engine.jobs, force=force)

    def _sync_output(self) -> bool:
        job = self._shown_job
        view = self._output_view
        shown = view.sync()
        if job is not None:
            store = job.transcript
            if not self.keep and store is not None and store.unread_count:
                # Keep off: showing is receiving, as Receive-Job without -Keep; what has been on
                # screen, up to the pane's last line (while following: all there is).
                last = view.last_visible_line if self._output_shown() else None
                if last is not None:
                    self.engine.receive_job([job], through_line=last)
                    view.sync()
            self._update_output_title(job)
        return shown

    def _output_shown(self) -> bool:
        """Whether the Output pane can be seen (its tab chosen, no full screen over it)."""
        screen = self.app.screen
        return self._panes.active == "output-tab" and (screen is self or screen.is_modal)

    def _update_output_title(self, job: Job) -> None:
        store = job.transcript
        following = self._output_view.following
        seen = (job.id, job.version, store.version if store else -1, int(self.keep), following)
        if seen == self._title_seen:
            return
        self._title_seen = seen
        look = STATE_LOOKS[job.state]
        parts = [f"{plain(job.name)} (Id {job.id})", look.label(job.state)]
        if store is not None:
            parts.append(
                f"{human_count(store.line_count)} line{'' if store.line_count == 1 else 's'}"
            )
            unread = unread_lines(job)
            parts.append(f"{human_count(unread)} unread" if unread else "all received")
            if store.lost_bytes:
                parts.append(f"{store.lost_bytes:,} bytes lost")
        if not job.state.is_finished:
            parts.append("following" if self._output_view.following else "scrolled up, End follows")
        parts.append(" ".join(plain(job.command).split()))
        title = " · ".join(parts)
        if title != self._title_text:
            # Only a new text: an update lays the screen out again (the monitor touches a
            # running job every few seconds without changing what the title says).
            self._title_text = title
            self.query_one("#output-title", Label).update(title)

    @on(OutputView.FollowingChanged, "#output")
    def _following_changed(self) -> None:
        if self._shown_job is not None:
            self._update_output_title(self._shown_job)

    def _notify_finished(self) -> bool:
        finished = self.watcher.drain_finished()
        if not finished:
            return False
        if len(finished) > NOTIFY_LIMIT:
            counts: dict[str, int] = {}
            for _, state in finished:
                counts[state.name] = counts.get(state.name, 0) + 1
            summary = ", ".join(f"{n} {name.lower()}" for name, n in sorted(counts.items()))
            failed = JobState.Failed.name in counts
            self.notify(
                f"{len(finished)} jobs finished: {summary}.",
                title="Jobs",
                severity="error" if failed else "information",
                markup=False,
            )
            return True
        for job, state in finished:
            if state is JobState.Failed:
                reason = job.reason
                self.notify(
                    reason.message if reason else "Failed.",
                    title=f"{job.name} failed",
                    severity="error",
                    timeout=8,
                    markup=False,
                )
            elif state is JobState.Completed:
                self.notify(f"{job.command}", title=f"{job.name} completed", markup=False)
            else:
                self.notify(
                    f"{job.command}", title=f"{job.name} stopped", severity="warning", markup=False
                )
        return True

    # -- the selected job ------------------------------------------------------------------------

    @on(JobsTable.JobHighlighted)
    def _job_highlighted(self, event: JobsTable.JobHighlighted) -> None:
        job = None if event.job_id is None else self.engine.find_by_id(event.job_id)
        if self.focused is self._jobs_table:
            # The user moved to a job: show its output (not when a refresh moved the cursor).
            self._panes.active = "output-tab"
        self.show_job(job)

    def show_job(self, job: Job | None) -> None:
        """Show ``job``'s transcript in the Output pane."""
        if job is self._shown_job:
            return
        self._shown_job = job
        self._title_seen = None
        view = self.query_one("#output", OutputView)
        store = job.transcript if job is not None else None
        source = TranscriptSource(store) if store is not None else None
        # Keep off: from the first line not yet received, so what it shows is what it receives.
        top = source.unread_from() if source is not None and not self.keep else None
        view.attach(source, top=top)
        if job is None:
            self._title_text = "No job selected"
            self.query_one("#output-title", Label).update(self._title_text)
        self._sync_output()

    @on(JobsTable.JobSelected)
    def _job_selected(self, event: JobsTable.JobSelected) -> None:
        self._open_detail(event.job_id)

    def _open_detail(self, job_id: int) -> None:
        # The detail, help and wait screens are imported when first opened: the first frame does
        # not need them, and the help's Markdown alone costs a third of the start-up.
        from jobtui.ui.screens.detail import JobDetailScreen

        job = self.engine.find_by_id(job_id)
        if job is not None:
            self.app.push_screen(JobDetailScreen(job, self.formatter, self.watcher))

    def target_jobs(self) -> list[Job]:
        """The marked jobs, or the highlighted one."""
        jobs = (self.engine.find_by_id(i) for i in self.query_one(JobsTable).target_job_ids())
        return [job for job in jobs if job is not None and not job.removed]

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
            box = OrderedInput(placeholder="Filter jobs by name, state, command or id", id="filter")
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

    def action_detail(self) -> None:
        """The highlighted job's detail."""
        job_id = self.query_one(JobsTable).highlighted_job_id
        if job_id is not None:
            self._open_detail(job_id)

    def action_toggle_keep(self) -> None:
        """Switch keep on or off."""
        self.query_one("#keep", KeepToggle).toggle()

    @on(KeepToggle.Changed, "#keep")
    def _keep_changed(self, event: KeepToggle.Changed) -> None:
        self.keep = event.value
        self._title_seen = None
        self.notify(
            "Keep on: showing output leaves it unread (Receive-Job -Keep)."
            if self.keep
            else "Keep off: the pane receives what it shows (Receive-Job).",
            timeout=3,
            markup=False,
        )
        self._sync_output()
        self.refresh_table()

    def action_switch_pane(self) -> None:
        """Switch the lower pane between the job's output and the console."""
        self._panes.show_next()

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

    def _report(self, result: ActionResult) -> None:
        self.notify(
            result.message,
            severity="error" if result.error else "information",
            timeout=4,
            markup=False,
        )
        self.refresh_table()

    def action_receive(self) -> None:
        """Receive-Job the targeted jobs into the console."""
        jobs = self.target_jobs()
        if jobs:
            self._report(self.actions.receive(jobs))

    def action_stop(self) -> None:
        """Stop-Job the targeted jobs (returns at once; they show Stopping, then Stopped)."""
        jobs = self.target_jobs()
        if jobs:
            self._report(self.actions.stop(jobs))

    def action_suspend_resume(self) -> None:
        """Suspend the running targeted jobs, resume the suspended ones."""
        jobs = self.target_jobs()
        if jobs:
            self._report(self.actions.suspend_or_resume(jobs))

    def action_remove(self) -> None:
        """Remove-Job the targeted jobs; running ones only after a confirmation (-Force)."""
        jobs = self.target_jobs()
        if not jobs:
            return
        running = [job for job in jobs if not job.state.is_finished]
        if not running:
            self._report(self.actions.remove(jobs, force=False))
            return
        names = ", ".join(f"{plain(job.name)} ({job.state.name})" for job in running)
        dialog = ConfirmDialog(
            "Remove-Job -Force?",
            f"{names} {'is' if len(running) == 1 else 'are'} not finished. Stop and remove?",
            detail=tree_preview(running, self.engine.grace),
            confirm="Stop and remove",
        )

        def answered(force: bool | None) -> None:
            if force:
                self._remove_forced(jobs)

        self.app.push_screen(dialog, answered)

    @work(thread=True, group="remove", exit_on_error=False)
    def _remove_forced(self, jobs: Sequence[Job]) -> ActionResult:
        # Stopping first may take the grace period: never on the UI thread.
        return self.actions.remove(jobs, force=True)

    def action_input(self) -> None:
        """Open the Input dialog for the highlighted job: lines to its stdin, or end of file."""
        from jobtui.ui.screens.input_dialog import InputDialog

        job_id = self.query_one(JobsTable).highlighted_job_id
        job = None if job_id is None else self.engine.find_by_id(job_id)
        if job is None:
            return
        if not accepts_input(job):
            self.notify(
                f"{job.name} does not read input (it has finished, or its input is closed).",
                severity="warning",
                markup=False,
            )
            return
        self.app.push_screen(InputDialog(self.engine, job))

    def action_wait(self) -> None:
        """Open the Wait dialog for the targeted jobs."""
        jobs = self.target_jobs()
        if jobs:
            self._open_wait(jobs, any=False, timeout=None, force=False, start=False, typed=False)

    def _open_wait(
        self,
        jobs: Sequence[Job],
        *,
        any: bool,
        timeout: float | None,
        force: bool,
        start: bool,
        typed: bool,
    ) -> None:
        from jobtui.ui.screens.wait_dialog import WaitDialog

        clock = self.formatter.clock
        dialog = WaitDialog(
            self.engine, jobs, any=any, timeout=timeout, force=force, start=start, clock=clock
        )
        # A typed line is in the console already; a key's wait echoes the line it stands for.
        self.app.push_screen(dialog, partial(self._waited, echo=not typed))

    def _waited(self, outcome: WaitOutcome | None, *, echo: bool) -> None:
        self.command_line.wait_ended()  # a typed Wait-Job has ended: queued lines may run
        if outcome is None:
            return
        if echo:
            self.console.append([("echo", f"PS> {outcome.command()}")])
        if outcome.finished:
            from jobtui.commands import format_job_table

            table = format_job_table(outcome.finished, self.session.width)
            self.console.append(("output", line) for line in table)
            self.notify(outcome.summary(), markup=False)  # it says "Wait-Job:" itself
        else:
            self.console.append([("info" if outcome.cancelled else "error", outcome.summary())])
            self.notify(
                outcome.summary(),
                severity="information" if outcome.cancelled else "warning",
                markup=False,
            )
        self.refresh_table()

    @on(JobActionRequested)
    def _action_requested(self, event: JobActionRequested) -> None:
        table = self.query_one(JobsTable)
        if event.job_ids:
            table.marked.clear()
            table.move_cursor(row=table.get_row_index(str(event.job_ids[0])))
            table.marked.update(event.job_ids if len(event.job_ids) > 1 else ())
        handler = getattr(self, f"action_{event.action}", None)
        if handler is not None:
            handler()

    # -- the command line ------------------------------------------------------------------------

    @property
    def command_line(self) -> CommandLine:
        """The prompt, bar and status."""
        return self.query_one(CommandLine)

    def run_line(self, line: str) -> None:
        """Run a command line as if typed into the bar."""
        self.command_line.run_line(line)

    @on(CommandLine.WaitRequested)
    def _wait_requested(self, event: CommandLine.WaitRequested) -> None:
        request = event.request
        if request.jobs:
            self._open_wait(
                request.jobs,
                any=request.any,
                timeout=request.timeout,
                force=request.force,
                start=True,
                typed=True,
            )
        else:
            self.command_line.wait_ended()

    @on(CommandLine.LineFinished)
    def _line_finished(self, event: CommandLine.LineFinished) -> None:
        self._panes.active = "console-tab"
        self.refresh_table()
        if event.result.jobs:
            self._highlight(event.result.jobs[0])

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A forced remove ended: say how."""
        worker = event.worker
        if worker.group != "remove" or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        if isinstance(worker.result, ActionResult):
            self._report(worker.result)
        elif worker.error is not None:
            self.notify(f"Remove-Job: {worker.error!r}", severity="error", markup=False)

    def _highlight(self, job: Job) -> None:
        table = self.query_one(JobsTable)
        top = job.parent or job
        if str(top.id) in {str(i) for i in table.shown_job_ids}:
            table.move_cursor(row=table.get_row_index(str(top.id)))
