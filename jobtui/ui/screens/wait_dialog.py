"""The Wait dialog: Wait-Job as a modal, with the jobs waited on, Any/All and a countdown.

The blocking ``engine.wait_job`` runs in a thread worker with a cancel event; Esc sets it and
wakes the engine's waiters, so the thread ends within a moment and never outlives the dialog's
purpose. The countdown reads the injected clock, so a picture of it is always the same.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, RadioButton, RadioSet, Static
from textual.worker import Worker, WorkerState

from jobtui.engine import Job, JobEngine, JobError
from jobtui.ui.formatting import STATE_LOOKS, Clock
from jobtui.ui.paths import screen_css_path
from jobtui.ui.sanitize import plain
from jobtui.ui.widgets.ordered_input import OrderedInput


@dataclass(frozen=True)
class WaitOutcome:
    """How a wait ended: the jobs that finished, or a timeout, a cancel or an error."""

    jobs: list[Job]
    any: bool
    timeout: float | None
    finished: list[Job] = field(default_factory=list)
    timed_out: bool = False
    cancelled: bool = False
    error: str | None = None

    def command(self) -> str:
        """The Wait-Job line that does the same."""
        ids = ",".join(str(job.id) for job in self.jobs)
        line = f"Wait-Job -Id {ids}"
        if self.any:
            line += " -Any"
        if self.timeout is not None:
            line += f" -Timeout {self.timeout:g}"
        return line

    def summary(self) -> str:
        """One line saying how it ended."""
        if self.error:
            return f"Wait-Job: {self.error}"
        if self.cancelled:
            return "Wait-Job: cancelled; the jobs go on."
        if self.timed_out:
            waiting = ", ".join(j.name for j in self.jobs if not j.state.is_persistent)
            return f"Wait-Job: the timeout of {self.timeout:g} s passed; still running: {waiting}."
        names = ", ".join(job.name for job in self.finished)
        return f"Wait-Job: finished: {names}."


class WaitDialog(ModalScreen[WaitOutcome]):
    """Waits for jobs; Esc cancels. Opened from a key it first lets the user choose Any/All."""

    CSS_PATH = screen_css_path("dialogs.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="wait.cancel")
    ]

    def __init__(
        self,
        engine: JobEngine,
        jobs: Sequence[Job],
        *,
        any: bool = False,
        timeout: float | None = None,
        force: bool = False,
        start: bool = False,
        clock: Clock = datetime.now,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.engine = engine
        self.jobs = list(jobs)
        self.any = any
        self.timeout = timeout
        self.force = force
        self.clock = clock
        self._start_now = start
        self._cancel = threading.Event()
        self._deadline: datetime | None = None
        self.started = False

    def compose(self) -> ComposeResult:
        """Jobs, mode, timeout, countdown, buttons."""
        with Vertical(id="wait-dialog", classes="dialog"):
            yield Label("Wait-Job", classes="dialog-title")
            yield Static(id="wait-jobs", markup=False)
            with Horizontal(id="wait-options"):
                with RadioSet(id="wait-mode"):
                    yield RadioButton("All", value=not self.any, id="wait-all")
                    yield RadioButton("Any", value=self.any, id="wait-any")
                yield Label("Timeout (s)", id="wait-timeout-label")
                yield OrderedInput(
                    "" if self.timeout is None else f"{self.timeout:g}",
                    placeholder="none",
                    type="number",
                    id="wait-timeout",
                )
            yield Static(id="wait-countdown", markup=False)
            yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="wait-progress")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Wait", id="wait-start", variant="primary")
                yield Button("Cancel", id="wait-cancel")

    def on_mount(self) -> None:
        """Show the jobs; start at once when the line said everything (Wait-Job from the bar)."""
        self._show_jobs()
        self.set_interval(0.1, self._tick)
        if self._start_now:
            self.begin()
        else:
            # The timeout box has the focus: digits typed at once set it, Enter starts.
            self.query_one("#wait-timeout", Input).focus()

    def begin(self) -> None:
        """Start waiting with the options shown."""
        if self.started:
            return
        self.any = self.query_one("#wait-any", RadioButton).value
        text = self.query_one("#wait-timeout", Input).value.strip()
        try:
            self.timeout = float(text) if text else None
        except ValueError:
            self.query_one("#wait-countdown", Static).update("The timeout must be a number.")
            return
        self.started = True
        self.add_class("-waiting")
        for widget in self.query("#wait-mode, #wait-timeout, #wait-start"):
            widget.disabled = True
        if self.timeout is not None:
            self._deadline = self.clock() + timedelta(seconds=self.timeout)
            self.query_one(ProgressBar).update(total=self.timeout, progress=0)
        self.query_one("#wait-cancel", Button).focus()
        self._tick()
        self._wait()

    @work(thread=True, exclusive=True, group="wait", exit_on_error=False)
    def _wait(self) -> list[Job]:
        return self.engine.wait_job(
            self.jobs, any=self.any, timeout=self.timeout, force=self.force, cancel=self._cancel
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The wait ended: close with what happened."""
        if event.worker.group != "wait" or self._cancel.is_set():
            return
        outcome = WaitOutcome(self.jobs, self.any, self.timeout)
        if event.state is WorkerState.SUCCESS:
            finished = event.worker.result or []
            if finished:
                self.dismiss(WaitOutcome(self.jobs, self.any, self.timeout, finished=finished))
            else:
                self.dismiss(WaitOutcome(self.jobs, self.any, self.timeout, timed_out=True))
        elif event.state is WorkerState.ERROR:
            error = event.worker.error
            text = str(error) if isinstance(error, JobError) else repr(error)
            self.dismiss(WaitOutcome(outcome.jobs, outcome.any, outcome.timeout, error=text))

    def _show_jobs(self) -> None:
        lines = []
        for job in self.jobs:
            look = STATE_LOOKS[job.state]
            name, command = plain(job.name), " ".join(plain(job.command).split())
            lines.append(f"{job.id:>4}  {name:<12} {look.label(job.state):<14} {command}")
        self.query_one("#wait-jobs", Static).update("\n".join(lines))

    def _tick(self) -> None:
        self._show_jobs()
        countdown = self.query_one("#wait-countdown", Static)
        mode = "any one of" if self.any else "all"
        count = len(self.jobs)
        if not self.started:
            countdown.update(f"Press Wait to wait for {mode} {count} job(s).")
        elif self._deadline is None or self.timeout is None:
            countdown.update(f"Waiting for {mode} {count} job(s), no timeout. Esc cancels.")
        else:
            left = max(0.0, (self._deadline - self.clock()).total_seconds())
            countdown.update(
                f"Waiting for {mode} {count} job(s): {left:.1f} s of {self.timeout:g} s left."
                " Esc cancels."
            )
            self.query_one(ProgressBar).update(progress=self.timeout - left)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Wait starts; Cancel cancels."""
        event.stop()
        if event.button.id == "wait-start":
            self.begin()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the timeout box starts the wait."""
        event.stop()
        self.begin()

    def on_unmount(self) -> None:
        """However the dialog goes (the app quitting included), the waiting thread ends."""
        self._cancel.set()
        self.engine.wake_waiters()

    def action_cancel(self) -> None:
        """Stop waiting (the jobs go on) and close."""
        self._cancel.set()
        self.engine.wake_waiters()
        self.dismiss(WaitOutcome(self.jobs, self.any, self.timeout, cancelled=True))
