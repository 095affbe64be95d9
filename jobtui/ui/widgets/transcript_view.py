"""The Output pane's view: an :class:`OutputView` with the keys that search and move through a
job's transcript; and the Console pane's, with the search keys alone.

They are view keys, as Home and End are: they move, mark or filter what this pane shows and
change nothing of a job, so they run no cmdlet line. Each posts :class:`SearchableView.Key`;
the pane's search controller (``ui/screens/pane_search.py``) does the work.
"""

from __future__ import annotations

import enum
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message

from jobtui.ui.widgets.output_view import OutputView


class PaneKey(enum.Enum):
    """What a key of the Output pane asks for."""

    SEARCH = "search"
    SEARCH_BACK = "search_back"
    NEXT_MATCH = "next_match"
    PREVIOUS_MATCH = "previous_match"
    FILTER = "filter"
    MORE_CONTEXT = "more_context"
    LESS_CONTEXT = "less_context"
    NEXT_ERROR = "next_error"
    PREVIOUS_ERROR = "previous_error"
    TIMESTAMPS = "timestamps"
    GO_TO_TIME = "go_to_time"
    PAGER = "pager"
    EDITOR = "editor"
    COPY = "copy"


class SearchableView(OutputView):
    """Lines that can be searched (``/`` ``?`` ``n`` ``N``) and filtered (``&``): the Console
    pane's view, and the base of a job's."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", key_display="/", id="output.search"),
        Binding(
            "question_mark",
            "search_back",
            "Search back",
            key_display="?",
            show=False,
            id="output.search_back",
        ),
        Binding("n", "next_match", "Next", id="output.next_match"),
        Binding("N", "previous_match", "Previous", show=False, id="output.previous_match"),
        Binding("ampersand", "filter", "Filter", key_display="&", id="output.filter"),
        Binding(
            "plus",
            "more_context",
            "More context",
            key_display="+",
            show=False,
            id="output.more_context",
        ),
        Binding(
            "minus",
            "less_context",
            "Less context",
            key_display="-",
            show=False,
            id="output.less_context",
        ),
    ]

    class Key(Message):
        """A search or navigation key was pressed in the view."""

        def __init__(self, view: SearchableView, key: PaneKey) -> None:
            super().__init__()
            self.view = view
            self.key = key

        @property
        def control(self) -> SearchableView:
            """The view."""
            return self.view

    def _ask(self, key: PaneKey) -> None:
        self.post_message(self.Key(self, key))

    def action_search(self) -> None:
        """Search forward as you type (smart case; Ctrl+R in the box: regex)."""
        self._ask(PaneKey.SEARCH)

    def action_search_back(self) -> None:
        """Search backwards as you type."""
        self._ask(PaneKey.SEARCH_BACK)

    def action_next_match(self) -> None:
        """The next match, in the search's direction (round at the end)."""
        self._ask(PaneKey.NEXT_MATCH)

    def action_previous_match(self) -> None:
        """The previous match, against the search's direction."""
        self._ask(PaneKey.PREVIOUS_MATCH)

    def action_filter(self) -> None:
        """Show only the lines that match (the last filter comes back; Esc in the box clears)."""
        self._ask(PaneKey.FILTER)

    def action_more_context(self) -> None:
        """One more line of context around each filtered line."""
        self._ask(PaneKey.MORE_CONTEXT)

    def action_less_context(self) -> None:
        """One line of context fewer around each filtered line."""
        self._ask(PaneKey.LESS_CONTEXT)


class TranscriptView(SearchableView):
    """A job's transcript: searchable and filterable, with its stderr (``e`` ``E``) and its
    times (``t`` ``@``) a key away, and the pager, the editor and copying."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "next_error", "Stderr", id="output.next_error"),
        Binding("E", "previous_error", "Previous stderr", show=False, id="output.previous_error"),
        Binding("t", "timestamps", "Times", id="output.timestamps"),
        Binding(
            "at", "go_to_time", "Go to time", key_display="@", show=False, id="output.go_to_time"
        ),
        Binding("o", "pager", "Pager", show=False, id="output.pager"),
        Binding("v", "editor", "Editor", show=False, id="output.editor"),
        Binding("y", "copy", "Copy", show=False, id="output.copy"),
    ]

    def action_next_error(self) -> None:
        """The next stderr record."""
        self._ask(PaneKey.NEXT_ERROR)

    def action_previous_error(self) -> None:
        """The previous stderr record."""
        self._ask(PaneKey.PREVIOUS_ERROR)

    def action_timestamps(self) -> None:
        """Show each line's arrival time, or hide the times."""
        self._ask(PaneKey.TIMESTAMPS)

    def action_go_to_time(self) -> None:
        """Go to the first line written at or after a time ("10 minutes ago", "14:05")."""
        self._ask(PaneKey.GO_TO_TIME)

    def action_pager(self) -> None:
        """Open the transcript in $PAGER."""
        self._ask(PaneKey.PAGER)

    def action_editor(self) -> None:
        """Open the transcript in $EDITOR at the line on screen."""
        self._ask(PaneKey.EDITOR)

    def action_copy(self) -> None:
        """Copy the lines shown (all of a filter's) to the terminal's clipboard (OSC 52)."""
        self._ask(PaneKey.COPY)
