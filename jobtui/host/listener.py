"""The host's end of the wire: one listener per user, and a handler per request type.

- Single instance: a lock on ``host.lock`` (``data.locks``; the holder writes its pid there, so
  a second host can say which one won). A lock dies with its process, so a crashed host never
  blocks the next one, unlike a pid file.
- A socket file left by a host that died is stale: nobody holds the lock, and a connect is
  refused. It is replaced (the usual fix: neovim, LXD, fcgiwrap).
- Only the host's own user gets in: the directory is 0700 and ours, and each peer's uid is
  checked with ``SO_PEERCRED`` (root passes directory permissions, not this check).
- One thread per client connection: clients are a few terminals and scripts, and a request that
  waits (Wait-Job) must not hold up the others. Each request goes to the handler of its ``op``
  (pueue's ``message_handler``); a handler's bug becomes an error answer, never a dead listener.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import logging
import os
import selectors
import socket
import stat
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobtui.data.locks import FileLock
from jobtui.data.paths import LOCK_NAME, SOCKET_NAME, ensure_private_dir
from jobtui.host.wire import (
    MAX_MESSAGE,
    PROTOCOL,
    ConnectionClosed,
    Hello,
    LineChannel,
    MessageTooLarge,
    RequestError,
    WireError,
    error_message,
    mismatch_message,
    own_hello,
    peer_uid,
)

log = logging.getLogger(__name__)

#: Seconds a client has to send its hello after it connects.
HELLO_TIMEOUT = 10.0


class HostRunningError(WireError):
    """Another host already listens for this user; ``pid`` is its process id, when known."""

    def __init__(self, message: str, pid: int | None) -> None:
        super().__init__(message)
        self.pid = pid


@dataclass(frozen=True)
class Peer:
    """Who sent a request: the client's hello and its uid."""

    hello: Hello
    uid: int | None


def _no_push(message: dict[str, Any]) -> None:
    del message


@dataclass(frozen=True)
class Request:
    """One request, as a handler sees it."""

    id: int
    op: str
    args: dict[str, Any]
    peer: Peer
    #: Which connection sent it (a number unique in this listener's life).
    connection: int = 0
    #: Sends an event line to the client that asked (any thread); ConnectionClosed if it left.
    push: Callable[[dict[str, Any]], None] = _no_push


#: A handler answers one type of request with a JSON-able value, or raises RequestError.
Handler = Callable[[Request], Any]


def _ping(request: Request) -> Any:
    return "pong"


@dataclass(eq=False)
class _Connection:
    channel: LineChannel
    number: int = 0
    thread: threading.Thread | None = None
    peer: Peer | None = field(default=None)
    #: The latest push this client could not take at once (its socket was full), sent by
    #: :meth:`Listener.deliver_owed` once it reads again.
    owed: dict[str, Any] | None = None


class Listener:
    """The host's socket: started once per user, serving every client until closed."""

    def __init__(
        self,
        runtime: Path,
        handlers: Mapping[str, Handler],
        *,
        max_message: int = MAX_MESSAGE,
        hello: Hello | None = None,
        hello_timeout: float = HELLO_TIMEOUT,
        long_ops: frozenset[str] = frozenset(),
        on_disconnect: Callable[[int], None] | None = None,
    ) -> None:
        self.runtime = runtime
        self.socket_path = runtime / SOCKET_NAME
        self.lock_path = runtime / LOCK_NAME
        self.handlers: dict[str, Handler] = {"ping": _ping, **handlers}
        self.max_message = max_message
        self.hello = hello or own_hello()
        self.hello_timeout = hello_timeout
        #: Requests that may take long (a line that waits): each runs on a thread of its own,
        #: so the same client's other requests (a cancel, a pull) are answered meanwhile.
        self.long_ops = long_ops
        #: Called with a connection's number once it has closed (on its thread).
        self.on_disconnect = on_disconnect
        self._numbers = itertools.count(1)
        #: True when start() found a socket file of a dead host and replaced it.
        self.replaced_stale = False
        self._lock = FileLock(self.lock_path)
        self._sock: socket.socket | None = None
        self._inode: int | None = None
        self._wake_r, self._wake_w = -1, -1
        self._closing = threading.Event()
        self._serving: threading.Thread | None = None
        self._served = threading.Event()
        self._connections: set[_Connection] = set()
        self._guard = threading.Lock()

    # -- start --------------------------------------------------------------------------------

    def start(self) -> None:
        """Take the lock and listen; HostRunningError if another host has it."""
        ensure_private_dir(self.runtime, parents=False)
        self._take_lock()
        try:
            self._bind()
        except BaseException:
            self._release_lock()
            raise
        self._wake_r, self._wake_w = os.pipe()

    def _take_lock(self) -> None:
        if not self._lock.acquire():
            pid = self._lock.holder_pid()
            who = f" (pid {pid})" if pid else ""
            raise HostRunningError(
                f"a jobtui host is already running{who} at {self.socket_path}", pid
            )

    def _release_lock(self) -> None:
        self._lock.release()

    def _bind(self) -> None:
        path = os.fspath(self.socket_path)
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            info = None
        if info is not None:
            if not stat.S_ISSOCK(info.st_mode):
                raise WireError(f"{path} exists and is not a socket: remove it")
            if _answers(path):  # a host that took no lock (another version) still listens
                raise HostRunningError(f"a jobtui host is already listening at {path}", None)
            os.unlink(path)
            self.replaced_stale = True
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(path)
            os.chmod(path, 0o600)
            sock.listen(64)
        except BaseException:
            sock.close()
            raise
        sock.setblocking(False)
        self._sock = sock
        self._inode = os.stat(path).st_ino

    # -- serving ------------------------------------------------------------------------------

    def serve_forever(self) -> None:
        """Accept clients until close() (call it from another thread or a handler)."""
        assert self._sock is not None, "start() first"
        self._serving = threading.current_thread()
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self._sock, selectors.EVENT_READ)
                selector.register(self._wake_r, selectors.EVENT_READ)
                while not self._closing.is_set():
                    for key, _ in selector.select():
                        if key.fileobj is self._sock and not self._closing.is_set():
                            self._accept()
        finally:
            self._served.set()

    def _accept(self) -> None:
        assert self._sock is not None
        try:
            sock, _ = self._sock.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:  # EMFILE and the like: say it, keep listening
            log.warning("accept failed: %s", exc)
            return
        sock.settimeout(self.hello_timeout)  # a client that never says hello is hung up on
        channel = LineChannel(sock, self.max_message)
        uid = peer_uid(sock)
        if uid is not None and uid != os.getuid():
            with contextlib.suppress(WireError):
                channel.send(
                    error_message(
                        None,
                        "refused",
                        f"this jobtui host belongs to uid {os.getuid()}; uid {uid} may not use it",
                    )
                )
            channel.close()
            return
        connection = _Connection(channel, next(self._numbers))
        thread = threading.Thread(
            target=self._serve_connection, args=(connection, uid), name="jobtui-client", daemon=True
        )
        connection.thread = thread
        with self._guard:
            if self._closing.is_set():
                channel.close()
                return
            self._connections.add(connection)
        thread.start()

    def _serve_connection(self, connection: _Connection, uid: int | None) -> None:
        channel = connection.channel
        try:
            hello = Hello.from_message(channel.receive())
            if hello.protocol != PROTOCOL or not hello.speaks_with(self.hello):
                channel.send(error_message(None, "version", mismatch_message(hello, self.hello)))
                return
            channel.send(self.hello.as_message())
            channel.sock.settimeout(None)
            connection.peer = Peer(hello, uid)
            while not self._closing.is_set():
                try:
                    message = channel.receive()
                except (ConnectionClosed, MessageTooLarge):
                    raise
                except WireError as exc:  # one bad line: say so and read the next
                    channel.send(error_message(None, "bad_message", str(exc)))
                    continue
                if message.get("op") in self.long_ops:
                    threading.Thread(
                        target=self._answer,
                        args=(message, connection),
                        name=f"jobtui-{message.get('op')}",
                        daemon=True,
                    ).start()
                    continue
                channel.send(self._dispatch(message, connection))
        except MessageTooLarge as exc:
            with contextlib.suppress(WireError):
                channel.send(error_message(None, "too_large", f"{exc}; closing the connection"))
        except ConnectionClosed:
            pass
        except OSError as exc:  # close() shut the socket under this thread: the client is gone
            log.debug("connection %d ended: %s", connection.number, exc)
        except WireError as exc:  # a bad hello
            with contextlib.suppress(WireError):
                channel.send(error_message(None, "bad_message", str(exc)))
        finally:
            with self._guard:
                self._connections.discard(connection)
            channel.close()
            if connection.peer is not None and self.on_disconnect is not None:
                try:
                    self.on_disconnect(connection.number)
                except Exception:  # the host's bug: logged, the listener goes on
                    log.exception("on_disconnect failed")

    def _answer(self, message: dict[str, Any], connection: _Connection) -> None:
        """Dispatch a long request on its own thread and send its answer (if anyone listens)."""
        with contextlib.suppress(WireError):
            connection.channel.send(self._dispatch(message, connection))

    def _dispatch(self, message: dict[str, Any], connection: _Connection) -> dict[str, Any]:
        request_id, op, args = message.get("id"), message.get("op"), message.get("args", {})
        if not isinstance(request_id, int) or not isinstance(op, str) or not isinstance(args, dict):
            return error_message(
                request_id if isinstance(request_id, int) else None,
                "bad_message",
                'a request needs an integer "id", an "op" and an "args" object',
            )
        handler = self.handlers.get(op)
        if handler is None:
            return error_message(request_id, "unknown_op", f"no such request: {op}")
        peer = connection.peer
        assert peer is not None
        request = Request(request_id, op, args, peer, connection.number, connection.channel.send)
        try:
            return {"id": request_id, "ok": handler(request)}
        except RequestError as exc:
            return error_message(request_id, exc.kind, exc.message)
        except Exception as exc:  # a handler's bug must not end the connection or the host
            log.exception("handler for %s failed", op)
            return error_message(request_id, "internal", f"{op} failed: {exc!r}")

    def broadcast(self, event: str, **fields: Any) -> int:
        """Push ``{"event": event, ...}`` to every client past its hello; how many took it now.

        Never waits for a client: one whose socket is full (it stopped reading) is owed the
        message instead, and gets the latest one it is owed from :meth:`deliver_owed` (its
        ``urgent`` flag kept if any of them had it), so one stopped client holds up no other.
        A client that is gone is hung up on.
        """
        message = {"event": event, **fields}
        with self._guard:
            connections = [c for c in self._connections if c.peer is not None]
        sent = 0
        for connection in connections:
            owed = connection.owed
            if owed is not None and owed.get("event") == event and owed.get("urgent"):
                connection.owed = {**message, "urgent": True}
            else:
                connection.owed = message
            sent += self._deliver(connection)
        return sent

    def deliver_owed(self) -> bool:
        """Try again to push what clients were owed; True while some are still owed."""
        with self._guard:
            connections = [c for c in self._connections if c.owed is not None]
        return sum(not self._deliver(c) for c in connections) > 0

    @property
    def owes(self) -> bool:
        """Whether some client is owed a push it could not take."""
        with self._guard:
            return any(c.owed is not None for c in self._connections)

    def _deliver(self, connection: _Connection) -> bool:
        message = connection.owed
        if message is None:
            return True
        try:
            if not connection.channel.offer(message):
                return False
        except WireError:
            connection.channel.close()
        connection.owed = None
        return True

    @property
    def client_count(self) -> int:
        """How many clients are connected now."""
        with self._guard:
            return len(self._connections)

    # -- stop ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop listening, hang up on every client, remove the socket, release the lock."""
        if self._closing.is_set():
            return
        self._closing.set()
        if self._wake_w >= 0:
            with contextlib.suppress(OSError):
                os.write(self._wake_w, b"x")
        if self._serving is not None and self._serving is not threading.current_thread():
            self._served.wait(5.0)  # the accept loop lets go of the socket before it is closed
        with self._guard:
            connections = list(self._connections)
        for connection in connections:
            connection.channel.close()
        for connection in connections:
            if (
                connection.thread is not None
                and connection.thread is not threading.current_thread()
            ):
                connection.thread.join(5.0)
        if self._sock is not None:
            # Only our own socket file: a newer host may already have replaced it.
            with contextlib.suppress(OSError):
                if os.stat(self.socket_path).st_ino == self._inode:
                    os.unlink(self.socket_path)
            self._sock.close()
        self._release_lock()
        for fd in (self._wake_r, self._wake_w):
            if fd >= 0:
                os.close(fd)
        self._wake_r = self._wake_w = -1


def _answers(path: str) -> bool:
    """True if something listens on the Unix socket at ``path``."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(1.0)
    try:
        probe.connect(path)
    except OSError as exc:
        if exc.errno in (errno.ECONNREFUSED, errno.ENOENT):
            return False
        raise
    finally:
        probe.close()
    return True
