"""The command language as the app uses it: loaded just after the first frame, not before.

Importing ``jobtui.commands`` (lexer, parser, binder, every cmdlet's parameter sets) takes about
13 ms, a fifteenth of jobtui's start-up, and nothing on the first frame needs it. The main screen
loads it a moment after it is shown (:meth:`LazySession.load`); a line typed sooner loads it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from jobtui.engine import JobEngine

if TYPE_CHECKING:
    from jobtui.commands import CommandResult, CommandSession, OutputLine, WaitRequest


class LazySession:
    """A :class:`~jobtui.commands.CommandSession` over ``engine``, made on first use.

    The UI thread (completion, Wait-Job) and the workers that run lines may both be first: a
    lock makes sure there is one session.
    """

    def __init__(self, engine: JobEngine) -> None:
        self.engine = engine
        self._session: CommandSession | None = None
        self._width = 120
        self._lock = threading.Lock()

    def load(self) -> CommandSession:
        """The session, imported and made now if it was not yet."""
        if self._session is None:
            with self._lock:
                if self._session is None:
                    from jobtui.commands import CommandSession

                    self._session = CommandSession(self.engine, width=self._width)
        return self._session

    @property
    def loaded(self) -> bool:
        """Whether the command language has been loaded."""
        return self._session is not None

    @property
    def width(self) -> int:
        """The terminal width tables are formatted for."""
        return self._width if self._session is None else self._session.width

    @width.setter
    def width(self, width: int) -> None:
        with self._lock:  # a session being made right now takes the new width
            self._width = width
            if self._session is not None:
                self._session.width = width

    def execute(
        self,
        line: str,
        *,
        on_output: Callable[[list[OutputLine]], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> CommandResult:
        """Run one line: :meth:`CommandSession.execute`."""
        return self.load().execute(line, on_output=on_output, cancel=cancel)

    def wait_request(self, line: str) -> WaitRequest | None:
        """A Wait-Job line's jobs and parameters: :meth:`CommandSession.wait_request`."""
        return self.load().wait_request(line)

    def complete(self, text: str) -> list[str]:
        """Completions for ``text``: :meth:`CommandSession.complete`."""
        return self.load().complete(text)
