"""One handler per request the host answers: the JobService's methods, and the session's own.

Each takes the :class:`~jobtui.host.listener.Request` and returns JSON-able values (snapshots
and results through :mod:`jobtui.host.codec`); bad arguments are a ``bad_args`` error, never a
traceback. ``execute`` runs on a thread of its own (the listener's long ops): it streams the
line's printed batches and its wait to the client that asked, as events tagged with the
request's id, and a ``cancel`` of that id ends its wait.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from jobtui.host.codec import CodecError, decode, encode
from jobtui.host.listener import Handler, Request
from jobtui.host.wire import RequestError

if TYPE_CHECKING:
    from jobtui.commands import OutputLine, WaitStarted
    from jobtui.host.server import HostServer
    from jobtui.service import LocalService


def _int(request: Request, name: str) -> int:
    value = request.args.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise RequestError("bad_args", f"{request.op} needs an integer {name}")
    return value


def _text(request: Request, name: str) -> str:
    value = request.args.get(name)
    if not isinstance(value, str):
        raise RequestError("bad_args", f"{request.op} needs a string {name}")
    return value


def _flag(request: Request, name: str) -> bool:
    value = request.args.get(name)
    if not isinstance(value, bool):
        raise RequestError("bad_args", f"{request.op} needs a boolean {name}")
    return value


def _number(request: Request, name: str) -> float:
    value = request.args.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise RequestError("bad_args", f"{request.op} needs a number {name}")
    return float(value)


class Handlers:
    """The handlers over one host's session."""

    def __init__(self, server: HostServer) -> None:
        self.server = server
        #: Cancel events of the lines running now, by (connection, request id).
        self._running: dict[tuple[int, int], threading.Event] = {}
        self._guard = threading.Lock()

    @property
    def service(self) -> LocalService:
        """The host's session (opened when the host starts, after this table is made)."""
        return self.server.service

    def table(self) -> dict[str, Handler]:
        """Every op and its handler."""
        return {
            "attach": self.attach,
            "disconnect": self.disconnect,
            "leave": self.leave,
            "status": self.status,
            "notices": self.notices,
            "stop": self.stop,
            "changes": self.changes,
            "snapshot": self.snapshot,
            "transcript": self.transcript,
            "lines": self.lines,
            "receive_through": self.receive_through,
            "execute": self.execute,
            "cancel": self.cancel,
            "complete": self.complete,
            "is_complete": self.is_complete,
            "wake_waiters": self.wake_waiters,
            "width": self.width,
            "grace": self.grace,
            "language": self.language,
            "start_search": self.start_search,
            "search_update": self.search_update,
            "cancel_search": self.cancel_search,
            "line_times": self.line_times,
            "stream_line": self.stream_line,
            "line_at_time": self.line_at_time,
        }

    # -- the session's lifetime ------------------------------------------------------------

    def attach(self, request: Request) -> Any:
        """The client takes part in the session (the app, plain mode)."""
        if self.server.ending:
            raise RequestError("ending", "the session is ending: try again in a moment")
        kind = request.args.get("kind", "")
        self.server.attach(request.connection, request.peer.hello.pid, str(kind))
        return self.server.status()

    def disconnect(self, request: Request) -> Any:
        """The client goes and leaves the session running."""
        self.server.disconnect(request.connection)
        return self.server.status()

    def leave(self, request: Request) -> Any:
        """The client goes without disconnecting; the names of the jobs that were stopped if
        that ended the session."""
        running = [job.name for job in self.service.engine.jobs if not job.state.is_finished]
        ended = self.server.leave(request.connection)
        return {"ended": ended, "stopped": running if ended else []}

    def status(self, request: Request) -> Any:
        """``jobtui host status``."""
        self.server.client(request.connection, request.peer.hello.pid)
        return self.server.status()

    def notices(self, request: Request) -> Any:
        """:meth:`JobService.take_notices`: the session's notices, to the first who asks."""
        del request
        return self.service.take_notices()

    def stop(self, request: Request) -> Any:
        """``jobtui host stop``: every job stopped, then the host exits."""
        status = self.server.status()
        self.server.stop_host(request.connection)
        return status

    # -- the jobs ------------------------------------------------------------------------------

    def changes(self, request: Request) -> Any:
        """:meth:`JobService.changes`."""
        return encode(self.service.changes(_int(request, "since")))

    def snapshot(self, request: Request) -> Any:
        """:meth:`JobService.snapshot`."""
        return encode(self.service.snapshot(_int(request, "job")))

    def transcript(self, request: Request) -> Any:
        """A transcript's counters (None: no such job)."""
        source = self.service.transcript(_int(request, "job"))
        if source is None:
            return None
        return _counters(source)

    def lines(self, request: Request) -> Any:
        """Lines ``start`` to ``stop`` of a transcript, with its counters as they were read."""
        source = self.service.transcript(_int(request, "job"))
        if source is None:
            return None
        start, stop = _int(request, "start"), _int(request, "stop")
        if start < 0 or stop < start or stop - start > MAX_LINES:
            raise RequestError("bad_args", f"lines takes 0 <= start <= stop, {MAX_LINES} at most")
        counters = _counters(source)
        counters["lines"] = [list(pair) for pair in source.lines(start, stop)]
        return counters

    def receive_through(self, request: Request) -> Any:
        """:meth:`JobService.receive_through`."""
        self.service.receive_through(_int(request, "job"), _int(request, "line"))
        return None

    # -- the command language ----------------------------------------------------------------

    def execute(self, request: Request) -> Any:
        """Run one line for the asking client; its output and wait are pushed as they come."""
        line = _text(request, "line")
        width = request.args.get("width")
        if isinstance(width, int) and width > 0:
            self.service.width = width
        key = (request.connection, request.id)
        cancel = threading.Event()
        with self._guard:
            self._running[key] = cancel
        context = self.server.line_context
        context.connection, context.disconnected = request.connection, False
        stream = bool(request.args.get("stream", True))
        try:
            result = self.service.execute(
                line,
                on_output=self._pusher(request, "output") if stream else None,
                on_wait=self._wait_pusher(request) if stream else None,
                cancel=cancel,
            )
        finally:
            with self._guard:
                self._running.pop(key, None)
        if context.disconnected:
            result = dataclasses.replace(result, disconnected=True)
        return encode(result)

    def _pusher(self, request: Request, event: str) -> Callable[[list[OutputLine]], None]:
        def push(batch: list[OutputLine]) -> None:
            self.server.push(
                request.push, {"event": event, "request": request.id, "lines": encode(batch)}
            )

        return push

    def _wait_pusher(self, request: Request) -> Callable[[WaitStarted], None]:
        def push(started: WaitStarted) -> None:
            self.server.push(
                request.push, {"event": "wait", "request": request.id, "started": encode(started)}
            )

        return push

    def cancel(self, request: Request) -> Any:
        """End the wait of this client's running line ``request`` (True if one was running)."""
        with self._guard:
            cancel = self._running.get((request.connection, _int(request, "request")))
        if cancel is None:
            return False
        cancel.set()
        self.service.wake_waiters()
        return True

    def end_lines(self, connection: int) -> None:
        """The client on ``connection`` is gone: end the waits of its running lines (a
        Wait-Job of a client killed meanwhile would otherwise keep a thread waiting for as
        long as its jobs run, with nobody to answer)."""
        with self._guard:
            cancels = [
                cancel for (owner, _), cancel in self._running.items() if owner == connection
            ]
        for cancel in cancels:
            cancel.set()
        if cancels:
            self.service.wake_waiters()

    def complete(self, request: Request) -> Any:
        """:meth:`JobService.complete`."""
        return self.service.complete(_text(request, "text"))

    def is_complete(self, request: Request) -> Any:
        """:meth:`JobService.is_complete`."""
        return self.service.is_complete(_text(request, "text"))

    def wake_waiters(self, request: Request) -> Any:
        """:meth:`JobService.wake_waiters`."""
        del request
        self.service.wake_waiters()
        return None

    def width(self, request: Request) -> Any:
        """The width results are formatted for; set it with ``width``."""
        if "width" in request.args:
            self.service.width = _int(request, "width")
        return self.service.width

    def grace(self, request: Request) -> Any:
        """:attr:`JobService.grace`."""
        del request
        return self.service.grace

    def language(self, request: Request) -> Any:
        """Whether the language is loaded; ``load`` loads it."""
        if request.args.get("load"):
            self.service.load_language()
        return self.service.language_loaded

    # -- searching and moving through transcripts ----------------------------------------------

    def start_search(self, request: Request) -> Any:
        """:meth:`JobService.start_search` (the search runs in the host)."""
        from jobtui.service_values import SearchRequest

        try:
            search = decode(SearchRequest, request.args.get("request"))
        except CodecError as error:
            raise RequestError("bad_args", f"start_search: {error}") from None
        return self.service.start_search(search)

    def search_update(self, request: Request) -> Any:
        """:meth:`JobService.search_update`."""
        return encode(self.service.search_update(_int(request, "search"), _int(request, "since")))

    def cancel_search(self, request: Request) -> Any:
        """:meth:`JobService.cancel_search`."""
        self.service.cancel_search(_int(request, "search"))
        return None

    def line_times(self, request: Request) -> Any:
        """:meth:`JobService.line_times`."""
        start, stop = _int(request, "start"), _int(request, "stop")
        if start < 0 or stop < start or stop - start > MAX_LINES:
            raise RequestError(
                "bad_args", f"line_times takes 0 <= start <= stop, {MAX_LINES} at most"
            )
        return self.service.line_times(_int(request, "job"), start, stop)

    def stream_line(self, request: Request) -> Any:
        """:meth:`JobService.stream_line`."""
        return self.service.stream_line(
            _int(request, "job"),
            _int(request, "line"),
            error=_flag(request, "error"),
            forward=_flag(request, "forward"),
        )

    def line_at_time(self, request: Request) -> Any:
        """:meth:`JobService.line_at_time`."""
        return self.service.line_at_time(_int(request, "job"), _number(request, "when"))


#: The most lines one ``lines`` request returns (a screenful is about 50).
MAX_LINES = 5000


def _counters(source: Any) -> dict[str, Any]:
    return {
        "count": source.line_count,
        "version": source.version,
        "generation": source.generation,
        "unread": source.unread_from(),
    }
