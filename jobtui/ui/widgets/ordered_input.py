"""An Input that stands up to a burst of keys: applied in order, at a cost that does not grow
with the line.

Order. Textual 8.2.8's Input inserts a typed character at once, but runs its own bindings
(Backspace, arrows, Ctrl+U, Enter...) only when the key has bubbled up to the app. In a burst of
keys (a macro, keys sent through tmux, a loaded machine) characters typed after such a key could
go in before it: Ctrl+U, "Get-Job", Enter became "Get-Job" cleared, then Enter on nothing; "abc"
Enter "def" Enter could send "abcdef" to a job. Textual issue #6605; the fix proposed there (PR
#6631) does what this does. Drop it once Textual runs an Input's bindings in turn itself.

Cost. The same Input measures the whole value several times per key (see prefix_cells) and posts
a Changed event per key, each holding the whole value: 100 kB arriving as keys (a paste into a
terminal without bracketed paste, xdotool) queued 100,000 events of 50 kB on average, 5 GB, and
took about 9.5 minutes. Here the measures are incremental; a Changed event that has not been
handled yet takes the newer value instead of a new event being queued (handlers see the latest
value, once per burst); and the printable keys queued behind a typed one are typed with it.
Headless, 100,000 keys then took 3.5-6.5 s and left the process at its size before them. Drop
these once Textual's Input measures incrementally and coalesces its events itself.
"""

from __future__ import annotations

import re
from typing import Any

from rich.cells import cell_len
from textual import events
from textual.message import Message
from textual.widgets import Input

from jobtui.ui.widgets.prefix_cells import PrefixCells


class OrderedInput(Input):
    """Runs its own bindings when their key arrives, in turn with the typed characters; types
    the characters queued together at once; measures only what an edit changed; keeps one
    Changed event waiting at a time.

    Bindings of the screen and the app still run as Textual runs them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Before Input's own: setting an initial value measures it and posts Changed.
        self._cursor_cells = PrefixCells()
        # Input sizes its content with rich's measure of the plain value (no tab expansion).
        self._content_cells = PrefixCells(tab_size=None)
        self._pending_changed: Input.Changed | None = None
        super().__init__(*args, **kwargs)

    async def _on_key(self, event: events.Key) -> None:
        """The input's own binding for the key, if any, now; else a typed character, with the
        characters queued right behind it."""
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.prevent_default()
                event.stop()
                return
        if not event.is_printable:
            await super()._on_key(event)
            return
        # As Input types a character, with those queued behind it.
        event.stop()
        event.prevent_default()
        self._restart_blink()
        self._type_all((event.character or "") + self._take_queued_characters())

    def _type_all(self, text: str) -> None:
        """Type ``text`` as keys, at once where nothing restricts what may be typed."""
        if self.restrict or self.max_length or self.type != "text":
            # A restricted input judges each character, as typed: "12a3" into a number box
            # keeps "123" (and rings for the "a"), where judged whole it would keep nothing.
            for character in text:
                self._type(character)
        else:
            self._type(text)

    def _type(self, text: str) -> None:
        """Insert ``text`` at the cursor as Input types a key (over the selection, if any)."""
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)

    def _take_queued_characters(self) -> str:
        """The printable keys queued right behind the one being handled, taken off the queue.

        Each key costs Textual's Input the same fixed work (reactive watchers, a scroll, a
        refresh: about 0.2 ms), so 100 kB arriving as keys took 25 s even once measuring was
        incremental; typed as one, a burst costs that once. The keys taken are those the input
        would only insert: printable and bound to nothing of its own. The first other message
        stops it, so keys and bindings still apply in the order typed.
        """
        characters: list[str] = []
        own = self._bindings.key_to_bindings
        while True:
            queued = self._peek_message()
            if not isinstance(queued, events.Key) or queued.key in own:
                break
            character = queued.character
            if character is None or not queued.is_printable:
                break
            # Taken off the queue (peeking holds the head in _pending_message).
            self._pending_message = None
            characters.append(character)
        return "".join(characters)

    # -- measuring only what changed -----------------------------------------------------------

    def _position_to_cell(self, position: int) -> int:
        """The cursor's cell offset, measured from the last one (Input measures from 0)."""
        if self.password:
            return super()._position_to_cell(position)
        return self._cursor_cells.cells(self.value, position)

    @property
    def content_width(self) -> int:
        """The value's width and a cell for the cursor, measured from the last edit."""
        value = self.value
        if self.placeholder and not value:
            return cell_len(self.placeholder)
        if self.password or self.highlighter is not None:
            return super().content_width
        return self._content_cells.cells(value, len(value)) + 1

    def replace(self, text: str, start: int, end: int) -> None:
        """Input's edit, telling the measures that the text before ``start`` stays."""
        value = self.value
        first = max(0, min(start, end))
        with self._cursor_cells.editing(value, first), self._content_cells.editing(value, first):
            super().replace(text, start, end)

    # -- one Changed event at a time -----------------------------------------------------------

    def post_message(self, message: Message) -> bool:
        """Queue a Changed event only if none is waiting; a waiting one takes the new value."""
        if not (isinstance(message, Input.Changed) and message.input is self):
            return super().post_message(message)
        if not self.check_message_enabled(message):
            return False
        pending = self._pending_changed
        if pending is not None:
            pending.value = message.value
            pending.validation_result = message.validation_result
            return True
        if not super().post_message(message):
            return False
        self._pending_changed = message
        return True

    async def _on_message(self, message: Message) -> None:
        """A Changed event being handled is no longer waiting: the next change queues one."""
        if message is self._pending_changed:
            self._pending_changed = None
        await super()._on_message(message)


#: A run of line ends in a paste: terminals paste \r, \n or both.
_LINE_ENDS = re.compile(r"[\r\n]+")


class OneLineInput(OrderedInput):
    """An :class:`OrderedInput` that takes a paste of several lines whole, as one line.

    Textual's Input keeps a paste's first line and drops the rest without a word: a filter or a
    pattern pasted from a log lost all but its first line. Here each run of line ends becomes
    one space, and those at the paste's ends go (a copied line often ends with one).
    """

    def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # not Input's own paste as well
        event.stop()
        text = _LINE_ENDS.sub(" ", event.text.strip("\r\n"))
        if text:
            self._restart_blink()
            self._type_all(text)
