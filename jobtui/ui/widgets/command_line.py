"""The command line: prompt, bar and one-line status; it runs lines of the command language.

A line runs in a thread worker, through the job service (Wait-Job pipelines and Receive-Job -Wait
block); what it prints goes to the console buffer from that thread, in the batches the service
hands over, and the console view picks it up on its timer. Esc (through :meth:`cancel`) ends a
blocking line. A Wait-Job says when it begins to wait (:class:`CommandLine.WaitStarted`), so the
screen can show the running wait in its dialog: the line is parsed once, in the worker.

Enter takes the line out of the bar at once, so the next one can be typed while it runs; a line
entered while another runs waits in a queue, as a shell's typeahead does. The bar is only ever
written when it is empty, so nothing typed is lost.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static
from textual.widgets.input import Selection
from textual.worker import Worker, WorkerState

from jobtui.data.line_history import CommandHistory
from jobtui.service import JobService, LineResult
from jobtui.ui.sources import ConsoleBuffer
from jobtui.ui.widgets.command_bar import CommandBar

if TYPE_CHECKING:
    from jobtui.commands import OutputLine, WaitStarted

#: Seconds a line runs before the status says it is running (quick ones would flicker).
RUNNING_HINT_DELAY = 0.4
#: Candidates listed in the status line after a Tab.
SHOWN_COMPLETIONS = 30
PLACEHOLDER = (
    "Start-Job {make test} · Get-Job · Receive-Job -Id 1 -Keep"
    "   (Tab completes, Esc goes to the jobs, : comes back)"
)


class CommandLine(Vertical):
    """``PS>`` and the bar, with the status line under it."""

    class LineFinished(Message):
        """A line ran to its end (errors included)."""

        def __init__(self, line: str, result: LineResult) -> None:
            super().__init__()
            self.line = line
            self.result = result

    class WaitStarted(Message):
        """The running line's Wait-Job began to block (posted from the line's worker, before
        the line's end): the screen shows the wait in its dialog until the line ends."""

        def __init__(self, line: str, started: WaitStarted) -> None:
            super().__init__()
            self.line = line
            self.started = started

    def __init__(
        self,
        service: JobService,
        history: CommandHistory,
        console: ConsoleBuffer,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.service = service
        self.history = history
        self.console = console
        self.running_line: str | None = None
        #: The running line whose Wait-Job the Wait dialog shows, with its own countdown and
        #: "Esc cancels": the status under the bar does not say it a second time.
        self._in_dialog: str | None = None
        #: Lines entered while another ran, oldest first.
        self.queued: deque[str] = deque()
        self._restored: str | None = None
        #: The status line lists completions (which go when the bar changes).
        self._offering = False
        self._cancel = threading.Event()
        #: The lines of a statement left open (``Get-Job |``, an open brace or quote), waiting
        #: for the line that completes it, as PowerShell's ``>>`` prompt waits.
        self.continued: list[str] = []

    def compose(self) -> ComposeResult:
        """Prompt and bar on one row, the status below."""
        with Horizontal(id="bar-row"):
            yield Label("PS>", id="prompt")
            yield CommandBar(
                self.history, self._complete, placeholder=PLACEHOLDER, id="command-bar"
            )
        yield Static("", id="bar-status", markup=False)

    @property
    def bar(self) -> CommandBar:
        """The Input."""
        return self.query_one(CommandBar)

    def show_status(self, text: str, *, error: bool = False) -> None:
        """One line under the bar (an error in the error colour); empty hides it."""
        self._offering = False
        status = self.query_one("#bar-status", Static)
        status.update(text)
        status.set_class(error, "-error")
        status.display = bool(text)

    @property
    def status_text(self) -> str:
        """What the status line says."""
        return str(self.query_one("#bar-status", Static).render())

    def cancel(self) -> bool:
        """Drop a statement left open, or end the line that runs (as Ctrl+C would); True if
        there was one."""
        if self.continued:
            self._continue_with([])
            self.show_status("The unfinished statement was dropped.")
            return True
        if self.running_line is None:
            return False
        self._cancel.set()
        self.service.wake_waiters()
        self.show_status("Cancelling…")
        return True

    def withdraw(self, line: str) -> None:
        """End ``line`` if it runs, or take it out of the queue if it waits there."""
        if self.running_line == line:
            self.cancel()
        elif line in self.queued:
            self.queued.remove(line)
            self._show_running()

    def on_unmount(self) -> None:
        """A line still running must not outlive the app (its thread would keep it alive)."""
        self._cancel.set()
        self.service.wake_waiters()

    # -- completion ----------------------------------------------------------------------------

    def _complete(self, text: str) -> list[str]:
        return self.service.complete(text)

    @on(CommandBar.CompletionsOffered)
    def _completions(self, event: CommandBar.CompletionsOffered) -> None:
        if not event.candidates:
            self.show_status("No completions.")
        elif len(event.candidates) > 1:
            words = []
            for index, candidate in enumerate(event.candidates[:SHOWN_COMPLETIONS]):
                word = candidate.split()[-1] if candidate.split() else candidate
                words.append(f"[{word}]" if index == event.chosen else word)
            more = len(event.candidates) - SHOWN_COMPLETIONS
            self.show_status("  ".join(words) + (f"  … {more} more" if more > 0 else ""))
        else:
            self.show_status("")
        self._offering = True

    @on(CommandBar.CompletionsWithdrawn)
    def _completions_withdrawn(self, event: CommandBar.CompletionsWithdrawn) -> None:
        if self._offering:
            self.show_status("")

    @on(Input.Changed, "#command-bar")
    def _edited(self, event: Input.Changed) -> None:
        if event.value != self.bar.value:
            return  # stale: the bar has changed again since (the line taken out, or put back)
        if event.value == self._restored:
            return  # the failed line put back, not an edit: its error stays shown
        self._restored = None
        status = self.query_one("#bar-status", Static)
        if status.has_class("-error") and self.running_line is None:
            self.show_status("")

    # -- running lines -------------------------------------------------------------------------

    @on(Input.Submitted, "#command-bar")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.continued and not event.value.strip():
            return
        # The bar emptied itself on Enter (the console echoes the line): the next line can be
        # typed meanwhile, and what was typed since is not touched here.
        self._restored = None
        if event.value.strip():
            self.history.add(event.value)  # each line as typed: Up brings them back one by one
        lines = [*self.continued, event.value]
        text = "\n".join(lines).rstrip("\n")  # the empty line that ends a continuation
        # An empty line ends a continuation as PowerShell's does: what is there runs (and an
        # unfinished statement gets its error).
        if event.value.strip() and not self.service.is_complete(text):
            self._continue_with(lines)
            return
        self._continue_with([])
        self.run_line(text, remember=False)

    def _continue_with(self, lines: list[str]) -> None:
        """Hold ``lines`` as an open statement (the prompt says ``>>``), or none."""
        self.continued = lines
        self.query_one("#prompt", Label).update(">>" if lines else "PS>")
        if lines:
            self.show_status(
                "The statement continues: Enter on the line that completes it runs it all "
                "(an empty line runs what is there; Esc drops it)."
            )

    def run_line(self, line: str, *, remember: bool = True) -> None:
        """Run ``line`` as if typed (kept in the history unless ``remember`` is False: the bar
        keeps its lines as typed); while another line runs, queue it to run after that one."""
        if not line.strip():
            return
        if remember:
            self.history.add(line)
        self.bar.forget_position()
        if self.running_line is not None:
            self.queued.append(line)
            self._show_running()
            return
        self._start(line)

    def _start(self, line: str) -> None:
        """Run ``line`` now, in a worker."""
        first, *rest = line.split("\n")
        self.console.append([("echo", f"PS> {first}"), *(("echo", f">> {more}") for more in rest)])
        self.running_line = line
        self._in_dialog = None
        self._cancel = threading.Event()
        self.set_timer(RUNNING_HINT_DELAY, partial(self._running_hint, line))
        self._show_running(hint=False)
        self._execute(line, self._cancel)

    def _next(self) -> None:
        """Run the oldest queued line, if any."""
        if self.running_line is None and self.queued:
            self._start(self.queued.popleft())

    def _failed(self, line: str, message: str) -> None:
        """Say why ``line`` failed; give its text back, selected, if the bar is free for it."""
        self.show_status(message, error=True)
        bar = self.bar
        if bar.value or self.queued or "\n" in line:
            # The user has moved on, or the statement spanned lines the bar cannot hold: its
            # lines are in the history (Up).
            return
        self._restored = line
        bar.value = line
        # Selected: typing replaces it, and End or an arrow key edits it instead.
        bar.selection = Selection(0, len(line))

    def _show_running(self, *, hint: bool = True) -> None:
        running = self.running_line
        if running is None:
            return
        waiting = len(self.queued)
        if waiting:
            last = self.queued[-1]
            more = f" and {waiting - 1} more" if waiting > 1 else ""
            self.show_status(
                f"Queued “{last}”{more}: runs after “{running}” (Esc cancels that one)."
            )
        elif hint and running != self._in_dialog:
            self.show_status(f"Running “{running}”… Esc cancels.")

    def on_command_line_wait_started(self, event: CommandLine.WaitStarted) -> None:
        """The running line's Wait-Job began: the Wait dialog says so from now on (the event
        goes on to the screen, which shows the dialog)."""
        self._in_dialog = event.line
        if event.line == self.running_line and self.status_text.startswith("Running “"):
            self.show_status("")

    def _running_hint(self, line: str) -> None:
        if self.running_line == line:
            self._show_running()

    @work(thread=True, group="command", exit_on_error=False)
    def _execute(self, line: str, cancel: threading.Event) -> LineResult:
        streamed = 0

        def on_wait(started: WaitStarted) -> None:
            # Worker thread: a message (thread-safe), never a widget. It reaches the screen
            # before the line's end, which comes through this widget's queue after it.
            self.post_message(self.WaitStarted(line, started))

        def on_output(lines: Sequence[OutputLine]) -> None:
            # Worker thread: into the thread-safe buffer, never into a widget.
            nonlocal streamed
            streamed += len(lines)
            self.console.append((item.kind, item.text) for item in lines)

        result = self.service.execute(line, on_output=on_output, on_wait=on_wait, cancel=cancel)
        self.console.append((item.kind, item.text) for item in result.lines[streamed:])
        return result

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The line ended: its first error under the bar, then the next queued line runs."""
        worker = event.worker
        if worker.group != "command" or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        event.stop()
        line, self.running_line = self.running_line or "", None
        if event.state is WorkerState.ERROR:
            # A bug below the bar: one line for the user, the text kept for another try.
            message = f"Internal error: {worker.error!r}"
            self.console.append([("error", message)])
            self._failed(line, message)
            self._next()
            return
        result = worker.result
        assert isinstance(result, LineResult)
        if result.errors:
            extra = len(result.errors) - 1
            more = f" (+{extra} more in the console)" if extra else ""
            self._failed(line, result.errors[0] + more)
        else:
            self.show_status("")
        self.post_message(self.LineFinished(line, result))
        self._next()
