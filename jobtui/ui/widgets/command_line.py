"""The command line: prompt, bar and one-line status; it runs lines of the command language.

A line runs in a thread worker (Wait-Job pipelines and Receive-Job -Wait block); what it prints
goes to the console buffer from that thread, in the batches the session hands over, and the
console view picks it up on its timer. Esc (through :meth:`cancel`) ends a blocking line.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import partial

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static
from textual.worker import Worker, WorkerState

from jobtui.commands import CommandError, CommandResult, CommandSession, OutputLine, WaitRequest
from jobtui.engine import JobEngine
from jobtui.ui.history import CommandHistory
from jobtui.ui.sources import ConsoleBuffer
from jobtui.ui.widgets.command_bar import CommandBar

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

        def __init__(self, line: str, result: CommandResult) -> None:
            super().__init__()
            self.line = line
            self.result = result

    class WaitRequested(Message):
        """The line is a Wait-Job: the screen shows it as the Wait dialog instead."""

        def __init__(self, line: str, request: WaitRequest) -> None:
            super().__init__()
            self.line = line
            self.request = request

    def __init__(
        self,
        engine: JobEngine,
        session: CommandSession,
        history: CommandHistory,
        console: ConsoleBuffer,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.engine = engine
        self.session = session
        self.history = history
        self.console = console
        self.running_line: str | None = None
        self._cancel = threading.Event()

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
        status = self.query_one("#bar-status", Static)
        status.update(text)
        status.set_class(error, "-error")
        status.display = bool(text)

    @property
    def status_text(self) -> str:
        """What the status line says."""
        return str(self.query_one("#bar-status", Static).render())

    def cancel(self) -> bool:
        """End the line that runs, if one does (as Ctrl+C would); True if there was one."""
        if self.running_line is None:
            return False
        self._cancel.set()
        self.engine.wake_waiters()
        self.show_status("Cancelling…")
        return True

    def on_unmount(self) -> None:
        """A line still running must not outlive the app (its thread would keep it alive)."""
        self._cancel.set()
        self.engine.wake_waiters()

    # -- completion ----------------------------------------------------------------------------

    def _complete(self, text: str) -> list[str]:
        try:
            return self.session.complete(text)
        except CommandError:
            return []

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

    @on(Input.Changed, "#command-bar")
    def _edited(self, event: Input.Changed) -> None:
        status = self.query_one("#bar-status", Static)
        if status.has_class("-error") and self.running_line is None:
            self.show_status("")

    # -- running lines -------------------------------------------------------------------------

    @on(Input.Submitted, "#command-bar")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.run_line(event.value)

    def run_line(self, line: str) -> None:
        """Run ``line`` as if typed: a Wait-Job becomes a request, anything else runs."""
        if not line.strip():
            return
        if self.running_line is not None:
            self.show_status(f"Still running “{self.running_line}”. Esc cancels it.", error=True)
            return
        self.history.add(line)
        self.bar.forget_position()
        try:
            request = self.session.wait_request(line)
        except CommandError as exc:
            self.console.append([("echo", f"PS> {line}"), ("error", str(exc))])
            self.show_status(str(exc), error=True)
            return
        if request is not None:
            self.bar.value = ""
            self.show_status("")
            self.console.append([("echo", f"PS> {line}")])
            self.post_message(self.WaitRequested(line, request))
            return
        self.running_line = line
        self._cancel = threading.Event()
        self.set_timer(RUNNING_HINT_DELAY, partial(self._running_hint, line))
        self.console.append([("echo", f"PS> {line}")])
        self._execute(line, self._cancel)

    def _running_hint(self, line: str) -> None:
        if self.running_line == line:
            self.show_status(f"Running “{line}”… Esc cancels.")

    @work(thread=True, group="command", exit_on_error=False)
    def _execute(self, line: str, cancel: threading.Event) -> CommandResult:
        streamed = 0

        def on_output(lines: Sequence[OutputLine]) -> None:
            # Worker thread: into the thread-safe buffer, never into a widget.
            nonlocal streamed
            streamed += len(lines)
            self.console.append((item.kind, item.text) for item in lines)

        result = self.session.execute(line, on_output=on_output, cancel=cancel)
        self.console.append((item.kind, item.text) for item in result.lines[streamed:])
        return result

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The line ended: its first error under the bar (the text kept), or a clear bar."""
        worker = event.worker
        if worker.group != "command" or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        event.stop()
        line, self.running_line = self.running_line or "", None
        if event.state is WorkerState.ERROR:
            # A bug below the bar: one line for the user, the text kept for another try.
            message = f"Internal error: {worker.error!r}"
            self.console.append([("error", message)])
            self.show_status(message, error=True)
            return
        result = worker.result
        assert isinstance(result, CommandResult)
        if result.errors:
            extra = len(result.errors) - 1
            more = f" (+{extra} more in the console)" if extra else ""
            self.show_status(result.errors[0] + more, error=True)
        else:
            self.show_status("")
            self.bar.value = ""
        self.post_message(self.LineFinished(line, result))
