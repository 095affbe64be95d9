"""The command bar: one line of the command language, with history and Tab completion."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from enum import Enum, auto
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message

from jobtui.data.line_history import CommandHistory
from jobtui.ui.widgets.ordered_input import OrderedInput

Completer = Callable[[str], list[str]]

#: Seconds without a key after which the cursor stops blinking and stays on (GTK's default):
#: a blinking cursor redraws the screen twice a second, a third of what an idle jobtui costs.
BLINK_TIMEOUT = 10.0
#: What ends a pasted line: terminals paste \r, \n or both.
LINE_END = re.compile(r"\r\n|\r|\n")


class EditSource(Enum):
    """Who changed the bar's text: what a change ends depends on it."""

    #: Typed, pasted, deleted, or set from outside the bar: ends history browsing, completion
    #: cycling and the completions offered.
    USER = auto()
    #: Up or Down put a line of history in: ends completion.
    HISTORY = auto()
    #: Tab put a candidate in: ends nothing.
    COMPLETION = auto()
    #: Enter took the line out: ends completion (the line is history now).
    SUBMIT = auto()


class CommandBar(OrderedInput):
    """An Input that remembers what was typed (Up/Down) and completes it (Tab); a burst of keys
    is applied in the order typed (see ordered_input).

    The completer gets the text up to the cursor and returns full replacements for it. A first
    Tab completes as far as all candidates agree and offers the list; further Tabs cycle.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "History", key_display="↑↓", id="bar.history_previous"),
        Binding("down", "history(1)", "Next", show=False, id="bar.history_next"),
        Binding("tab", "complete", "Complete", id="bar.complete"),
    ]

    class CompletionsOffered(Message):
        """Tab found several candidates (or none); ``chosen`` is the one in the bar, if any."""

        def __init__(self, candidates: list[str], chosen: int | None) -> None:
            super().__init__()
            self.candidates = candidates
            self.chosen = chosen

    class CompletionsWithdrawn(Message):
        """The text changed otherwise than by Tab: the candidates offered no longer apply."""

    def __init__(
        self,
        history: CommandHistory,
        completer: Completer | None = None,
        *,
        placeholder: str = "",
        id: str | None = None,
    ) -> None:
        super().__init__(placeholder=placeholder, id=id, select_on_focus=False)
        self.history = history
        self.completer = completer
        self._position = len(history.entries)
        self._draft = ""
        #: Who is changing the value now; decided when the change is made, not when its
        #: Changed event arrives (in a burst of keys that is after the next keys have run).
        self._edit_source = EditSource.USER
        self._offered = False
        self._cycle: list[str] = []
        self._cycle_index = -1
        self._cycle_tail = ""
        self._active_at = time.monotonic()

    def _restart_blink(self) -> None:
        # A key, a click or the focus: blink again (resetting the timer restarts it).
        self._active_at = time.monotonic()
        super()._restart_blink()

    def _toggle_cursor(self) -> None:
        if time.monotonic() - self._active_at >= BLINK_TIMEOUT:
            self._pause_blink(visible=True)
            return
        super()._toggle_cursor()

    async def action_submit(self) -> None:
        """Enter (see :meth:`enter`)."""
        self.enter()

    def enter(self) -> None:
        """Enter the line: it leaves the bar now, so that keys typed right after it (in the same
        burst) start the next line instead of landing on this one. A paste enters its lines
        here too."""
        line = self.value
        if line.strip():
            self._put("", source=EditSource.SUBMIT)
        self.post_message(self.Submitted(self, line))

    def _on_paste(self, event: events.Paste) -> None:
        """A paste is typed: each line it ends is entered as Enter enters it, in order; the
        text after its last line end stays in the bar.

        Textual's Input keeps only a paste's first line, and the others vanished without a
        word. Entered by :meth:`enter`, as Enter enters a line, a pasted line runs exactly as
        a typed one (queued behind a running line, kept in the history), and whatever Enter
        comes to do with an unfinished line (a continuation prompt) a pasted one gets too.
        """
        event.prevent_default()  # not Input's own paste as well
        event.stop()
        *lines, rest = LINE_END.split(event.text)
        for line in lines:
            if line:
                self._type(line)
            self.enter()
        if rest:
            self._type(rest)

    def _put(self, value: str, cursor: int | None = None, *, source: EditSource) -> None:
        self._edit_source = source
        try:
            self.value = value
            self.cursor_position = len(value) if cursor is None else cursor
        finally:
            self._edit_source = EditSource.USER

    def _watch_value(self, value: str) -> None:
        """What a change ends, by who made it (see :class:`EditSource`).

        Decided here, as the value is set: the Changed events of a burst (key repeat on Up)
        arrive after the burst's later keys have run, when the bar could no longer tell its own
        changes from the user's.
        """
        super()._watch_value(value)
        source = self._edit_source
        if source is EditSource.USER:
            self._position = len(self.history.entries)
        if source is not EditSource.COMPLETION:
            self._cycle = []
            if self._offered:
                self._offered = False
                self.post_message(self.CompletionsWithdrawn())

    def forget_position(self) -> None:
        """Start browsing history from the newest entry again (after a line is entered)."""
        self._position = len(self.history.entries)
        self._draft = ""
        self._cycle = []

    def action_history(self, step: int) -> None:
        """Show the previous (-1) or next (+1) line of history; past the newest, the draft."""
        entries = self.history.entries
        if self._position >= len(entries):
            self._draft = self.value
        position = min(max(self._position + step, 0), len(entries))
        if position == self._position:
            return
        self._position = position
        self._put(
            entries[position] if position < len(entries) else self._draft,
            source=EditSource.HISTORY,
        )

    def action_complete(self) -> None:
        """Complete the text before the cursor."""
        if self.completer is None:
            return
        if self._cycle and self.value == self._cycle[self._cycle_index] + self._cycle_tail:
            self._cycle_index = (self._cycle_index + 1) % len(self._cycle)
            choice = self._cycle[self._cycle_index]
            self._put(choice + self._cycle_tail, len(choice), source=EditSource.COMPLETION)
            offered = self._cycle[:-1]
            chosen = self._cycle_index if self._cycle_index < len(offered) else None
            self._offer(offered, chosen)
            return
        head, tail = self.value[: self.cursor_position], self.value[self.cursor_position :]
        candidates = list(dict.fromkeys(self.completer(head)))
        if len(candidates) == 1:
            self._put(candidates[0] + tail, len(candidates[0]), source=EditSource.COMPLETION)
            self._cycle = []
            self._offer(candidates, 0)
            return
        if candidates:
            prefix = os.path.commonprefix(candidates)  # noqa: RUF071 - text, not paths
            if len(prefix) > len(head):
                self._put(prefix + tail, len(prefix), source=EditSource.COMPLETION)
                self._cycle = []
            else:
                # Nothing more in common: the next Tab starts cycling through the candidates.
                # One more Tab past the last candidate gets back what was typed.
                self._cycle, self._cycle_tail = [*candidates, head], tail
                self._cycle_index = len(self._cycle) - 1
        self._offer(candidates, None)

    def _offer(self, candidates: list[str], chosen: int | None) -> None:
        self._offered = True
        self.post_message(self.CompletionsOffered(candidates, chosen))
