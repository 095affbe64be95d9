"""The Input dialog: type lines into a job's standard input, or close it (end of file).

A job that reads its stdin shows as Blocked; this is how the user answers it. Enter sends the
line and a newline; Ctrl+D on an empty line closes the input, as at a terminal. The dialog stays
open for more lines until Esc. Writing goes through the engine (``send_input`` gives up after a
moment if the pipe is full), and an error shows as one line under the text.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from jobtui.engine import Job, JobEngine, JobError
from jobtui.ui.formatting import STATE_LOOKS
from jobtui.ui.paths import screen_css_path
from jobtui.ui.sanitize import plain
from jobtui.ui.widgets.ordered_input import OrderedInput


class InputDialog(ModalScreen[None]):
    """Sends lines to one job's stdin; closes it on request; Esc leaves."""

    CSS_PATH = screen_css_path("dialogs.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Done", id="input.done"),
        # Priority: the Input would take Ctrl+D as "delete right" first.
        Binding("ctrl+d", "end_of_input", "Close input", priority=True, id="input.end_of_input"),
    ]

    def __init__(self, engine: JobEngine, job: Job) -> None:
        super().__init__(classes="dialog-screen")
        self.engine = engine
        self.job = job

    def compose(self) -> ComposeResult:
        """Title, the line, a status line, the keys and the buttons."""
        with Vertical(id="input-dialog", classes="dialog"):
            yield Label("", id="input-title", classes="dialog-title", markup=False)
            yield OrderedInput(placeholder="a line for the job's standard input", id="input-line")
            yield Static("", id="input-status", markup=False)
            yield Static(
                "Enter sends · Ctrl+D on an empty line closes the input · Esc leaves",
                id="input-keys",
                markup=False,
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Send (Enter)", id="input-send", variant="primary")
                yield Button("Close input (Ctrl+D)", id="input-close", variant="warning")
                yield Button("Done (Esc)", id="input-done")

    def on_mount(self) -> None:
        """Say whose input it is, and put the cursor in the line."""
        self._show_title()
        self.set_interval(0.5, self._show_title)
        self.query_one("#input-line", Input).focus()

    def _show_title(self) -> None:
        job = self.job
        look = STATE_LOOKS[job.state]
        title = f"Input to {plain(job.name)} (Id {job.id}) · {look.label(job.state)}"
        self.query_one("#input-title", Label).update(title)

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#input-status", Static)
        status.update(" ".join(text.split()))
        status.set_class(error, "-error")

    def send(self, text: str) -> None:
        """Write ``text`` and a newline to the job's stdin."""
        data = (text + "\n").encode()
        try:
            written = self.engine.send_input(self.job, data)
        except JobError as exc:
            self._status(str(exc), error=True)
            return
        if written < len(data):
            self._status(
                f"Sent {written} of {len(data)} bytes: the job is not reading its input.",
                error=True,
            )
        else:
            self._status(f"Sent {written} bytes.")
        self.query_one("#input-line", Input).value = ""
        self._show_title()

    def close_input(self) -> None:
        """Close the job's stdin: what it reads next is the end of file."""
        try:
            self.engine.close_input(self.job)
        except JobError as exc:
            self._status(str(exc), error=True)
            return
        self._status("Input closed: the job reads the end of file.")
        self._show_title()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter sends the line."""
        event.stop()
        self.send(event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Send, close the input, or leave."""
        event.stop()
        if event.button.id == "input-send":
            self.send(self.query_one("#input-line", Input).value)
        elif event.button.id == "input-close":
            self.close_input()
        else:
            self.dismiss(None)

    def action_end_of_input(self) -> None:
        """Ctrl+D: on an empty line close the input, as a terminal does; else delete right."""
        line = self.query_one("#input-line", Input)
        if self.focused is line and line.value:
            line.action_delete_right()
        else:
            self.close_input()

    def action_leave(self) -> None:
        """Back to the jobs."""
        self.dismiss(None)
