"""The host's side of the monitors' fork server: a monitor per job in a millisecond, not 25.

A monitor started as a program (``jobfiles.start_monitor``) pays a fresh Python interpreter for
every job, about 25 ms: 1,000 jobs would take 30 times what the shell takes to run them. The fork
server (``jobmonitor.py --serve``) is one small process, started with the session, that has paid
that once and forks a monitor per request (see ``jobmonitor.serve``). A forked monitor is the same
program in the same state as one started by path, so it keeps every guarantee: its own session,
the subreaper, the sentinel, the tag, cwd, stdin file and disk limit; and it goes on when the
server or the host dies. (A tagged job is spawned with ``posix_spawn``, so it has no PDEATHSIG:
the sentinel's sweep of the tag covers the moment that covered.) The sentinel of every monitor
the server forks is one process, the server's keeper, which outlives the server for as long as
one of them runs (``jobmonitor.start_keeper``): a job costs one fork of Python, not two.

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
import select
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from jobtui.engine.local import jobmonitor
from jobtui.engine.local.jobfiles import (
    JobFiles,
    MonitorInfo,
    MonitorStartError,
    fork_server_command,
    monitor_arguments,
    monitor_info_from,
    start_monitor,
)

log = logging.getLogger(__name__)
_FS_ENCODING = sys.getfilesystemencoding()


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
        self._answers = _Answers()

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
                fork_server_command(self._python),
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
        start = Start(job_dir, command, cwd, tag, env, stdin, limit)
        answer: list[MonitorInfo | BaseException] = []
        done = threading.Event()

        def told(info: MonitorInfo | None, error: BaseException | None) -> None:
            answer.append(info if info is not None else error or MonitorStartError("?"))
            done.set()

        self.submit(start, told, wait=True)
        done.wait()
        if isinstance(answer[0], BaseException):
            raise answer[0]
        return answer[0]

    def submit(self, start: Start, told: Told, *, wait: bool = False, retry: bool = True) -> None:
        """Ask for a monitor; ``told(info, None)`` once the job runs, or ``told(None, error)``.

        Without ``wait``, ``told`` is called on the server's answer thread: requests go out
        one after the other while the monitors start, so a thousand jobs start together, not
        each after the last one's monitor has started.
        """
        for attempt in range(2 if retry else 1):
            try:
                out_r, err_r = self._send(start)
            except ServerGone:
                if attempt or self._closed:
                    break
                log.info("the monitors' fork server is gone; starting another")
                continue
            if wait:
                self._answer(start, out_r, err_r, told, retry)
            else:
                self._expect(start, out_r, err_r, told, retry)
            return
        self._as_program(start, told)

    def _expect(self, start: Start, out_r: int, err_r: int, told: Told, retry: bool) -> None:
        self._answers.expect(out_r, lambda: self._answer(start, out_r, err_r, told, retry))

    def _send(self, start: Start) -> tuple[int, int]:
        """Send one request; returns the read ends of the monitor's stdout and stderr."""
        argv = monitor_arguments(
            start.job_dir, start.command, cwd=start.cwd, tag=start.tag, stdin=start.stdin,
            limit=start.limit, fifo=start.fifo,
        )  # fmt: skip
        env = os.environ if start.env is None else start.env
        # One encode of the whole (as os.fsencode does each field): a field per variable cost
        # every start 0.1 ms. A NUL cannot be in an argument or a variable.
        fields = "\0".join([*argv, *(f"{k}={v}" for k, v in env.items()), ""])
        payload = fields.encode(_FS_ENCODING, "surrogateescape")
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
        except ServerGone:
            os.close(out_r)
            os.close(err_r)
            raise
        finally:
            os.close(out_w)
            os.close(err_w)
        return out_r, err_r

    def _answer(self, start: Start, out_r: int, err_r: int, told: Told, retry: bool) -> None:
        """Read the monitor's answer (its first line, or why it did not start) and pass it on."""
        try:
            info = self._read_answer(start, out_r, err_r)
        except ServerGone:
            # The server died with the request, before its fork: nothing ran. Once more.
            if retry and not self._closed and not (start.job_dir / jobmonitor.TRANSCRIPT).exists():
                self.submit(start, told, wait=True, retry=False)
            else:
                self._as_program(start, told)
            return
        except (MonitorStartError, OSError, ValueError) as exc:
            told(None, exc if not isinstance(exc, ValueError) else MonitorStartError(str(exc)))
            return
        told(info, None)

    def _read_answer(self, start: Start, out_r: int, err_r: int) -> MonitorInfo:
        with open(out_r, "rb") as out, open(err_r, "rb") as err:
            line = out.readline()
            if line:
                info = monitor_info_from(json.loads(line))
                if info is None:
                    raise MonitorStartError("the job monitor said something else")
                return info
            said = err.read().decode(errors="replace").strip()
        status = JobFiles(start.job_dir).exit_status()
        if status is not None and status.error:
            raise MonitorStartError(status.error)
        if said:
            raise MonitorStartError(said.splitlines()[-1])
        # Nothing said: the server died with the request (its fork never ran).
        with self._lock:
            if self._process is not None and self._process.poll() is not None:
                self._drop()
        raise ServerGone("the fork server ended before the monitor started")

    def _as_program(self, start: Start, told: Told) -> None:
        """The slow way, when no server takes the request: the monitor as a program."""
        try:
            process, info = start_monitor(
                start.job_dir, start.command, cwd=start.cwd, tag=start.tag, env=start.env,
                stdin=start.stdin, limit=start.limit, fifo=start.fifo,
            )  # fmt: skip
        except (MonitorStartError, OSError) as exc:
            told(None, exc)
            return
        # Its own waiter: the process is ours, and must be reaped when it ends.
        threading.Thread(target=process.wait, name="jobtui-monitor-reaper", daemon=True).start()
        told(info, None)

    def close(self) -> None:
        """End the server (its request socket closes); the monitors it forked go on."""
        with self._lock:
            self._closed = True
            process = self._process
            self._drop()
        self._answers.close()
        if process is not None:
            try:
                process.wait(5.0)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass(frozen=True)
class Start:
    """What a monitor is started for: the job's directory, command and surroundings."""

    job_dir: Path
    command: Sequence[str]
    cwd: str
    tag: str | None = None
    env: Mapping[str, str] | None = None
    stdin: Path | None = None
    limit: int | None = None
    #: ``stdin`` is a FIFO the monitor makes (the job's input from Send-JobInput).
    fifo: bool = False


#: How a start's outcome is told: the monitor's record, or the error that says why not.
Told = Callable[[MonitorInfo | None, BaseException | None], None]


class _Answers:
    """The thread that waits for the monitors' answers, so that starts need not wait."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[int, Callable[[], None]] = {}
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._thread: threading.Thread | None = None
        self._closed = False

    def expect(self, fd: int, ready: Callable[[], None]) -> None:
        """Call ``ready()`` on this thread once ``fd`` can be read (or is at its end)."""
        with self._lock:
            self._waiting[fd] = ready
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="jobtui-monitor-starts", daemon=True
                )
                self._thread.start()
        with contextlib.suppress(BlockingIOError):
            os.write(self._wake_w, b"x")

    def _run(self) -> None:
        poller = select.poll()
        poller.register(self._wake_r, select.POLLIN)
        watched: set[int] = set()
        while True:
            with self._lock:
                if self._closed and not self._waiting:
                    return
                for fd in self._waiting.keys() - watched:
                    poller.register(fd, select.POLLIN)
                    watched.add(fd)
            for fd, _ in poller.poll():
                if fd == self._wake_r:
                    with contextlib.suppress(BlockingIOError):
                        os.read(self._wake_r, 4096)
                    continue
                poller.unregister(fd)
                watched.discard(fd)
                with self._lock:
                    ready = self._waiting.pop(fd)
                try:
                    ready()
                except Exception:  # one start's failure must not stop the others' answers
                    log.exception("a monitor's start was not taken")

    def close(self) -> None:
        """Stop once every answer expected has come (they come: each monitor answers or ends)."""
        with self._lock:
            self._closed = True
            thread = self._thread
        with contextlib.suppress(BlockingIOError, OSError):
            os.write(self._wake_w, b"x")
        if thread is not None:
            thread.join(10.0)
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)


def _fds(*fds: int) -> bytes:
    import array

    return array.array("i", fds).tobytes()
