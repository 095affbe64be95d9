"""The Wait dialog: the view of a running Wait-Job line, with its jobs, Any/All and a countdown.

The wait itself is a Wait-Job line, run by the command line's worker like any typed one: the
cmdlet blocks, says when it begins (the dialog starts its countdown then) and how it ended (the
screen says so in the cmdlet's own words, which are in the Console too). Opened from the ``w``
key, the dialog first lets the user choose Any/All and a timeout; its Wait runs the line. Esc
ends the line (as Ctrl+C would) and closes the dialog at once. The countdown reads the injected
clock, so a picture of it is always the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, RadioButton, RadioSet, Static

from jobtui.ui.actions import wait_line
from jobtui.ui.formatting import STATE_LOOKS, Clock
from jobtui.ui.paths import screen_css_path
from jobtui.ui.sanitize import plain
from jobtui.ui.widgets.ordered_input import OneLineInput, OrderedInput

if TYPE_CHECKING:
    from jobtui.commands import WaitStarted
    from jobtui.engine.snapshot import JobSnapshot

#: What marks the chosen mode, so All and Any differ without colour too.
CHOSEN = " ✓"


class WaitMode(RadioSet):
    """All or Any; Enter chooses the highlighted one and starts the wait."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose_and_start", "Wait", show=False, id="wait.choose_and_start"),
    ]

    class Submitted(Message):
        """Enter in the mode: start with the mode now chosen."""

    def action_choose_and_start(self) -> None:
        """Press the highlighted button (unless it is pressed already), then ask to start."""
        highlighted = self._selected
        if highlighted is not None and highlighted != self.pressed_index:
            self.action_toggle_button()
        self.post_message(self.Submitted())


class WaitDialog(ModalScreen[None]):
    """Shows a Wait-Job while its line runs; Esc ends it. From a key it first asks Any/All."""

    CSS_PATH = screen_css_path("dialogs.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="wait.cancel")
    ]

    def __init__(
        self,
        job_ids: list[int],
        lookup: Callable[[int], JobSnapshot | None],
        *,
        run_line: Callable[[str], None],
        withdraw: Callable[[str], None],
        clock: Clock = datetime.now,
        line: str | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.job_ids = list(job_ids)
        self.lookup = lookup
        self.clock = clock
        #: The Wait-Job line this dialog shows (None until its Wait is pressed).
        self.line = line
        self.any = False
        self.timeout: float | None = None
        #: Wait-Job -Match's pattern: wait for a line of output that matches (None: for the end).
        self.match: str | None = None
        #: Whether the line's Wait-Job has begun to block.
        self.started = False
        self._run_line = run_line
        self._withdraw = withdraw
        self._deadline: datetime | None = None
        #: What was wrong with the options at the last Wait (shown until the next one).
        self._problem: str | None = None
        self._ended = False
        self._closed = False

    def compose(self) -> ComposeResult:
        """Jobs, mode, timeout, countdown, buttons."""
        with Vertical(id="wait-dialog", classes="dialog"):
            yield Label("Wait-Job", classes="dialog-title")
            yield Static(id="wait-jobs", markup=False)
            with Horizontal(id="wait-options"):
                with WaitMode(id="wait-mode"):
                    yield RadioButton("All" + CHOSEN, value=True, id="wait-all")
                    yield RadioButton("Any", value=False, id="wait-any")
                yield Label("Timeout (s)", id="wait-timeout-label")
                yield OrderedInput(placeholder="none", type="integer", id="wait-timeout")
            with Horizontal(id="wait-match-row"):
                yield Label("Match", id="wait-match-label")
                yield OneLineInput(
                    placeholder="wait for the end, or for a line like: Listening on",
                    id="wait-match",
                )
            yield Static(id="wait-countdown", markup=False)
            yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="wait-progress")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Wait", id="wait-start", variant="primary")
                yield Button("Cancel", id="wait-cancel")

    def on_mount(self) -> None:
        """Show the jobs; the timeout box has the focus unless the wait runs already."""
        self._tick()
        self.set_interval(0.1, self._tick)
        if self.started:
            # A typed Wait-Job began to block before the dialog was shown: show its options.
            self._show_wait()
        elif self.line is not None:
            self._lock_options()
        else:
            # The timeout box has the focus: digits typed at once set it, Enter starts.
            self.query_one("#wait-timeout", Input).focus()
        if self._ended:
            self._close()

    # -- choosing ------------------------------------------------------------------------------

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        """The mode changed: the labels mark the chosen one, the text says which."""
        event.stop()
        self.any = event.pressed.id == "wait-any"
        self._show_mode()
        self._tick()

    def _show_mode(self) -> None:
        self.query_one("#wait-all", RadioButton).label = "All" + ("" if self.any else CHOSEN)
        self.query_one("#wait-any", RadioButton).label = "Any" + (CHOSEN if self.any else "")

    def begin(self) -> None:
        """Run the Wait-Job line of the options shown (once)."""
        if self.line is not None:
            return
        text = self.query_one("#wait-timeout", Input).value.strip()
        if text and not text.isdigit():
            self._refuse("The timeout is a whole number of seconds (Wait-Job -Timeout).")
            return
        pattern = self.query_one("#wait-match", Input).value
        if pattern:
            try:
                re.compile(pattern)
            except re.error as error:
                self._refuse(f"The pattern is not a valid regular expression: {error}.")
                return
        self._problem = None
        self.match = pattern or None
        self.timeout = float(text) if text else None
        # The button, not the last Changed message: Enter in the mode presses it just before.
        self.any = self.query_one("#wait-any", RadioButton).value
        self._show_mode()
        self.line = wait_line(
            self.job_ids, any=self.any, timeout=int(text) if text else None, match=self.match
        )
        self._lock_options()
        self._tick()
        self._run_line(self.line)

    def _lock_options(self) -> None:
        self.add_class("-waiting")
        for widget in self.query("#wait-mode, #wait-timeout, #wait-match, #wait-start"):
            widget.disabled = True
        self.query_one("#wait-cancel", Button).focus()

    # -- the running wait ----------------------------------------------------------------------

    def waiting(self, line: str, started: WaitStarted) -> None:
        """The line's Wait-Job has begun to block: show what it waits for, and count down."""
        self.line = line
        self.job_ids = list(started.job_ids)
        self.any = started.any
        self.timeout = started.timeout
        self.match = started.match
        self.started = True
        self._deadline = None
        if self.timeout is not None:
            self._deadline = self.clock() + timedelta(seconds=self.timeout)
        if self.is_mounted:
            self._show_wait()

    def _show_wait(self) -> None:
        """The options of the running Wait-Job, locked: its mode, its timeout, the countdown."""
        self._lock_options()
        self.query_one("#wait-mode", RadioSet).query_one(
            "#wait-any" if self.any else "#wait-all", RadioButton
        ).value = True
        self._show_mode()
        if self.timeout is not None:
            self.query_one("#wait-timeout", Input).value = f"{self.timeout:g}"
            self.query_one(ProgressBar).update(total=self.timeout, progress=0)
        if self.match is not None:
            self.query_one("#wait-match", Input).value = self.match
        self._tick()

    def end(self) -> None:
        """The line has ended: close (the screen says how it ended)."""
        self._ended = True
        if self.is_mounted and self.app.screen is self:
            # From the dialog's own message queue, as a dialog dismisses itself: dismissed from
            # another screen's handler, its removal could hang an app that quits just then.
            self.call_later(self._close)

    def on_screen_resume(self) -> None:
        """A line that ended while something stood over the dialog closes it now."""
        if self._ended:
            self._close()

    def _close(self) -> None:
        if not self._closed:
            self._closed = True
            self.dismiss(None)

    # -- drawing -------------------------------------------------------------------------------

    def _refuse(self, problem: str) -> None:
        """Say what is wrong with the options (the countdown's line keeps it until the next
        Wait)."""
        self._problem = problem
        self._say(problem)

    def _say(self, text: str) -> None:
        self.query_one("#wait-countdown", Static).update(text)

    def _show_jobs(self) -> None:
        lines = []
        for job_id in self.job_ids:
            job = self.lookup(job_id)
            if job is None:
                lines.append(f"{job_id:>4}  (removed)")
                continue
            look = STATE_LOOKS[job.state]
            name, command = plain(job.name), " ".join(plain(job.command).split())
            lines.append(f"{job.id:>4}  {name:<12} {look.label(job.state):<14} {command}")
        self.query_one("#wait-jobs", Static).update("\n".join(lines))

    def _tick(self) -> None:
        if self._closed:
            return  # the timer may fire once more while the dialog goes
        self._show_jobs()
        mode = "any one of" if self.any else "all"
        count = len(self.job_ids)
        jobs = f"{count} job{'' if count == 1 else 's'}"
        if self.match is not None and self.line is not None:
            jobs += f" to print a line that matches '{plain(self.match)}'"
        if self.line is None and self._problem is not None:
            self._say(self._problem)
        elif self.line is None:
            self._say(f"Press Wait (or Enter) to wait for {mode} {jobs}.")
        elif not self.started:
            self._say(f"Starting {self.line}…")
        elif self._deadline is None or self.timeout is None:
            self._say(f"Waiting for {mode} {jobs}, no timeout. Esc cancels.")
        else:
            left = max(0.0, (self._deadline - self.clock()).total_seconds())
            self._say(
                f"Waiting for {mode} {jobs}: {left:.1f} s of {self.timeout:g} s left. Esc cancels."
            )
            self.query_one(ProgressBar).update(progress=self.timeout - left)

    # -- keys and buttons ----------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Wait starts; Cancel cancels."""
        event.stop()
        if event.button.id == "wait-start":
            self.begin()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the timeout or the pattern box starts the wait."""
        event.stop()
        self.begin()

    def on_wait_mode_submitted(self, event: WaitMode.Submitted) -> None:
        """Enter in the mode starts the wait."""
        event.stop()
        self.begin()

    def action_cancel(self) -> None:
        """End the wait (the jobs go on) and close at once; the line says it was cancelled."""
        if self.line is not None and not self._ended:
            self._withdraw(self.line)
        self._ended = True
        self.call_later(self._close)  # after the key's handling (see end)
