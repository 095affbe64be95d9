"""The session host's wire: JSON lines over a Unix socket, a versioned hello, a size cap.

Every message is one JSON object on one line (UTF-8, ended by "\\n"):

- the client's first line is ``{"hello": {"protocol": 1, "version": "0.1.0"}}``; the host answers
  with its own hello, or with an error and closes when the protocols differ;
- then requests ``{"id": 7, "op": "get_job", "args": {...}}``, each answered by
  ``{"id": 7, "ok": ...}`` or ``{"id": 7, "error": {"kind": "...", "message": "..."}}``;
- the host may push ``{"event": "...", ...}`` lines between replies (the client keeps them).

A line longer than ``MAX_MESSAGE`` is refused with an error and the connection closed: without a
cap one client could make the host buffer without end (pueue added
``receive_bytes_with_max_size`` after the same finding). Stdlib ``json`` costs 29 us per ping
round trip and 0.5 ms for a 200-job list here, which is why there is no binary format yet.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import struct
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from jobtui import __version__

#: Bump when a message's meaning changes; hosts and clients of different protocols refuse.
PROTOCOL = 1
#: The longest line either side accepts, in bytes (a 200-job list is about 50 KB).
MAX_MESSAGE = 4 * 1024 * 1024
#: What a user does about a host of another version.
RESTART_ADVICE = "restart the host when its jobs finish (jobtui host stop)"


class WireError(Exception):
    """The wire failed: a closed connection, a bad message, a refusal. One line of text."""


class ConnectionClosed(WireError):
    """The other side closed the connection (or died)."""


class VersionMismatchError(WireError):
    """The client and the host speak different protocols."""


class RefusedError(WireError):
    """The other side is not ours to talk to (another user's host or client)."""


class RequestError(WireError):
    """A request failed on the host; ``kind`` says how, for programs."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Hello:
    """What each side says about itself first."""

    protocol: int
    version: str
    pid: int
    #: The fingerprint of the values that cross the service (``host.codec.SCHEMA``); "" for a
    #: side that sends none (a probe), which is not checked.
    schema: str = ""

    def as_message(self) -> dict[str, Any]:
        """The hello line's object."""
        body: dict[str, Any] = {"protocol": self.protocol, "version": self.version, "pid": self.pid}
        if self.schema:
            body["schema"] = self.schema
        return {"hello": body}

    def speaks_with(self, other: Hello) -> bool:
        """Whether the two sides read each other's values the same way."""
        if self.protocol != other.protocol:
            return False
        return not (self.schema and other.schema and self.schema != other.schema)

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> Hello:
        """Read a hello line's object, or raise WireError."""
        body = message.get("hello")
        if not isinstance(body, dict):
            raise WireError("the first message was not a hello")
        protocol, version, pid = body.get("protocol"), body.get("version"), body.get("pid", 0)
        if (
            not isinstance(protocol, int)
            or not isinstance(version, str)
            or not isinstance(pid, int)
        ):
            raise WireError("a hello without a protocol number and a version")
        schema = body.get("schema", "")
        return cls(protocol, version, pid, schema if isinstance(schema, str) else "")


def own_hello(schema: str = "") -> Hello:
    """This process's hello (with the codec's ``schema`` where it sends values)."""
    return Hello(PROTOCOL, __version__, os.getpid(), schema)


def mismatch_message(client: Hello, host: Hello) -> str:
    """The one line that says why a client and a host cannot talk, and what to do."""
    if client.protocol == host.protocol and client.version == host.version:
        return (
            f"this jobtui and the running host ({host.version}) were built differently (their "
            f"values differ): {RESTART_ADVICE}"
        )
    return (
        f"this jobtui ({client.version}, protocol {client.protocol}) cannot talk to the running "
        f"host ({host.version}, protocol {host.protocol}): {RESTART_ADVICE}"
    )


def version_notice(client: Hello, host: Hello) -> str | None:
    """For compatible but different versions: the line that suggests a restart, or None."""
    if client.version == host.version:
        return None
    return f"the host runs jobtui {host.version}, this is {client.version}: {RESTART_ADVICE}"


def peer_uid(sock: socket.socket) -> int | None:
    """The uid of the process at the other end of a Unix socket (None where unknown)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:  # not Linux: getpeereid() is not in the stdlib
        return None
    raw = sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", raw)
    return int(uid)


class LineChannel:
    """One end of a connection: whole JSON lines in and out, with the size cap."""

    def __init__(self, sock: socket.socket, max_message: int = MAX_MESSAGE) -> None:
        self.sock = sock
        self.max_message = max_message
        self._reader: BinaryIO = sock.makefile("rb")
        self._write_lock = threading.Lock()

    def receive(self) -> dict[str, Any]:
        """The next message; ConnectionClosed at end, WireError for a bad or too long line."""
        try:
            line = self._reader.readline(self.max_message + 1)
        except OSError as exc:
            raise ConnectionClosed(f"connection lost: {exc.strerror or exc}") from exc
        if not line:
            raise ConnectionClosed("connection closed")
        if not line.endswith(b"\n"):
            if len(line) > self.max_message:
                raise MessageTooLarge(f"a message over {self.max_message} bytes was refused")
            raise ConnectionClosed("connection closed in the middle of a message")
        try:
            message = json.loads(line)
        except ValueError as exc:
            raise WireError(f"a message that is not JSON: {exc}") from exc
        except RecursionError:  # "[[[[..." within the cap: the parser's stack, not ours
            raise WireError("a message nested too deeply to read") from None
        if not isinstance(message, dict):
            raise WireError("a message that is not a JSON object")
        return message

    def send(self, message: Mapping[str, Any]) -> None:
        """Write one message (from any thread); ConnectionClosed if the other side is gone."""
        data = json.dumps(message, separators=(",", ":")).encode() + b"\n"
        if len(data) > self.max_message:
            raise MessageTooLarge(f"a message over {self.max_message} bytes was not sent")
        with self._write_lock:
            try:
                self.sock.sendall(data)
            except OSError as exc:
                raise ConnectionClosed(f"connection lost: {exc.strerror or exc}") from exc

    def offer(self, message: Mapping[str, Any]) -> bool:
        """Write a small message only if that cannot block; False if it would have to wait.

        For pushes to every client: one client that stops reading (a stopped process, or
        one busy elsewhere) fills its socket, and a plain :meth:`send` to it would then hold
        up the pushes to everyone after it. The message is not sent when another thread is
        writing to this connection either (that write may be the one that waits).
        ConnectionClosed if the other side is gone.
        """
        data = json.dumps(message, separators=(",", ":")).encode() + b"\n"
        if not self._write_lock.acquire(blocking=False):
            return False
        try:
            try:
                sent = self.sock.send(data, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return False
            except OSError as exc:
                raise ConnectionClosed(f"connection lost: {exc.strerror or exc}") from exc
            if sent < len(data):
                # A small message goes whole or not at all on a Unix socket; should part of
                # one ever go, the line must still end whole.
                try:
                    self.sock.sendall(data[sent:])
                except OSError as exc:
                    raise ConnectionClosed(f"connection lost: {exc.strerror or exc}") from exc
            return True
        finally:
            self._write_lock.release()

    def close(self) -> None:
        """Close both directions."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._reader.close()
        self.sock.close()


class MessageTooLarge(WireError):
    """A line over the size cap."""


class Client:
    """A blocking client of the host: connect, hello, then requests answered in order.

    One thread at a time may make requests. Events the host pushes meanwhile are kept in
    ``events`` for the caller to take.
    """

    def __init__(self, channel: LineChannel, host: Hello, notice: str | None) -> None:
        self._channel = channel
        self.host = host
        #: A line to show the user when the host runs another (compatible) version.
        self.notice = notice
        self.events: deque[dict[str, Any]] = deque()
        self._next_id = 1

    @classmethod
    def connect(
        cls,
        path: Path,
        *,
        timeout: float | None = 10.0,
        hello: Hello | None = None,
        max_message: int = MAX_MESSAGE,
    ) -> Client:
        """Connect to the host at ``path`` and exchange hellos; raise WireError (or OSError).

        ``timeout`` bounds the connect and the hello, not the requests after it.
        """
        info = os.stat(path)
        if info.st_uid != os.getuid():
            raise RefusedError(f"{path} belongs to uid {info.st_uid}, not to you: not connecting")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(os.fspath(path))
            uid = peer_uid(sock)
            if uid is not None and uid != os.getuid():
                raise RefusedError(f"the host at {path} runs as uid {uid}, not as you")
            channel = LineChannel(sock, max_message)
            mine = hello or own_hello()
            # A host that refuses us says why first, then hangs up: read that, not EPIPE.
            with contextlib.suppress(ConnectionClosed):
                channel.send(mine.as_message())
            answer = channel.receive()
            if "error" in answer:
                raise _error_of(answer, VersionMismatchError)
            theirs = Hello.from_message(answer)
            sock.settimeout(None)  # a request may wait as long as it must (Wait-Job)
        except BaseException:
            sock.close()
            raise
        return cls(channel, theirs, version_notice(mine, theirs))

    def request(self, op: str, **args: Any) -> Any:
        """Send one request and wait for its answer: the result, or RequestError."""
        request_id = self._next_id
        self._next_id += 1
        self._channel.send({"id": request_id, "op": op, "args": args})
        while True:
            message = self._channel.receive()
            if "event" in message:
                self.events.append(message)
                continue
            if message.get("id") != request_id:
                if "error" in message:  # the host's last word before it closed
                    raise _error_of(message, WireError)
                raise WireError(f"an answer to request {message.get('id')}, not {request_id}")
            if "error" in message:
                raise _error_of(message, RequestError)
            return message.get("ok")

    def send_raw(self, data: bytes) -> None:
        """Write bytes as they are (for tests of what a broken client sends)."""
        self._channel.sock.sendall(data)

    def receive(self) -> dict[str, Any]:
        """The next message, whatever it is."""
        return self._channel.receive()

    def close(self) -> None:
        """Hang up."""
        self._channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def error_message(request_id: int | None, kind: str, message: str) -> dict[str, Any]:
    """An error line."""
    return {"id": request_id, "error": {"kind": kind, "message": message}}


def _error_of(message: Mapping[str, Any], kind_of: type[WireError]) -> WireError:
    body = message.get("error")
    if not isinstance(body, dict):
        return WireError("an error without a message")
    kind, text = str(body.get("kind", "error")), str(body.get("message", "error"))
    if kind == "version":
        return VersionMismatchError(text)
    if kind == "refused":
        return RefusedError(text)
    if kind_of is RequestError:
        return RequestError(kind, text)
    return kind_of(text)
