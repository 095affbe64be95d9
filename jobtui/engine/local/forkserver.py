"""The host's side of the monitors' fork server: a monitor per job in a millisecond, not 25.

A monitor started as a program (``jobfiles.start_monitor``) pays a fresh Python interpreter for
every job, about 25 ms: 1,000 jobs would take 30 times what the shell takes to run them. The fork
server (``jobmonitor.py --serve``) is one small process, started with the session, that has paid
that once and forks a monitor per request (see ``jobmonitor.serve``). A forked monitor is the same
program in the same state as one started by path, so it keeps every guarantee: its own session,
the subreaper, the sentinel, the job's PDEATHSIG, the tag, cwd, stdin file and disk limit; and it
goes on when the server or the host dies.

A request carries the monitor's stdout and stderr pipes (``SCM_RIGHTS``): the answer is read from
them as from a monitor the host started itself, one JSON line when the job runs, or why not.
When the server is gone (killed, or it never started), the next start starts a new one, and if
that fails too the monitor is started as a program: slower, never lost.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from jobtui.engine.local import jobmonitor
from jobtui.engine.local.jobfiles import (
    JobFiles,
    MonitorInfo,
    MonitorStartError,
    monitor_arguments,
    monitor_command,
    monitor_info_from,
    start_monitor,
)

log = logging.getLogger(__name__)


class ServerGone(OSError):
    """The fork server did not take the request (it died or never started)."""


class ForkServer:
    """One fork server of monitors, started ahead of the first job; thread-safe."""

    def __init__(self, python: str = sys.executable) -> None:
        self._python = python
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._closed = False

    @property
    def pid(self) -> int | None:
        """The server's pid while it runs (for tests and ``host status``)."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def start(self) -> None:
        """Start the server now (it takes about 25 ms to be ready; requests queue meanwhile)."""
        with self._lock:
            self._ensure()

    def _ensure(self) -> socket.socket:
        if self._closed:
            raise ServerGone("the session is closing")
        if self._socket is not None and self._process is not None:
            if self._process.poll() is None:
                return self._socket
            self._drop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._process = subprocess.Popen(
                monitor_command(Path(), [], cwd="", serve=True, python=self._python),
                stdin=theirs.fileno(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # the terminal's signals for the host must not reach it
                close_fds=True,
            )
        except OSError:
            ours.close()
            raise
        finally:
            theirs.close()
        self._socket = ours
        return ours

    def _drop(self) -> None:
        """Forget a server that is gone (its monitors go on)."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self._process is not None:
            with contextlib.suppress(OSError):
                self._process.poll()
            self._process = None

    def start_monitor(
        self,
        job_dir: Path,
        command: Sequence[str],
        *,
        cwd: str,
        tag: str | None = None,
        env: Mapping[str, str] | None = None,
        stdin: Path | None = None,
        limit: int | None = None,
    ) -> MonitorInfo:
        """Start a monitor for ``command`` and wait until the job runs (or fails to start).

        MonitorStartError says why in one line. The monitor is not this process's child: it
        is followed by its pid (a pidfd), as an adopted one is.
        """
        argv = monitor_arguments(job_dir, command, cwd=cwd, tag=tag, stdin=stdin, limit=limit)
        environment = dict(os.environ if env is None else env)
        for attempt in range(2):
            try:
                return self._request(job_dir, argv, environment)
            except ServerGone:
                if attempt or self._closed or (job_dir / jobmonitor.TRANSCRIPT).exists():
                    break
                log.info("the monitors' fork server is gone; starting another")
        process, info = start_monitor(
            job_dir, command, cwd=cwd, tag=tag, env=environment, stdin=stdin, limit=limit
        )
        # Its own waiter: the process is ours, and must be reaped when it ends.
        threading.Thread(target=process.wait, name="jobtui-monitor-reaper", daemon=True).start()
        return info

    def _request(self, job_dir: Path, argv: list[str], env: dict[str, str]) -> MonitorInfo:
        fields = [*argv, *(f"{k}={v}" for k, v in env.items())]
        payload = b"".join(os.fsencode(field) + b"\0" for field in fields)
        header = jobmonitor.REQUEST.pack(len(payload), len(argv))
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            with self._lock:
                try:
                    server = self._ensure()
                except OSError as exc:
                    raise ServerGone(str(exc)) from exc
                try:
                    server.sendmsg(
                        [header, payload],
                        [(socket.SOL_SOCKET, socket.SCM_RIGHTS, _fds(out_w, err_w))],
                    )
                except OSError as exc:
                    self._drop()
                    raise ServerGone(str(exc)) from exc
        finally:
            os.close(out_w)
            os.close(err_w)
        with open(out_r, "rb") as out, open(err_r, "rb") as err:
            line = out.readline()
            if line:
                info = monitor_info_from(json.loads(line))
                if info is None:
                    raise MonitorStartError("the job monitor said something else")
                return info
            said = err.read().decode(errors="replace").strip()
        if said:
            status = JobFiles(job_dir).exit_status()
            if status is not None and status.error:
                raise MonitorStartError(status.error)
            raise MonitorStartError(said.splitlines()[-1])
        status = JobFiles(job_dir).exit_status()
        if status is not None and status.error:
            raise MonitorStartError(status.error)
        # Nothing said: the server died with the request (its fork never ran).
        with self._lock:
            if self._process is not None and self._process.poll() is not None:
                self._drop()
        raise ServerGone("the fork server ended before the monitor started")

    def close(self) -> None:
        """End the server (its request socket closes); the monitors it forked go on."""
        with self._lock:
            self._closed = True
            process = self._process
            self._drop()
        if process is not None:
            try:
                process.wait(5.0)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _fds(*fds: int) -> bytes:
    import array

    return array.array("i", fds).tobytes()
