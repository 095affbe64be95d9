"""A yes/no question in a modal: removing a running job, quitting with jobs running."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from jobtui.ui.paths import screen_css_path


class ConfirmDialog(ModalScreen[bool]):
    """Asks a question; dismisses with True (confirm) or False (cancel, Esc)."""

    CSS_PATH = screen_css_path("dialogs.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer(False)", "Cancel", id="confirm.cancel"),
        Binding("y", "answer(True)", "Confirm", id="confirm.confirm"),
    ]

    def __init__(
        self,
        title: str,
        message: str,
        *,
        detail: str = "",
        confirm: str = "Yes",
        cancel: str = "Cancel",
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.message = message
        self.detail = detail
        self.confirm_label = confirm
        self.cancel_label = cancel

    def compose(self) -> ComposeResult:
        """The question, an optional detail line, the two buttons and the keys that answer."""
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.message, id="confirm-message", markup=False)
            if self.detail:
                yield Static(self.detail, id="confirm-detail", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.confirm_label} (y)", id="confirm", variant="error")
                yield Button(f"{self.cancel_label} (n, Esc)", id="cancel")
            yield Static(
                "y confirms · n or Esc cancels · Enter presses the focused button",
                id="confirm-keys",
                markup=False,
            )

    def on_mount(self) -> None:
        """Cancel has the focus: Enter alone never destroys anything."""
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Answer with the button pressed."""
        event.stop()
        self.dismiss(event.button.id == "confirm")

    def action_answer(self, answer: bool) -> None:
        """Answer from a key (y, n, Esc)."""
        self.dismiss(answer)
