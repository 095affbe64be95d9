"""The detail screen of one job: the Reason first, every property, its children, the transcript.

A failed job's ``ChildJobs[0].JobStateInfo.Reason`` is what users dig for in PowerShell; here it
is the first thing on the screen, in plain words, with the exit code, signal and last stderr line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, Static

from jobtui.engine import JobState
from jobtui.service import JobService
from jobtui.ui.formatting import STATE_LOOKS, JobFormatter
from jobtui.ui.paths import screen_css_path
from jobtui.ui.records import as_record
from jobtui.ui.sanitize import plain
from jobtui.ui.widgets.key_bar import KeyBar
from jobtui.ui.widgets.output_view import OutputView
from jobtui.ui.widgets.property_list import PropertyList, job_properties
from jobtui.ui.widgets.queue_facts import QueueFacts
from jobtui.ui.widgets.stats_graph import StatsGraph

if TYPE_CHECKING:
    from jobtui.engine.snapshot import JobSnapshot


def failure_report(job: JobSnapshot, formatter: JobFormatter) -> str:
    """Why the job failed, as text to paste into a bug report."""
    reason = job.reason
    info = job.executing_job.process
    lines = [
        f"Job {job.id} ({job.name}) {job.state.name}: {job.command}",
        f"Reason: {reason.message if reason else ''}",
        f"ExitCode: {'' if info.exit_code is None else info.exit_code}",
        f"Signal: {info.signal or ''}",
        f"WorkingDirectory: {info.cwd or ''}",
        f"Shell: {info.shell or ''}",
    ]
    if reason is not None and reason.last_error_line:
        lines.append(f"Last stderr line: {reason.last_error_line}")
    return "\n".join(lines)


class JobDetailScreen(Screen[None]):
    """Everything about one job; it never consumes output (the transcript is read, not received)."""

    CSS_PATH = screen_css_path("detail.tcss")
    #: Below 110 columns the properties (64 wide) would leave the transcript a sliver: the
    #: panes are stacked instead (detail.tcss, ``-narrow``).
    # Textual's annotation (a ClassVar inside a union) reads to mypy as an instance variable and
    # a ClassVar here is refused, so ruff's rule on mutable class attributes is silenced instead.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back", id="detail.back"),
        Binding("y", "copy_report", "Copy report", id="detail.copy_report"),
        Binding("tab", "focus_next", "Next pane", show=False, id="detail.next_pane"),
    ]

    def __init__(self, service: JobService, job: JobSnapshot, formatter: JobFormatter) -> None:
        super().__init__()
        self.service = service
        #: The job as last read (a job removed meanwhile stays as it was last seen).
        self.job = job
        self.formatter = formatter
        self._seen: tuple[int, ...] | None = None

    def compose(self) -> ComposeResult:
        """Title, reason, properties on the left; graphs and transcript on the right (below them
        on a narrow terminal)."""
        job = self.job
        yield Label(id="detail-title", markup=False)
        with Vertical(id="reason-box"):
            yield Static(id="reason", markup=False)
            yield Static(id="reason-facts", markup=False)
        with Horizontal(id="detail-body"):
            with VerticalScroll(id="properties"):
                yield Label(f"Job {job.id}", classes="section-title", markup=False)
                yield PropertyList(id="props-job")
                yield QueueFacts(id="queue-facts", markup=False)
                for index, child in enumerate(job.child_jobs):
                    yield from self._child_section(index, child)
            with Vertical(id="detail-right"):
                yield StatsGraph(id="stats")
                yield Label("Transcript (all output, received or not)", classes="section-title")
                yield OutputView(id="transcript")
        yield KeyBar()

    @staticmethod
    def _child_section(index: int, child: JobSnapshot) -> ComposeResult:
        yield Label(f"ChildJobs[{index}]  (Job {child.id})", classes="section-title", markup=False)
        yield PropertyList(id=f"props-child-{index}", classes="child-props")

    def on_mount(self) -> None:
        """Fill in and keep up to date while the job changes."""
        source = self.service.transcript(self.job.id)
        if source is not None:
            self.query_one("#transcript", OutputView).attach(source)
        self.refresh_job()
        self.set_interval(0.25, self.refresh_job)

    def refresh_job(self) -> None:
        """Redraw what changed since the last look."""
        job = self.service.snapshot(self.job.id) or self.job
        self.job = job
        self.query_one("#transcript", OutputView).sync()
        running = not job.state.is_finished and job.state is not JobState.NotStarted
        stats = self.query_one(StatsGraph)
        stats.display = running
        if running:
            stats.show(job.stats)
        # The time left moves on by itself: read at every look.
        self.query_one(QueueFacts).show(job, self.formatter.clock())
        seen = (job.version, *(child.version for child in job.child_jobs))
        if seen == self._seen:
            return
        self._seen = seen
        shown = len(self.query(".child-props"))
        properties = self.query_one("#properties", VerticalScroll)
        for index in range(shown, len(job.child_jobs)):  # a retry's new attempt
            properties.mount_all(list(self._child_section(index, job.child_jobs[index])))
        look = STATE_LOOKS[job.state]
        name = plain(job.name)
        title = f"Job {job.id} · {name} · {look.label(job.state)} · {job.ps_job_type_name}"
        self.query_one("#detail-title", Label).update(title)
        self.query_one("#props-job", PropertyList).show(job_properties(job, self.formatter))
        for index, child in enumerate(job.child_jobs):
            for props in self.query(f"#props-child-{index}").results(PropertyList):
                props.show(job_properties(child, self.formatter))
        reason = job.reason
        self.query_one("#reason-box").display = reason is not None
        if reason is not None:
            # The last attempt's, for a retried job (the one that decided).
            last = len(job.child_jobs) - 1
            where = (
                f"ChildJobs[{last}].JobStateInfo.Reason"
                if job.child_jobs
                else "JobStateInfo.Reason"
            )
            self.query_one("#reason", Static).update(plain(reason.message))
            self.query_one("#reason-box").border_title = where
            facts = [f"ExitCode {self.formatter.exit_code(as_record(job)) or '—'}"]
            if reason.signal_name:
                facts.append(f"Signal {reason.signal_name}")
            if reason.last_error_line:
                facts.append(f"last stderr line: {plain(reason.last_error_line)}")
            self.query_one("#reason-facts", Static).update(" · ".join(facts))

    def action_copy_report(self) -> None:
        """Send a failure report (or the job's facts) to the terminal's clipboard."""
        self.app.copy_to_clipboard(failure_report(self.job, self.formatter))
        # The copy is an OSC 52 request, and a terminal may ignore it without a word: say what
        # was done, not what may not have happened.
        self.notify(
            "Failure report sent to the terminal's clipboard (OSC 52; some terminals ignore it).",
            title=self.job.name,
            markup=False,
        )
