"""The lower panes (Output, Console): one shown at a time, under a line with their names.

Textual's TabbedContent would do, but it brings a focusable tab bar, an animated underline and a
wrapper per pane: nine widgets and their stylesheets, 12 ms of jobtui's start-up (benchmark 5).
Here the names are one widget drawing one line; a click on a name, or the screen's key, shows
its pane.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import ContentSwitcher

#: Spaces on each side of a pane's name (its tab).
NAME_PADDING = 2


class PaneNames(Widget):
    """The panes' names on one line, the shown one standing out as a tab does."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"pane-names--active"}

    active: reactive[str] = reactive("")

    class Chosen(Message):
        """The name of pane ``pane_id`` was clicked."""

        def __init__(self, pane_id: str) -> None:
            super().__init__()
            self.pane_id = pane_id

    def __init__(self, titles: Mapping[str, str], active: str) -> None:
        super().__init__(classes="pane-names")
        self.titles = dict(titles)
        self.set_reactive(PaneNames.active, active)

    def _tabs(self) -> list[tuple[str, str]]:
        pad = " " * NAME_PADDING
        return [(pane_id, f"{pad}{title}{pad}") for pane_id, title in self.titles.items()]

    def render(self) -> Text:
        """Each name padded as a tab; the active one in its component style."""
        active_style = self.get_component_rich_style("pane-names--active")
        return Text.assemble(
            *(
                (tab, active_style if pane_id == self.active else "")
                for pane_id, tab in self._tabs()
            )
        )

    def on_click(self, event: Click) -> None:
        """Which name was clicked, if any."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        start = 0
        for pane_id, tab in self._tabs():
            if start <= offset.x < start + cell_len(tab):
                self.post_message(self.Chosen(pane_id))
                return
            start += cell_len(tab)


class Panes(Vertical):
    """Panes by id, shown one at a time. The panes are the widgets composed inside it::

    with Panes({"output-tab": "Output", "console-tab": "Console"}, id="panes"):
        yield OutputView(id="output-tab")
        ...
    """

    def __init__(self, titles: Mapping[str, str], *, id: str | None = None) -> None:
        """``titles`` maps each pane's id to its name on the line, in order; the first shows."""
        super().__init__(id=id)
        self._titles = dict(titles)
        self._composed: list[Widget] = []

    def compose_add_child(self, widget: Widget) -> None:
        """Collect the panes composed inside ``with Panes(...)``; compose places them."""
        self._composed.append(widget)

    def compose(self) -> ComposeResult:
        """The names line, then the panes."""
        first = next(iter(self._titles))
        yield PaneNames(self._titles, first)
        yield ContentSwitcher(*self._composed, initial=first)

    @property
    def active(self) -> str:
        """The id of the pane shown."""
        return self.query_one(PaneNames).active

    @active.setter
    def active(self, pane_id: str) -> None:
        if pane_id not in self._titles:
            raise ValueError(f"no pane {pane_id!r}")
        self.query_one(ContentSwitcher).current = pane_id
        self.query_one(PaneNames).active = pane_id

    def show_next(self) -> None:
        """Show the pane after the one shown (the last wraps to the first)."""
        ids = list(self._titles)
        self.active = ids[(ids.index(self.active) + 1) % len(ids)]

    def on_pane_names_chosen(self, event: PaneNames.Chosen) -> None:
        """A click on a pane's name shows that pane."""
        event.stop()
        self.active = event.pane_id
