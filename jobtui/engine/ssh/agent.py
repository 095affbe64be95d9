"""The local side of the remote agent: each operation as one ssh command with a JSON answer.

The agent's source (``remote_agent.py``) travels compressed in the command line of every call,
so nothing is installed on the host and an agent of another jobtui version never answers. It
costs about 5 KiB of command line, nothing beside the connection's round trip.
"""

from __future__ import annotations

import base64
import json
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import IO, Any

from jobtui.engine.ssh.transport import Transport, TransportError

#: The exit status of a shell that found no such command (no python3 on the host).
NOT_FOUND = 127
#: Bytes of a poll's output read and handed on at a time: what a poll holds in memory,
#: however much it brings.
PIECE = 4 << 20


class AgentError(Exception):
    """The agent could not do what was asked (no python3, a full disk...): one line for the user."""


@cache
def _loader() -> str:
    source = resources.files("jobtui.engine.ssh").joinpath("remote_agent.py").read_bytes()
    packed = base64.b64encode(zlib.compress(source, 9)).decode()
    return (
        "import base64,zlib,sys;sys.argv[0]='jobtui-agent';"
        f"exec(compile(zlib.decompress(base64.b64decode('{packed}')),'jobtui-agent','exec'))"
    )


@dataclass(frozen=True)
class JobStatus:
    """What a poll says of one remote job."""

    #: The job directory is gone (removed, or never there).
    missing: bool = False
    #: ``exit N`` or ``signal N`` once the job ended; None while it runs.
    status: str | None = None
    out: bytes = b""
    err: bytes = b""
    #: More output remains past what this poll returned.
    more: bool = False
    #: CPU seconds, resident bytes and processes of the job's group, when asked for.
    stats: tuple[float, int, int] | None = None


class Agent:
    """The agent's operations on one host, each one ssh command (over the shared connection)."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        # Job directories to delete with the next call, whatever it is.
        self._removals: list[str] = []
        self._lock = threading.Lock()

    def remove_later(self, names: list[str]) -> None:
        """Delete these jobs' directories with the next call."""
        with self._lock:
            self._removals.extend(names)

    def _call(self, operation: str, request: dict[str, Any], timeout: float = 60.0) -> Any:
        return self._call_with_payload(operation, request, timeout)

    def _call_with_payload(
        self,
        operation: str,
        request: dict[str, Any],
        timeout: float = 60.0,
        payload: Callable[[Any, IO[bytes]], None] | None = None,
    ) -> Any:
        """The answer's JSON line; with ``payload``, that line and the stream of the raw
        bytes after it go to ``payload`` as they come (it must not raise: a cut answer is
        said by its leaving bytes unread)."""
        with self._lock:
            removals, self._removals = self._removals, []
        if removals:
            request = {**request, "remove": removals}
        try:
            return self._send(operation, request, timeout, payload)
        except (TransportError, AgentError):
            with self._lock:
                self._removals = removals + self._removals  # the next call takes them
            raise

    def _send(
        self,
        operation: str,
        request: dict[str, Any],
        timeout: float,
        payload: Callable[[Any, IO[bytes]], None] | None,
    ) -> Any:
        # -S: no site-packages (the agent needs the standard library only): 3 ms of 15.
        words = ["python3", "-S", "-c", _loader(), operation]
        answer: list[Any] = []

        def read(stream: IO[bytes]) -> None:
            line = stream.readline()
            try:
                answer.append(json.loads(line))
            except ValueError:
                return
            if payload is not None:
                payload(answer[0], stream)

        done = self.transport.run(
            words, input=json.dumps(request).encode(), timeout=timeout, reader=read
        )
        if done.returncode == NOT_FOUND and not answer:
            raise AgentError(f"python3 was not found on {self.transport.target.host}")
        if done.returncode != 0:
            raise AgentError(f"The agent on {self.transport.target.host} failed: {done.error_line}")
        if not answer:
            raise AgentError(
                f"The agent on {self.transport.target.host} gave no answer: {done.error_line}"
            )
        return answer[0]

    def start(self, jobs: list[dict[str, Any]], lease: float) -> list[dict[str, Any]]:
        """Start each job; per job, ``{"pid": N}`` or ``{"error": why}``."""
        answer: list[dict[str, Any]] = self._call("start", {"jobs": jobs, "lease": lease})["jobs"]
        return answer

    def poll(
        self,
        jobs: list[tuple[str, int, int]],
        limit: int,
        *,
        stats: bool = False,
        take: Callable[[int, JobStatus], None] | None = None,
    ) -> list[JobStatus]:
        """Each job's status and its output from the byte offsets given (name, out, err);
        with ``stats``, each running job's CPU time, memory and process count too.

        With ``take``, the output goes to it as it comes, in pieces of at most PIECE bytes
        (job index, a status with ``more`` and no ``status`` until the job's last piece), and
        the statuses returned carry no output. A poll that is cut off raises after the pieces
        that came whole: each was taken, so no byte is lost or taken twice."""
        request = {
            "jobs": [{"name": n, "out": o, "err": e} for n, o, e in jobs],
            "limit": limit,
            "stats": stats,
        }
        collected: dict[int, list[JobStatus]] = {}

        def keep(index: int, piece: JobStatus) -> None:
            collected.setdefault(index, []).append(piece)

        into = take or keep
        finals: list[JobStatus] = []
        cut = [False]

        def stream(answer: Any, source: IO[bytes]) -> None:
            for index, a in enumerate(answer["jobs"]):
                if a.get("missing"):
                    finals.append(JobStatus(missing=True))
                    into(index, finals[-1])
                    continue
                last = JobStatus(
                    status=a.get("status"), more=bool(a.get("more")), stats=_stats(a.get("stats"))
                )
                for field in ("out", "err"):
                    left = int(a[field])
                    while left:
                        data = _read_exactly(source, min(left, PIECE))
                        if data is None:
                            cut[0] = True  # ssh or the agent died: what came whole was taken
                            return
                        left -= len(data)
                        piece = JobStatus(more=True, out=data) if field == "out" else None
                        into(index, piece or JobStatus(more=True, err=data))
                finals.append(last)
                into(index, last)
            if source.read(1):
                cut[0] = True

        self._call_with_payload("poll", request, payload=stream)
        if cut[0] or len(finals) != len(jobs):
            raise AgentError(f"The agent on {self.transport.target.host} gave a cut answer.")
        if take is not None:
            return finals
        return [
            replace(
                final,
                out=b"".join(p.out for p in collected.get(i, [])),
                err=b"".join(p.err for p in collected.get(i, [])),
            )
            for i, final in enumerate(finals)
        ]

    def signal(self, names: list[str], signal_name: str) -> None:
        """Send STOP, CONT... to each job's process group and tagged processes."""
        self._call("signal", {"names": names, "signal": signal_name})

    def stop(self, names: list[str], grace: float) -> None:
        """TERM each job, KILL what is left after ``grace``; returns when they have ended."""
        self._call("stop", {"names": names, "grace": grace}, timeout=grace + 30)

    def send_input(self, name: str, data: bytes, *, close: bool = False) -> int:
        """Write ``data`` to a job's input (for up to a second); the bytes written. With
        ``close``, the job then reads to the end of its input."""
        request = {"name": name, "data": base64.b64encode(data).decode(), "close": close}
        answer = self._call("input", request)
        if answer.get("error"):
            raise BrokenPipeError(answer["error"])
        return int(answer.get("written", 0))

    def remove(self, names: list[str]) -> None:
        """Delete the jobs' directories on the host (and those left for the next call)."""
        with self._lock:
            if not names and not self._removals:
                return
        self._call("remove", {"names": names})


def _read_exactly(source: IO[bytes], count: int) -> bytes | None:
    """``count`` bytes of ``source``, or None if it ends before (a pipe's read may be short)."""
    data = source.read(count)
    if len(data) == count:
        return data
    parts = [data]
    got = len(data)
    while got < count:
        more = source.read(count - got)
        if not more:
            return None
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def _stats(value: Any) -> tuple[float, int, int] | None:
    if not isinstance(value, list) or len(value) != 3:
        return None
    return float(value[0]), int(value[1]), int(value[2])


__all__ = ["Agent", "AgentError", "JobStatus", "TransportError"]
