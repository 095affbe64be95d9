"""An Input that applies a burst of keys in the order they were typed.

Textual 8.2.8's Input inserts a typed character at once, but runs its own bindings (Backspace,
arrows, Ctrl+U, Enter...) only when the key has bubbled up to the app. In a burst of keys (a
macro, keys sent through tmux, a loaded machine) characters typed after such a key could go in
before it: Ctrl+U, "Get-Job", Enter became "Get-Job" cleared, then Enter on nothing; "abc" Enter
"def" Enter could send "abcdef" to a job. Textual issue #6605; the fix proposed there (PR #6631)
does what this does. Drop it once Textual runs an Input's bindings in turn itself.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class OrderedInput(Input):
    """Runs its own bindings when their key arrives, in turn with the typed characters.

    Bindings of the screen and the app still run as Textual runs them.
    """

    async def _on_key(self, event: events.Key) -> None:
        """The input's own binding for the key, if any, now; else a typed character."""
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.prevent_default()
                event.stop()
                return
        await super()._on_key(event)
