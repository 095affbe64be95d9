"""The session host: one session (its engine, its command language) served to every client.

The host owns the session (:func:`~jobtui.host.session.open_session`) and the
:class:`~jobtui.host.listener.Listener`; :mod:`jobtui.host.handlers` answers each request. What
lives here is the session's lifetime, PowerShell's by default:

- a client *attaches* (the app, plain mode); ``jobtui -c`` and ``jobtui host status`` only
  connect;
- an attached client that leaves without disconnecting (``q``, the end of plain input,
  ``exit``, or death: even SIGKILL closes its socket) ends the session when it was the last one
  attached: every job is stopped and the host exits. While others are attached it only
  detaches;
- a client that disconnects (Disconnect-PSSession, the quit dialog's third answer) leaves the
  session and its jobs running;
- a host with no client and no running job exits after the idle timeout (a setting, 2 hours
  by default, PowerShell's IdleTimeout).

Clients pull changes at their own pace; the host only pushes a small ``changed`` event, at most
every :data:`CHANGED_INTERVAL` seconds, so a client knows there is something to pull. Nothing
streams every byte to every client.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jobtui.commands.session_control import (
    SessionAvailability,
    SessionInfo,
    SessionState,
)
from jobtui.data.paths import HostPaths
from jobtui.data.settings import Settings
from jobtui.engine import JobEvent, JobStatsUpdated
from jobtui.host.codec import SCHEMA
from jobtui.host.listener import Listener
from jobtui.host.session import open_session
from jobtui.host.wire import ConnectionClosed, WireError, own_hello
from jobtui.service import LocalService

log = logging.getLogger(__name__)

#: Seconds between two ``changed`` events (they are coalesced in between): 20 a second at
#: most, while the UI pulls at most 10 times a second.
CHANGED_INTERVAL = 0.05
#: Seconds between two tries to push a notice to a client that could not take it.
OWED_RETRY = 0.5
#: Seconds the host waits for a client that ended the session (leave, stop) to hang up before
#: it exits anyway.
HANG_UP_GRACE = 2.0
#: The session's name and id in Get-PSSession (a host serves one session).
SESSION_NAME = "jobtui"
SESSION_ID = 1


@dataclass
class ClientRecord:
    """One connection, as the lifetimes see it."""

    connection: int
    pid: int
    #: What the client is ("app", "plain", or "" for one that only connected).
    kind: str = ""
    attached: bool = False
    #: The host exits once this client hangs up (it ended the session, or stopped the host).
    exit_on_close: bool = False


def _nothing() -> None:
    pass


class ChangeNotifier:
    """Pushes ``{"event": "changed", "urgent": bool}`` to every client, coalesced.

    ``urgent`` is False when only statistics samples came (CPU and memory every few seconds):
    a client pulls those at its slow pace, not at once. Engine listeners only set a flag here
    (they run on the engine's threads); one thread of the host's own does the sending.
    """

    def __init__(self, listener: Listener, interval: float = CHANGED_INTERVAL) -> None:
        self.listener = listener
        self.interval = interval
        self._wake = threading.Event()
        self._urgent = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="jobtui-changed", daemon=True)

    def start(self) -> None:
        """Begin sending."""
        self._thread.start()

    def on_event(self, event: JobEvent) -> None:
        """The engine's listener: note the change (cheap; any thread)."""
        if not isinstance(event, JobStatsUpdated):
            self._urgent = True
        self._wake.set()

    def close(self) -> None:
        """Stop sending."""
        self._closed = True
        self._wake.set()
        self._thread.join(5.0)

    def _run(self) -> None:
        owed = False
        while True:
            # A client that could not take the last notice (it stopped reading) is tried
            # again now and then, until it reads or goes.
            woken = self._wake.wait(OWED_RETRY if owed else None)
            if self._closed:
                return
            try:
                if not woken:
                    owed = self.listener.deliver_owed()
                    continue
                self._wake.clear()
                urgent, self._urgent = self._urgent, False
                self.listener.broadcast("changed", urgent=urgent)
                owed = self.listener.owes
            except Exception:  # one bad send must not end the notices for everyone
                log.exception("pushing a change failed")
            time.sleep(self.interval)


class _LineContext(threading.local):
    """Which client the line running on this thread came from, and whether it disconnected."""

    connection: int = 0
    disconnected: bool = False


class HostServer:
    """The host: the session, the listener, the clients and the lifetimes."""

    def __init__(
        self,
        settings: Settings,
        paths: HostPaths | None = None,
        *,
        idle_timeout: float | None = None,
    ) -> None:
        from jobtui.host.handlers import Handlers

        self.settings = settings
        self.paths = paths or HostPaths.from_environ()
        self.idle_timeout = settings.idle_timeout if idle_timeout is None else idle_timeout
        #: Opened once the lock is ours (:meth:`start`): a persistent session adopts running
        #: jobs, which only the one host may do.
        self._service: LocalService | None = None
        self.started = time.time()
        self.line_context = _LineContext()
        self._clients: dict[int, ClientRecord] = {}
        self._guard = threading.Lock()
        self._ending = False
        self._ended = threading.Event()
        #: Why the host ended (for its log and ``host status`` of a stopping host).
        self.end_reason = ""
        self.handlers = Handlers(self)
        self.listener = Listener(
            self.paths.runtime,
            self.handlers.table(),
            hello=own_hello(SCHEMA),
            long_ops=frozenset({"execute", "leave", "stop"}),
            on_disconnect=self._on_disconnect,
        )
        self.notifier = ChangeNotifier(self.listener)
        self._unsubscribe: Callable[[], None] = _nothing

    # -- start and run ------------------------------------------------------------------------

    def start(self) -> None:
        """Take the lock and listen (HostRunningError if another host has it)."""
        self.paths.ensure()
        self.listener.start()
        self._service = open_session(self.settings, self.paths)
        self.service.session().control = HostControl(self)
        self._unsubscribe = self.service.engine.subscribe(self.notifier.on_event)
        self.notifier.start()

    def serve(self, *, handle_signals: bool = False) -> str:
        """Serve until the session ends; then stop every job and close. Returns why it ended."""
        thread = threading.Thread(target=self.listener.serve_forever, name="jobtui-accept")
        thread.start()
        undo = _end_on_signals(self) if handle_signals else None
        try:
            idle_since: float | None = None
            tick = max(0.05, min(1.0, self.idle_timeout / 4))
            while not self._ended.wait(tick):
                if self._idle():
                    idle_since = idle_since or time.monotonic()
                    if time.monotonic() - idle_since >= self.idle_timeout:
                        self.end_session(f"idle for {self.idle_timeout:g} s with no client")
                else:
                    idle_since = None
        finally:
            if undo is not None:
                undo()
            self.close()
            thread.join(10.0)
        return self.end_reason

    def close(self) -> None:
        """Stop every job, stop listening, release the lock (idempotent)."""
        self._unsubscribe()
        self.notifier.close()
        self.listener.close()
        if self._service is not None:
            self._service.shutdown()

    @property
    def service(self) -> LocalService:
        """The session (there is none before :meth:`start`)."""
        if self._service is None:
            raise RuntimeError("the host has not started")
        return self._service

    def _idle(self) -> bool:
        # The listener's count too: a client past its connect but before its first request.
        with self._guard:
            if self._clients or self.listener.client_count:
                return False
        return all(job.state.is_finished for job in self.service.engine.jobs)

    # -- the clients --------------------------------------------------------------------------

    def client(self, connection: int, pid: int = 0) -> ClientRecord:
        """The record of a connection (made at its first request)."""
        with self._guard:
            record = self._clients.get(connection)
            if record is None:
                record = self._clients[connection] = ClientRecord(connection, pid)
            return record

    def attach(self, connection: int, pid: int, kind: str) -> None:
        """The client takes part in the session: its leaving may end it."""
        record = self.client(connection, pid)
        with self._guard:
            record.attached = True
            record.kind = kind or record.kind

    def disconnect(self, connection: int) -> None:
        """The client will go without ending the session."""
        record = self.client(connection)
        with self._guard:
            record.attached = False

    def attached_count(self) -> int:
        """Clients attached now."""
        with self._guard:
            return sum(1 for record in self._clients.values() if record.attached)

    def connection_count(self) -> int:
        """Clients connected now (attached or not)."""
        with self._guard:
            return len(self._clients)

    def leave(self, connection: int) -> bool:
        """The client leaves without disconnecting: the session ends (every job stopped, before
        this returns) if it was the last attached client; True if it ended."""
        with self._guard:
            record = self._clients.get(connection)
            if record is None or not record.attached:
                return False
            record.attached = False
            if any(other.attached for other in self._clients.values()):
                return False
            record.exit_on_close = True
        self.end_session("its last client left", wait_for=connection)
        return True

    def stop_host(self, connection: int) -> None:
        """``jobtui host stop``: end the session (every job stopped) and exit."""
        self.client(connection).exit_on_close = True
        self.end_session("stopped (jobtui host stop)", wait_for=connection)

    def _on_disconnect(self, connection: int) -> None:
        """A client hung up (or died): the waits of its lines end, and maybe the session."""
        self.handlers.end_lines(connection)
        with self._guard:
            record = self._clients.pop(connection, None)
            last = (
                record is not None
                and record.attached
                and not any(other.attached for other in self._clients.values())
            )
        if record is not None and record.exit_on_close:
            self._ended.set()
        elif last:
            assert record is not None
            why = f"its last client (pid {record.pid}) went without disconnecting"
            threading.Thread(
                target=self.end_session, args=(why,), name="jobtui-end", daemon=True
            ).start()

    def end_session(self, why: str, *, wait_for: int | None = None) -> None:
        """Stop every job, then exit (once the client ``wait_for`` hangs up, if given)."""
        with self._guard:
            if self._ending:
                return
            self._ending = True
            self.end_reason = why
        log.info("the session ends: %s", why)
        self.service.shutdown()
        if wait_for is None:
            self._ended.set()
        else:
            timer = threading.Timer(HANG_UP_GRACE, self._ended.set)
            timer.daemon = True
            timer.start()

    @property
    def ending(self) -> bool:
        """Whether the session is ending (no new attach is taken)."""
        return self._ending

    # -- what status and Get-PSSession say --------------------------------------------------

    def status(self) -> dict[str, Any]:
        """The host's pid, version, uptime, clients and jobs."""
        import os

        from jobtui import __version__

        jobs = list(self.service.engine.jobs)
        return {
            "pid": os.getpid(),
            "version": __version__,
            "uptime": time.time() - self.started,
            "clients": self.attached_count(),
            "connections": self.connection_count(),
            "jobs": len(jobs),
            "running": sum(1 for job in jobs if not job.state.is_finished),
            "state": self.session_state().value,
            "socket": str(self.listener.socket_path),
            "idle_timeout": self.idle_timeout,
        }

    def session_state(self) -> SessionState:
        """Opened while a client is attached, else Disconnected."""
        return SessionState.Opened if self.attached_count() else SessionState.Disconnected

    def session_info(self) -> SessionInfo:
        """The one session this host serves, as Get-PSSession shows it."""
        status = self.status()
        return SessionInfo(
            id=SESSION_ID,
            name=SESSION_NAME,
            computer_name="localhost",
            state=self.session_state(),
            availability=SessionAvailability.Available,
            clients=status["clients"],
            jobs=status["jobs"],
            running=status["running"],
            pid=status["pid"],
        )

    def push(self, request_push: Any, message: dict[str, Any]) -> None:
        """Send a request's event; a client that left meanwhile is no error."""
        with contextlib.suppress(ConnectionClosed, WireError):
            request_push(message)


class HostControl:
    """The :class:`~jobtui.commands.session_control.SessionControl` the host gives its
    command session: each call is about the client whose line runs on this thread."""

    def __init__(self, server: HostServer) -> None:
        self.server = server

    def disconnect(self) -> None:
        """Mark the asking client as disconnecting; its line's result says so."""
        context = self.server.line_context
        if context.connection:
            self.server.disconnect(context.connection)
        context.disconnected = True

    def connect(self) -> None:
        """Attach the asking client."""
        context = self.server.line_context
        if context.connection:
            record = self.server.client(context.connection)
            self.server.attach(context.connection, record.pid, record.kind)

    def sessions(self) -> list[SessionInfo]:
        """This host's one session."""
        return [self.server.session_info()]


def _end_on_signals(server: HostServer) -> Any:
    """SIGTERM, SIGHUP and SIGINT end the session (its jobs stopped) and the host; returns a
    function that restores the handlers."""

    def on_signal(signum: int, frame: object) -> None:
        del frame
        name = signal.Signals(signum).name
        threading.Thread(target=server.end_session, args=(f"{name} received",), daemon=True).start()

    signals = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
    previous = {signum: signal.signal(signum, on_signal) for signum in signals}

    def undo() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    return undo


def run_host(settings: Settings, paths: HostPaths | None = None) -> int:
    """``jobtui host``: serve in the foreground until the session ends; the exit status."""
    from jobtui.host.listener import HostRunningError

    server = HostServer(settings, paths)
    try:
        server.start()
    except (HostRunningError, OSError) as exc:  # OSError: an unsafe or missing directory
        server.service.shutdown()
        print(f"jobtui host: {exc}", flush=True)
        return 1
    print(
        f"jobtui host: serving pid {server.status()['pid']} at {server.listener.socket_path}",
        flush=True,
    )
    why = server.serve(handle_signals=True)
    print(f"jobtui host: the session ended: {why}", flush=True)
    return 0
