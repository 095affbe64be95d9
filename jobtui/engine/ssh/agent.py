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
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jobtui.engine.ssh.transport import Transport, TransportError

#: The exit status of a shell that found no such command (no python3 on the host).
NOT_FOUND = 127


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
        return self._call_with_payload(operation, request, timeout)[0]

    def _call_with_payload(
        self, operation: str, request: dict[str, Any], timeout: float = 60.0
    ) -> tuple[Any, bytes]:
        """The answer's JSON line, and the raw bytes after it."""
        with self._lock:
            removals, self._removals = self._removals, []
        if removals:
            request = {**request, "remove": removals}
        try:
            return self._send(operation, request, timeout)
        except (TransportError, AgentError):
            with self._lock:
                self._removals = removals + self._removals  # the next call takes them
            raise

    def _send(self, operation: str, request: dict[str, Any], timeout: float) -> tuple[Any, bytes]:
        # -S: no site-packages (the agent needs the standard library only): 3 ms of 15.
        words = ["python3", "-S", "-c", _loader(), operation]
        done = self.transport.run(words, input=json.dumps(request).encode(), timeout=timeout)
        if done.returncode == NOT_FOUND and not done.stdout:
            raise AgentError(f"python3 was not found on {self.transport.target.host}")
        if done.returncode != 0:
            raise AgentError(f"The agent on {self.transport.target.host} failed: {done.error_line}")
        cut = done.stdout.find(b"\n")
        line = done.stdout[:cut] if cut >= 0 else done.stdout
        try:
            return json.loads(line), done.stdout[cut + 1 :] if cut >= 0 else b""
        except ValueError:
            raise AgentError(
                f"The agent on {self.transport.target.host} gave no answer: {done.error_line}"
            ) from None

    def start(self, jobs: list[dict[str, Any]], lease: float) -> list[dict[str, Any]]:
        """Start each job; per job, ``{"pid": N}`` or ``{"error": why}``."""
        answer: list[dict[str, Any]] = self._call("start", {"jobs": jobs, "lease": lease})["jobs"]
        return answer

    def poll(
        self, jobs: list[tuple[str, int, int]], limit: int, *, stats: bool = False
    ) -> list[JobStatus]:
        """Each job's status and its output from the byte offsets given (name, out, err);
        with ``stats``, each running job's CPU time, memory and process count too."""
        request = {
            "jobs": [{"name": n, "out": o, "err": e} for n, o, e in jobs],
            "limit": limit,
            "stats": stats,
        }
        answer, payload = self._call_with_payload("poll", request)
        view = memoryview(payload)
        statuses = []
        offset = 0
        for a in answer["jobs"]:
            if a.get("missing"):
                statuses.append(JobStatus(missing=True))
                continue
            out_end = offset + int(a["out"])
            err_end = out_end + int(a["err"])
            statuses.append(
                JobStatus(
                    status=a.get("status"),
                    out=bytes(view[offset:out_end]),
                    err=bytes(view[out_end:err_end]),
                    more=bool(a.get("more")),
                    stats=_stats(a.get("stats")),
                )
            )
            offset = err_end
        if offset != len(payload):
            raise AgentError(f"The agent on {self.transport.target.host} gave a cut answer.")
        return statuses

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


def _stats(value: Any) -> tuple[float, int, int] | None:
    if not isinstance(value, list) or len(value) != 3:
        return None
    return float(value[0]), int(value[1]), int(value[2])


__all__ = ["Agent", "AgentError", "JobStatus", "TransportError"]
