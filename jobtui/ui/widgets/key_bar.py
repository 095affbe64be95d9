"""The key bar at the bottom: the keys that work where the focus is, drawn as one line.

Textual's Footer makes a widget per key and fills them in a frame after the screen's first (it
waits for the bindings, then recomposes): the app's first frame had an empty footer, and the keys
came 15-20 ms later (benchmark 5). This bar reads the screen's active bindings when it draws, so
the first frame has them, and it is one widget. A click on a key presses it, as in the Footer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, NamedTuple

from rich.cells import cell_len
from rich.text import Text
from textual.events import Click
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.screen import Screen

#: Between two keys.
KEY_SEPARATOR = "  "
#: Before the command palette's key, at the right end.
PALETTE_SEPARATOR = "▏"


class KeyLabel(NamedTuple):
    """One key as the bar shows it (``shown`` then ``description``), at columns ``start`` to
    ``end`` (excluded) of the bar's content."""

    key: str
    shown: str
    description: str
    enabled: bool
    start: int
    end: int


class KeyBar(Widget):
    """``r Receive  s Stop  …`` for the focused widget's and the screen's shown bindings, and
    the command palette's key at the right."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-bar--key",
        "key-bar--description",
        "key-bar--disabled",
    }

    def on_mount(self) -> None:
        """Draw again whenever the screen's bindings change (focus moved, a check changed)."""
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        """No more updates from the screen."""
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        self.refresh()

    def labels(self) -> tuple[list[KeyLabel], KeyLabel | None]:
        """The keys on the left (one per action, as Textual's Footer shows them) and the command
        palette's key at the right end, if the app has a palette."""
        app = self.app
        active = self.screen.active_bindings
        seen: set[str] = set()
        keys: list[KeyLabel] = []
        column = 0
        for _node, binding, enabled, _tooltip in active.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            shown = app.get_key_display(binding)
            width = cell_len(f"{shown} {binding.description}")
            keys.append(
                KeyLabel(binding.key, shown, binding.description, enabled, column, column + width)
            )
            column += width + len(KEY_SEPARATOR)
        palette: KeyLabel | None = None
        palette_binding = active.get(app.COMMAND_PALETTE_BINDING)
        if app.ENABLE_COMMAND_PALETTE and palette_binding is not None:
            _node, binding, enabled, _tooltip = palette_binding
            shown = app.get_key_display(binding)
            width = cell_len(f"{PALETTE_SEPARATOR}{shown} {binding.description}")
            start = max(column, self.size.width - width)
            palette = KeyLabel(
                binding.key, shown, binding.description, enabled, start, start + width
            )
        return keys, palette

    def render(self) -> Text:
        """Each key in the key style and its description after it; the palette's at the right,
        after a separator. Too narrow a bar ends in an ellipsis."""
        keys, palette = self.labels()
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        disabled_style = self.get_component_rich_style("key-bar--disabled")
        text = Text(no_wrap=True, overflow="ellipsis", end="")

        def append(label: KeyLabel) -> None:
            key, words = (key_style, description_style) if label.enabled else (disabled_style,) * 2
            text.append(label.shown, key)
            text.append(f" {label.description}", words)

        for index, label in enumerate(keys):
            text.append(KEY_SEPARATOR if index else "")
            append(label)
        if palette is not None:
            text.append(" " * (palette.start - text.cell_len))
            text.append(PALETTE_SEPARATOR, description_style)
            append(palette)
        return text

    def on_click(self, event: Click) -> None:
        """A click on a key presses it (a disabled key rings the bell)."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        keys, palette = self.labels()
        for label in [*keys, *([palette] if palette else [])]:
            if label.start <= offset.x < label.end:
                if label.enabled:
                    self.app.simulate_key(label.key)
                else:
                    self.app.bell()
                return
