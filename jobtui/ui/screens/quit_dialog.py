"""Quitting a hosted session with jobs running: stop them, disconnect, or stay.

The in-process app asks a yes/no question (:class:`~jobtui.ui.screens.confirm.ConfirmDialog`);
a client of the session host has a third answer, PowerShell's Disconnect-PSSession: the app
ends and the session and its jobs go on in the host, for the next ``jobtui`` to reconnect.
"""

from __future__ import annotations

import enum
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from jobtui.ui.paths import screen_css_path


class QuitAnswer(enum.Enum):
    """What the user chose."""

    STOP = "stop"
    DISCONNECT = "disconnect"
    CANCEL = "cancel"


class QuitDialog(ModalScreen[QuitAnswer]):
    """Stop the jobs and quit (y), disconnect and leave them running (d), or cancel (n, Esc)."""

    CSS_PATH = screen_css_path("dialogs.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer('cancel')", "Cancel", id="quit.cancel"),
        Binding("y", "answer('stop')", "Stop jobs and quit", id="quit.stop"),
        Binding("d", "answer('disconnect')", "Disconnect", id="quit.disconnect"),
    ]

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.message = message
        self.detail = detail

    def compose(self) -> ComposeResult:
        """The question, the jobs it would stop, the three buttons and the keys."""
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Label("Quit jobtui?", classes="dialog-title", markup=False)
            yield Static(self.message, id="confirm-message", markup=False)
            if self.detail:
                yield Static(self.detail, id="confirm-detail", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Stop jobs and quit (y)", id="stop", variant="error")
                yield Button("Disconnect (d)", id="disconnect", variant="primary")
                yield Button("Cancel (n, Esc)", id="cancel")
            yield Static(
                "y stops them · d leaves them running in the host · n or Esc cancels",
                id="confirm-keys",
                markup=False,
            )

    def on_mount(self) -> None:
        """Cancel has the focus: Enter alone never ends anything."""
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Answer with the button pressed."""
        event.stop()
        self.dismiss(QuitAnswer(event.button.id))

    def action_answer(self, answer: str) -> None:
        """Answer from a key."""
        self.dismiss(QuitAnswer(answer))
