"""The keep toggle at the right of the output header: ``keep ● on`` or ``keep ○ off``.

One widget drawing a line of text, where Textual's Switch and a label beside it were two
(and the Switch's stylesheet): the first frame is quicker (benchmark 5). A click flips it; so
does the screen's key (k).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


class KeepToggle(Widget):
    """Keep on: showing output leaves it unread. Keep off: the pane receives what it shows."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"keep-toggle--on", "keep-toggle--off"}

    value: reactive[bool] = reactive(True, layout=True)  # "off" is a cell wider than "on"

    class Changed(Message):
        """The toggle was flipped to ``value``."""

        def __init__(self, toggle: KeepToggle, value: bool) -> None:
            super().__init__()
            self.toggle = toggle
            self.value = value

        @property
        def control(self) -> KeepToggle:
            """The toggle (for ``@on(KeepToggle.Changed, selector)``)."""
            return self.toggle

    def __init__(self, value: bool = True, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_reactive(KeepToggle.value, value)

    def render(self) -> Text:
        """``keep ● on`` / ``keep ○ off``, the mark in the on or off colour."""
        state = "on" if self.value else "off"
        mark = "●" if self.value else "○"
        return Text.assemble(
            "keep ", (mark, self.get_component_rich_style(f"keep-toggle--{state}")), f" {state}"
        )

    def watch_value(self, value: bool) -> None:
        """Say so (the screen acts on it)."""
        self.post_message(self.Changed(self, value))

    def toggle(self) -> None:
        """Flip the value."""
        self.value = not self.value

    def on_click(self, event: Click) -> None:
        """A click flips it."""
        event.stop()
        self.toggle()
