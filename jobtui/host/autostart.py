"""Reach the user's session host: connect to the running one, or start one and connect.

No set-up: the first client starts the host as a detached ``python -m jobtui host`` (a session
of its own, so the terminal's hangup does not reach it; its output goes to ``host.log`` in the
state directory) and connects once its socket answers. Two clients that start hosts at once
both connect to the one that won the lock: the other host sees the lock taken and exits, and
its client goes on trying the socket until the winner answers.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from jobtui.data.paths import HostPaths
from jobtui.host.wire import RefusedError, VersionMismatchError, WireError

if TYPE_CHECKING:
    import subprocess

    from jobtui.host.client import HostService

#: Seconds a client waits for a host it started to answer.
START_TIMEOUT = 15.0
#: The host's log, in the state directory.
LOG_NAME = "host.log"


class HostUnavailable(WireError):
    """No host could be reached or started: one line that says why (and names the log)."""


def log_path(paths: HostPaths) -> Path:
    """Where a started host writes its output."""
    return paths.state / LOG_NAME


def connect(
    paths: HostPaths | None = None, *, kind: str = "", width: int = 120, start: bool = True
) -> HostService:
    """A :class:`HostService` of the running host, starting one first if ``start``.

    ``kind`` attaches the client ("app", "plain"); without it the client only connects
    (``jobtui -c``, ``jobtui host status``). Raises HostUnavailable (or VersionMismatchError,
    RefusedError) with one line for the user.
    """
    from jobtui.host.client import HostService

    paths = paths or HostPaths.from_environ()
    try:
        return HostService.connect(paths.socket, kind=kind, width=width)
    except (VersionMismatchError, RefusedError):
        raise
    except (OSError, WireError) as exc:
        if not start:
            raise HostUnavailable(f"no jobtui host is running ({_reason(exc)})") from exc
    return _start_and_connect(paths, kind=kind, width=width)


class Attaching(threading.Thread):
    """:func:`connect` on a thread of its own, so that reaching the host (a few round trips,
    and on a busy machine the wait for the host to be scheduled) overlaps the app's imports
    instead of adding to them."""

    def __init__(self, kind: str) -> None:
        super().__init__(name="jobtui-attach", daemon=True)
        self.kind = kind
        self._service: HostService | None = None
        self._error: BaseException | None = None

    def run(self) -> None:
        try:
            service = connect(kind=self.kind)
            service.prefetch()  # the first frame's pull, done while the imports run
            self._service = service
        except BaseException as exc:  # handed to the caller of result()
            self._error = exc

    def result(self) -> HostService:
        """The attached service, once there; the error :func:`connect` raised, if any."""
        self.join()
        if self._error is not None:
            raise self._error
        assert self._service is not None
        return self._service


def attach_in_background(kind: str) -> Attaching:
    """Start attaching to the host (started if none runs) as ``kind``; ``result()`` waits."""
    attaching = Attaching(kind)
    attaching.start()
    return attaching


def _start_and_connect(paths: HostPaths, *, kind: str, width: int) -> HostService:
    from jobtui.host.client import HostService

    paths.ensure()
    log = log_path(paths)
    process = _spawn_host(log)
    deadline = time.monotonic() + START_TIMEOUT
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            return HostService.connect(paths.socket, kind=kind, width=width)
        except (VersionMismatchError, RefusedError):
            raise
        except (OSError, WireError) as exc:
            last = exc
        # A host that lost the lock to another exits at once: go on, the winner will answer.
        time.sleep(0.02 if process.poll() is None else 0.05)
    raise HostUnavailable(
        f"the jobtui host did not answer within {START_TIMEOUT:g} s "
        f"({_reason(last) if last else 'no answer'}); see {log}"
    )


def _spawn_host(log: Path) -> subprocess.Popen[bytes]:
    """Start ``python -m jobtui host`` detached (its own session, no terminal), its output
    appended to ``log``; a thread reaps it when it ends."""
    import subprocess

    with open(log, "ab") as out:
        os.chmod(log, 0o600)
        process = subprocess.Popen(
            [sys.executable, "-m", "jobtui", "host"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    threading.Thread(target=process.wait, name="jobtui-host-reaper", daemon=True).start()
    return process


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)
