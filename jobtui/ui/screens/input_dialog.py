"""The Input dialog: type lines into a job's standard input, or close it (end of file).

A job that reads its stdin shows as Blocked; this is how the user answers it. Enter sends the
line and a newline; Ctrl+D on an empty line closes the input, as at a terminal. The dialog stays
open for more lines until Esc. Each line is a ``Send-JobInput`` line of the language, run off the
UI thread (a full pipe makes the write wait a moment) and echoed in the Console; the cmdlet's
error, if any, shows as one line under the text. The lines stay out of the command history: what
a program reads on its input may be a secret.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static
from textual.worker import Worker, WorkerState

from jobtui.service import JobService, LineResult
from jobtui.ui.actions import close_input_line, send_input_line
from jobtui.ui.formatting import STATE_LOOKS
from jobtui.ui.paths import screen_css_path
from jobtui.ui.sanitize import plain
from jobtui.ui.sources import ConsoleBuffer
from jobtui.ui.widgets.ordered_input import OrderedInput

if TYPE_CHECKING:
    from jobtui.engine.snapshot import JobSnapshot


class InputDialog(ModalScreen[None]):
    """Sends lines to one job's stdin; closes it on request; Esc leaves."""

    CSS_PATH = screen_css_path("dialogs.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Done", id="input.done"),
        # Priority: the Input would take Ctrl+D as "delete right" first.
        Binding("ctrl+d", "end_of_input", "Close input", priority=True, id="input.end_of_input"),
    ]

    def __init__(
        self,
        service: JobService,
        console: ConsoleBuffer,
        job_id: int,
        lookup: Callable[[int], JobSnapshot | None],
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.service = service
        self.console = console
        self.job_id = job_id
        self.lookup = lookup
        self._pending: deque[tuple[str, str]] = deque()
        self._busy = False

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
        job = self.lookup(self.job_id)
        if job is None:
            title = f"Input to Job {self.job_id} · removed"
        else:
            look = STATE_LOOKS[job.state]
            title = f"Input to {plain(job.name)} (Id {job.id}) · {look.label(job.state)}"
        self.query_one("#input-title", Label).update(title)

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#input-status", Static)
        status.update(" ".join(text.split()))
        status.set_class(error, "-error")

    def send(self, text: str) -> None:
        """Write ``text`` and a newline to the job's stdin (Send-JobInput)."""
        self.query_one("#input-line", Input).value = ""
        size = len((text + "\n").encode())
        self._queue(send_input_line(self.job_id, text), f"Sent {size} bytes.")

    def close_input(self) -> None:
        """Close the job's stdin: what it reads next is the end of file (Send-JobInput -Close)."""
        self._queue(close_input_line(self.job_id), "Input closed: the job reads the end of file.")

    def _queue(self, line: str, done: str) -> None:
        # One line at a time, in the order given: two workers could write out of order.
        self._pending.append((line, done))
        if not self._busy:
            self._next()

    def _next(self) -> None:
        if self._pending:
            self._busy = True
            self._run(*self._pending.popleft())
        else:
            self._busy = False

    @work(thread=True, group="input", exit_on_error=False)
    def _run(self, line: str, done: str) -> tuple[str, LineResult]:
        # Worker thread: the console buffer is thread-safe; the widgets wait for the result.
        self.console.append([("echo", f"PS> {line}")])
        result = self.service.execute(line)
        self.console.append((item.kind, item.text) for item in result.lines)
        return done, result

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A Send-JobInput line ended: say how, in one line."""
        worker = event.worker
        if worker.group != "input" or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        self._next()
        if event.state is WorkerState.ERROR:
            self._status(f"Internal error: {worker.error!r}", error=True)
            return
        done, result = worker.result  # type: ignore[misc]
        if result.errors:
            self._status(result.errors[0], error=True)
        else:
            self._status(done)
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
