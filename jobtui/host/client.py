"""HostService: the :class:`~jobtui.service.JobService` of a session that lives in the host.

One connection per client, multiplexed: every request carries an id, a reader thread takes
every line the host sends (answers, and pushed events) and hands each answer to the thread
waiting for it. So a line that waits (Wait-Job, Receive-Job -Wait) does not hold up the same
client's pulls, transcript reads or its ``cancel``. One connection rather than a second one for
long requests, because the connection *is* the client to the host: it counts attached clients
by their sockets, a client that dies (even by SIGKILL) closes exactly that one socket, and a
``cancel`` names a request of the same connection.

Reads on the UI thread stay cheap without a round trip each time:

- ``changes(since)`` asks the host only after a ``changed`` event came (or for a new version):
  the host pushes one, coalesced, whenever anything moved, so an idle screen costs nothing;
- a transcript's counters are fetched once per change, and its lines by blocks, kept in a
  small cache (complete blocks by generation, the growing last one by version).

When the host goes away, every waiting request fails with one line (:class:`HostLost`), and the
front end says it and ends: no hang, no traceback.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from jobtui.host.wire import (
    Client,
    ConnectionClosed,
    RequestError,
    WireError,
    _error_of,
)

if TYPE_CHECKING:
    from jobtui.engine import JobChanges
    from jobtui.engine.snapshot import JobSnapshot
    from jobtui.service import LineResult, OutputCallback, WaitCallback
    from jobtui.service_values import SearchRequest, SearchUpdate

T = TypeVar("T")

#: Lines a transcript block holds: a screenful is about 50, so one or two blocks per view.
BLOCK = 256
#: Blocks a transcript source keeps.
CACHED_BLOCKS = 32


class HostLost(WireError, ConnectionError):
    """The host went away (it ended, was stopped or died): one line for the user.

    A ConnectionError too, so a front end that knows no host (plain mode) can catch it.
    """


class _Pending:
    """A request waiting for its answer, and the events tagged with its id."""

    __slots__ = ("answer", "done", "on_event")

    def __init__(self, on_event: Callable[[dict[str, Any]], None] | None) -> None:
        self.done = threading.Event()
        self.answer: dict[str, Any] | None = None
        self.on_event = on_event


class HostConnection:
    """Requests by id over one connection to the host, answered in any order."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self.host = client.host
        self.notice = client.notice
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._guard = threading.Lock()
        self._lost: str | None = None
        self._closing = False
        self.pending_at_loss = False
        #: Called (on the reader thread) with each ``changed`` event's ``urgent`` flag.
        self.on_changed: Callable[[bool], None] | None = None
        #: Called once (on the reader thread) when the connection is lost.
        self.on_lost: Callable[[str], None] | None = None
        self._reader = threading.Thread(target=self._read, name="jobtui-host-reader", daemon=True)
        self._reader.start()

    @property
    def lost(self) -> str | None:
        """Why the connection was lost, or None while it lives."""
        return self._lost

    def request(
        self, op: str, on_event: Callable[[dict[str, Any]], None] | None = None, **args: Any
    ) -> Any:
        """Send one request and wait for its answer (events for it go to ``on_event``)."""
        return self.wait(self.send(op, on_event, **args))

    def send(
        self, op: str, on_event: Callable[[dict[str, Any]], None] | None = None, **args: Any
    ) -> int:
        """Send a request; its id, for :meth:`wait`."""
        request_id = next(self._ids)
        pending = _Pending(on_event)
        with self._guard:
            if self._lost is not None:
                raise HostLost(self._lost)
            self._pending[request_id] = pending
        try:
            self._client._channel.send({"id": request_id, "op": op, "args": args})
        except WireError as exc:
            with self._guard:
                self._pending.pop(request_id, None)
            raise HostLost(self._lost or _lost_text(exc)) from exc
        return request_id

    def wait(self, request_id: int) -> Any:
        """The answer of request ``request_id``: its value, or RequestError / HostLost."""
        with self._guard:
            pending = self._pending.get(request_id)
        if pending is None:
            raise WireError(f"no request {request_id} is waiting")
        pending.done.wait()
        with self._guard:
            self._pending.pop(request_id, None)
        answer = pending.answer
        if answer is None:
            raise HostLost(self._lost or "the jobtui host went away")
        if "error" in answer:
            raise _error_of(answer, RequestError)
        return answer.get("ok")

    def hang_up(self, why: str) -> None:
        """Hang up because of ``why`` (every waiting and later request fails with it)."""
        with self._guard:
            self._lost = why
        self._client.close()

    def close(self) -> None:
        """Hang up (the reader ends; waiting requests fail; ``on_lost`` is not called)."""
        self._closing = True
        self._client.close()
        if self._reader is not threading.current_thread():
            self._reader.join(5.0)

    def _read(self) -> None:
        why = "the jobtui host went away"
        try:
            while True:
                message = self._client.receive()
                if "event" in message:
                    self._event(message)
                    continue
                request_id = message.get("id")
                with self._guard:
                    pending = self._pending.get(request_id) if isinstance(request_id, int) else None
                if pending is None:
                    if "error" in message:  # the host's last word before it hung up
                        why = f"the jobtui host hung up: {_error_of(message, WireError)}"
                    continue
                pending.answer = message
                pending.done.set()
        except ConnectionClosed:
            pass
        except WireError as exc:
            why = f"the jobtui host sent something unreadable: {exc}"
        finally:
            self._fail_all(why)

    def _event(self, message: dict[str, Any]) -> None:
        if message.get("event") == "changed":
            if self.on_changed is not None:
                self.on_changed(bool(message.get("urgent", True)))
            return
        request_id = message.get("request")
        with self._guard:
            pending = self._pending.get(request_id) if isinstance(request_id, int) else None
        if pending is not None and pending.on_event is not None:
            pending.on_event(message)

    def _fail_all(self, why: str) -> None:
        with self._guard:
            self._lost = self._lost or why
            pending = list(self._pending.values())
            #: Whether a request was waiting when the host went (it fails, and says so).
            self.pending_at_loss = bool(pending)
        for item in pending:
            item.done.set()
        if self.on_lost is not None and not self._closing:
            self.on_lost(why)


def _lost_text(exc: Exception) -> str:
    return f"the jobtui host went away ({exc})"


class HostService:
    """:class:`~jobtui.service.JobService` over the host's socket (see the module's text)."""

    def __init__(self, connection: HostConnection, *, width: int = 120) -> None:
        self.connection = connection
        self._width = width
        self._grace: float | None = None
        self._language_loaded = False
        self._subscribers: list[Callable[[], None]] = []
        self._guard = threading.Lock()
        #: Bumped by every ``changed`` event: a pull or a transcript's counters are fetched
        #: again only when it moved.
        self.change_count = 0
        self._pulled_at = -1
        self._pulled_version = -1
        self._disconnecting = False
        self._schema_checked = False
        self._prefetched: JobChanges | None = None
        #: Called once (on the reader thread) with why, when the host is lost.
        self.on_lost: Callable[[str], None] | None = None
        connection.on_changed = self._changed
        connection.on_lost = self._lost

    @classmethod
    def connect(cls, socket_path: Path, *, kind: str = "", width: int = 120) -> HostService:
        """Connect to the host at ``socket_path`` (and attach as ``kind``, if given).

        The codec (about 10 ms of imports) loads when a value first needs decoding, not here:
        the first frame of an app with no job needs none. It then compares the host's fields
        with ours (``host.codec.SCHEMA``) and hangs up, with the version message, if they
        differ.
        """
        client = Client.connect(socket_path)
        service = cls(HostConnection(client), width=width)
        if kind:
            service.attach(kind)
        return service

    def prefetch(self) -> None:
        """Pull every job now (off the UI thread), for the first ``changes(-1)`` to take."""
        changes = self.changes(-1)
        with self._guard:
            self._prefetched = changes

    def _decode(self, kind: type[T], data: Any) -> T:
        """``data`` decoded as a ``kind``; the first call checks that the host's fields are
        ours (HostLost, with what to do, if not)."""
        from jobtui.host import codec

        if not self._schema_checked:
            host = self.connection.host
            if host.schema and host.schema != codec.SCHEMA:
                from jobtui.host.wire import mismatch_message, own_hello

                self.connection.hang_up(mismatch_message(own_hello(codec.SCHEMA), host))
                raise HostLost(self.connection.lost or "the host's values differ")
            self._schema_checked = True
        return codec.decode(kind, data)

    # -- the session's lifetime ------------------------------------------------------------

    def attach(self, kind: str) -> dict[str, Any]:
        """Take part in the session: leaving without disconnecting may end it."""
        status: dict[str, Any] = self.connection.request("attach", kind=kind, pid=os.getpid())
        return status

    def disconnect(self) -> None:
        """Leave the session and its jobs running when this client ends."""
        self._disconnecting = True
        self.connection.request("disconnect")

    def leave(self) -> list[str]:
        """Leave without disconnecting; the names of the jobs stopped if that ended the
        session (it was the last attached client)."""
        answer = self.connection.request("leave")
        return list(answer.get("stopped", [])) if answer.get("ended") else []

    def status(self) -> dict[str, Any]:
        """The host's status (pid, version, uptime, clients, jobs)."""
        status: dict[str, Any] = self.connection.request("status")
        return status

    def stop_host(self) -> dict[str, Any]:
        """Stop the host and every job; its status just before."""
        status: dict[str, Any] = self.connection.request("stop")
        return status

    def close(self) -> None:
        """Hang up."""
        self.connection.close()

    @property
    def lost(self) -> str | None:
        """Why the host was lost, or None."""
        return self.connection.lost

    def __enter__(self) -> HostService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- JobService ------------------------------------------------------------------------

    @property
    def grace(self) -> float:
        """The host engine's grace period (asked once)."""
        if self._grace is None:
            self._grace = float(self.connection.request("grace"))
        return self._grace

    @property
    def width(self) -> int:
        """The width this client's results are formatted for (sent with each line)."""
        return self._width

    @width.setter
    def width(self, width: int) -> None:
        self._width = width

    def changes(self, since: int) -> JobChanges:
        """What changed since ``since``: asked of the host only if a change was pushed since
        the last pull (or ``since`` is not the version that pull gave)."""
        from jobtui.engine.changes import JobChanges

        with self._guard:
            seen = self.change_count
            if since >= 0 and since == self._pulled_version and seen == self._pulled_at:
                return JobChanges(since)
            prefetched, self._prefetched = self._prefetched, None
        if since < 0 and prefetched is not None:
            # Pulled while the app loaded: whatever moved since is pulled next (its version).
            return prefetched
        try:
            data = self.connection.request("changes", since=since)
        except HostLost:  # the front end hears of it through on_lost, and ends
            return JobChanges(max(since, 0))
        if isinstance(data, list) and len(data) == 3 and not data[1]:
            # Nothing changed: no snapshot to decode, so no need of the codec yet.
            changes = JobChanges(int(data[0]), (), tuple(int(i) for i in data[2]))
        else:
            try:
                changes = self._decode(JobChanges, data)
            except HostLost:
                return JobChanges(max(since, 0))
        with self._guard:
            self._pulled_at, self._pulled_version = seen, changes.version
        return changes

    def snapshot(self, job_id: int) -> JobSnapshot | None:
        """One job as it is now."""
        from jobtui.engine.snapshot import JobSnapshot

        try:
            data = self.connection.request("snapshot", job=job_id)
            return None if data is None else self._decode(JobSnapshot, data)
        except HostLost:
            return None

    def transcript(self, job_id: int) -> HostTranscript | None:
        """A job's transcript, read from the host a block at a time."""
        try:
            counters = self.connection.request("transcript", job=job_id)
        except HostLost:
            return None
        if counters is None:
            return None
        return HostTranscript(self, job_id, counters)

    def receive_through(self, job_id: int, line: int) -> None:
        """Receive a job's output up to ``line`` (on the host)."""
        try:
            self.connection.request("receive_through", job=job_id, line=line)
        except HostLost:
            return
        with self._guard:
            self.change_count += 1  # the job's unread counters moved: read them again

    def execute(
        self,
        line: str,
        *,
        on_output: OutputCallback | None = None,
        on_wait: WaitCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> LineResult:
        """Run one line in the host's session; its printed batches and its wait come back as
        they happen, and ``cancel`` (checked while it runs) ends its wait."""
        from jobtui.commands.results import OutputLine, WaitStarted
        from jobtui.service import LineResult

        decode = self._decode

        def on_event(message: dict[str, Any]) -> None:
            if message.get("event") == "output" and on_output is not None:
                on_output(decode(list[OutputLine], message.get("lines")))
            elif message.get("event") == "wait" and on_wait is not None:
                on_wait(decode(WaitStarted, message.get("started")))

        request_id = self.connection.send("execute", on_event, line=line, width=self._width)
        finished = threading.Event()
        if cancel is not None:
            threading.Thread(
                target=self._cancel_when_set,
                args=(cancel, finished, request_id),
                name="jobtui-cancel",
                daemon=True,
            ).start()
        try:
            result = decode(LineResult, self.connection.wait(request_id))
        finally:
            finished.set()
        self._language_loaded = True
        return result

    def _cancel_when_set(
        self, cancel: threading.Event, finished: threading.Event, request_id: int
    ) -> None:
        """Send ``cancel`` for the request once ``cancel`` is set, unless it finished first.

        (The caller sets the event and then calls :meth:`wake_waiters`, as in process; the
        host's cancel does both there.)
        """
        while not finished.wait(0.05):
            if cancel.is_set():
                # The line may have ended, or the host gone: either way nothing waits now.
                with contextlib.suppress(WireError):
                    self.connection.request("cancel", request=request_id)
                return

    def complete(self, text: str) -> list[str]:
        """Completions from the host's language; none if the host cannot be asked."""
        try:
            return list(self.connection.request("complete", text=text))
        except WireError:
            return []

    def is_complete(self, text: str) -> bool:
        """Whether ``text`` is a whole statement (asked of the host; True if it cannot be)."""
        try:
            return bool(self.connection.request("is_complete", text=text))
        except WireError:
            return True

    @property
    def language_loaded(self) -> bool:
        """Whether the host's language is loaded (it loads it at its start)."""
        return self._language_loaded

    def load_language(self) -> None:
        """Ask the host to load its language (it usually has)."""
        self._language_loaded = bool(self.connection.request("language", load=True))

    def wake_waiters(self) -> None:
        """Wake the host's blocked waits."""
        with contextlib.suppress(HostLost):
            self.connection.request("wake_waiters")

    def subscribe(self, on_change: Callable[[], None]) -> Callable[[], None]:
        """Hear the host's urgent ``changed`` events (on the reader thread)."""
        with self._guard:
            self._subscribers.append(on_change)

        def unsubscribe() -> None:
            with self._guard:
                if on_change in self._subscribers:
                    self._subscribers.remove(on_change)

        return unsubscribe

    def run_hook(self, command: str, record: str) -> str | None:
        """The notification hook runs on this machine, not the host's: it is for the person at
        this terminal (the local backend spawns it, as for an app in process)."""
        from jobtui.engine.local.hooks import run_hook

        return run_hook(command, record)

    def desktop_notify(self, title: str, body: str) -> str | None:
        """``notify-send`` on this machine: the desktop is the client's."""
        from jobtui.engine.local.hooks import notify_send

        return notify_send(title, body)

    # -- searching and moving through transcripts ----------------------------------------------

    def start_search(self, request: SearchRequest) -> int:
        """Start a search in the host; its id (0, a search that never runs, if the host went)."""
        from jobtui.host.codec import encode

        try:
            return int(self.connection.request("start_search", request=encode(request)))
        except HostLost:
            return 0

    def search_update(self, search_id: int, since: int) -> SearchUpdate | None:
        """The search's new matches and figures (None: no such search, or no host)."""
        from jobtui.service_values import SearchUpdate

        try:
            data = self.connection.request("search_update", search=search_id, since=since)
            return None if data is None else self._decode(SearchUpdate, data)
        except HostLost:
            return None

    def cancel_search(self, search_id: int) -> None:
        """Stop the search in the host."""
        with contextlib.suppress(HostLost):
            self.connection.request("cancel_search", search=search_id)

    def line_times(self, job_id: int, start: int, stop: int) -> list[float]:
        """When each of the lines arrived."""
        try:
            times = self.connection.request("line_times", job=job_id, start=start, stop=stop)
        except HostLost:
            return []
        return [float(t) for t in times]

    def stream_line(self, job_id: int, line: int, *, error: bool, forward: bool) -> int | None:
        """The first line of the next (previous) stderr or stdout run."""
        try:
            found = self.connection.request(
                "stream_line", job=job_id, line=line, error=error, forward=forward
            )
        except HostLost:
            return None
        return None if found is None else int(found)

    def line_at_time(self, job_id: int, when: float) -> int | None:
        """The first line written at or after ``when``."""
        try:
            found = self.connection.request("line_at_time", job=job_id, when=when)
        except HostLost:
            return None
        return None if found is None else int(found)

    def take_notices(self) -> list[str]:
        """The session's notices (its history's problems), if no client took them before."""
        try:
            notices = self.connection.request("notices")
        except HostLost:
            return []
        return [str(notice) for notice in notices]

    def shutdown(self) -> None:
        """This client ends: leaving (the last attached client's leaving ends the session and
        its jobs) unless it disconnected; then hang up."""
        try:
            if not self._disconnecting and self.connection.lost is None:
                self.leave()
        except WireError:
            pass  # the host is gone already: nothing to end
        finally:
            self.close()

    # -- events ----------------------------------------------------------------------------

    def _changed(self, urgent: bool) -> None:
        with self._guard:
            self.change_count += 1
            subscribers = list(self._subscribers) if urgent else []
        for on_change in subscribers:
            on_change()

    def _lost(self, why: str) -> None:
        with self._guard:
            self.change_count += 1
        if self.on_lost is not None:
            self.on_lost(why)


class HostTranscript:
    """A transcript in the host, as a :class:`~jobtui.service.LineSource`: its counters are
    fetched once per pushed change, its lines by blocks through a small cache."""

    def __init__(self, service: HostService, job_id: int, counters: dict[str, Any]) -> None:
        self.service = service
        self.job_id = job_id
        self._counters = counters
        self._counted_at = service.change_count
        self._blocks: OrderedDict[tuple[int, int, int], list[tuple[str, str]]] = OrderedDict()

    def _fresh(self) -> dict[str, Any]:
        seen = self.service.change_count
        if seen != self._counted_at and self.service.lost is None:
            try:
                counters = self.service.connection.request("transcript", job=self.job_id)
            except HostLost:
                counters = None
            if counters is not None:  # a job removed meanwhile keeps its last counters
                self._counters = counters
            self._counted_at = seen
        return self._counters

    @property
    def line_count(self) -> int:
        """Lines in the transcript."""
        return int(self._fresh()["count"])

    @property
    def version(self) -> int:
        """Changes whenever lines come or their read state changes."""
        return int(self._fresh()["version"])

    @property
    def generation(self) -> int:
        """Changes when lines were dropped from the start."""
        return int(self._fresh()["generation"])

    def unread_from(self) -> int | None:
        """The first line not yet received."""
        unread = self._fresh()["unread"]
        return None if unread is None else int(unread)

    def lines(self, start: int, stop: int) -> list[tuple[str, str]]:
        """Lines ``start`` to ``stop``, from cached blocks or fetched ones."""
        counters = self._fresh()
        stop = min(stop, int(counters["count"]))
        if start >= stop:
            return []
        lines: list[tuple[str, str]] = []
        for block in range(start // BLOCK, (stop - 1) // BLOCK + 1):
            rows = self._block(block, counters)
            base = block * BLOCK
            lines.extend(rows[max(0, start - base) : stop - base])
        return lines

    def _block(self, block: int, counters: dict[str, Any]) -> list[tuple[str, str]]:
        start, stop = block * BLOCK, (block + 1) * BLOCK
        # A block wholly before the last line cannot change (lines are only added at the end,
        # and dropped from the start, which moves the generation); the last line may grow.
        complete = stop < int(counters["count"])
        key = (
            int(counters["generation"]),
            block,
            -1 if complete else int(counters["version"]),
        )
        rows = self._blocks.get(key)
        if rows is not None:
            self._blocks.move_to_end(key)
            return rows
        try:
            answer = self.service.connection.request(
                "lines", job=self.job_id, start=start, stop=stop
            )
        except HostLost:
            return []
        if answer is None:
            return []
        rows = [(str(kind), str(text)) for kind, text in answer["lines"]]
        self._blocks[key] = rows
        while len(self._blocks) > CACHED_BLOCKS:
            self._blocks.popitem(last=False)
        return rows
