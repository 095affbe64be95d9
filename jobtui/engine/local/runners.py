"""What makes a local job run: a subprocess (a shell command) or a thread (a built-in)."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from jobtui.engine.backend import LOCALHOST, Capabilities
from jobtui.engine.job import Job, ProcessInfo
from jobtui.engine.local import processes
from jobtui.engine.local.reactor import Reactor
from jobtui.engine.output import READ_SIZE, LineAssembler, LineBuffer, OutputStore, Stream
from jobtui.engine.states import JobFailure, JobState

_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031 if sys.platform.startswith("linux") else None)
_PIPE_SIZE = READ_SIZE
#: Seconds between SIGTERM and SIGKILL when a job is stopped.
DEFAULT_GRACE = 3.0


@dataclass(frozen=True)
class ProcessSpec:
    """How to spawn a job's process."""

    argv: list[str]
    cwd: str
    env: dict[bytes, bytes]
    stdin: bytes | None = None  # input to write, after which stdin is closed


class ProcessRunner:
    """Runs one command in its own session, reads its pipes on the reactor, reaps its exit."""

    capabilities: ClassVar[Capabilities] = Capabilities(suspend=True, input=True)

    def __init__(
        self,
        job: Job,
        spec: ProcessSpec,
        reactor: Reactor,
        on_output: Callable[[Job], None],
        on_finished: Callable[[Job], None],
        on_spawned: Callable[[ProcessRunner], None] | None = None,
    ) -> None:
        assert job.output is not None
        self.job = job
        self.backend = LOCALHOST
        self.spec = spec
        self.store: OutputStore = job.output
        self._reactor = reactor
        self._on_output = on_output
        self._on_finished = on_finished
        self._on_spawned = on_spawned
        self._proc: subprocess.Popen[bytes] | None = None
        self._fds: dict[Stream, int] = {}
        self._lines = {Stream.Output: LineBuffer(), Stream.Error: LineBuffer()}
        self._stdin_fd: int | None = None
        self.stdin_inode: int | None = None
        self._pidfd: int | None = None
        self._exited = False
        self._done = False

    @property
    def pid(self) -> int | None:
        """The main process's pid, once spawned."""
        return self._proc.pid if self._proc else None

    @property
    def stdin_open(self) -> bool:
        """True while input can still be sent to the job."""
        return self._stdin_fd is not None

    @property
    def stdin_link(self) -> str | None:
        """What the job's ``/proc/PID/fd/0`` reads while its input is open (its pipe), else
        None: how the process monitor tells a job blocked on its input."""
        if self._stdin_fd is None or self.stdin_inode is None:
            return None
        return f"pipe:[{self.stdin_inode}]"

    @property
    def accepts_input(self) -> bool:
        """True while input can still be sent to the job (the Runner protocol's name)."""
        return self._stdin_fd is not None

    @property
    def details(self) -> ProcessInfo:
        """The process's pid, exit code, signal, working directory, shell and statistics."""
        return self.job.process

    # -- start --------------------------------------------------------------------------------

    def start(self) -> None:
        """Spawn the process; on failure the job becomes Failed with the spawn error as Reason."""
        # Our own pipes, not Popen's: Popen would wrap each end in a file object we never use.
        stdin_r, stdin_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            proc = subprocess.Popen(
                self.spec.argv,
                stdin=stdin_r,
                stdout=out_w,
                stderr=err_w,
                cwd=self.spec.cwd,
                env=self.spec.env,
                start_new_session=True,  # its own group: our Ctrl+C never reaches it
                close_fds=True,
            )
        except OSError as exc:
            for fd in (stdin_r, stdin_w, out_r, out_w, err_r, err_w):
                os.close(fd)
            self._fail_to_spawn(exc)
            return
        for fd in (stdin_r, out_w, err_w):  # the child's ends
            os.close(fd)
        self._proc = proc
        self.job.process.pid = proc.pid
        for stream, fd in ((Stream.Output, out_r), (Stream.Error, err_r)):
            os.set_blocking(fd, False)
            if _F_SETPIPE_SZ is not None:
                with contextlib.suppress(OSError):  # a larger pipe means fewer wake-ups
                    fcntl.fcntl(fd, _F_SETPIPE_SZ, _PIPE_SIZE)
            self._fds[stream] = fd
        self._stdin_fd = stdin_w
        self.stdin_inode = os.fstat(stdin_w).st_ino
        if hasattr(os, "pidfd_open"):
            try:
                self._pidfd = os.pidfd_open(proc.pid)
            except OSError:
                self._pidfd = None
        self.job.set_state(JobState.Running)
        if self.spec.stdin is not None:
            self._write_initial_input(self.spec.stdin)
        if self._on_spawned is not None:
            # Before the reactor hears of it: whoever is told of the process (the guardian)
            # is told before it can be told that the process has finished.
            self._on_spawned(self)
        self._reactor.call(self._register)

    def _fail_to_spawn(self, exc: OSError) -> None:
        shell = self.spec.argv[0]
        if exc.errno in (errno.ENOENT, errno.EACCES) and exc.filename in (shell, None):
            why = f"The shell {shell} could not be started: {exc.strerror}."
        else:
            why = f"The command could not be started: {exc.strerror or exc}."
        self.store.close()
        self._done = True
        self.job.set_state(JobState.Failed, JobFailure(why))
        self._on_finished(self.job)

    def _write_initial_input(self, data: bytes) -> None:
        # Written from a short-lived thread: a process that does not read must not block us.
        fd = self._stdin_fd
        self._stdin_fd = None
        assert fd is not None

        def feed() -> None:
            with contextlib.suppress(OSError):
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            os.close(fd)

        threading.Thread(target=feed, name=f"jobtui-input-{self.job.id}", daemon=True).start()

    def _register(self) -> None:
        for stream, fd in self._fds.items():
            self._reactor.add_reader(fd, lambda s=stream: self._on_readable(s))  # type: ignore[misc]
        if self._pidfd is not None:
            self._reactor.add_reader(self._pidfd, self._on_exit)
        else:
            self._reactor.add_ticker(self)

    # -- the reactor's side -------------------------------------------------------------------

    def _on_readable(self, stream: Stream) -> None:
        fd = self._fds.get(stream)
        if fd is None:
            return
        lines = self._lines[stream]
        try:
            size = lines.fill(fd)
        except BlockingIOError:
            return
        except OSError:
            size = 0
        now = time.time()
        if size:
            ready = lines.ready
            if ready:
                self.store.append(stream, lines.data, now, ready)
            lines.take(now)
            if ready:
                self._on_output(self.job)
            if lines.since is not None:
                self._reactor.add_ticker(self)
            return
        self._reactor.remove_reader(fd)
        os.close(fd)
        del self._fds[stream]
        rest = lines.flush(final=True)
        if rest:
            self.store.append(stream, lines.data, now, rest)
        lines.take(None)  # and lets go of the read area
        if rest:
            self._on_output(self.job)
        self._maybe_finish()

    def _on_exit(self) -> None:
        assert self._proc is not None
        if self._proc.poll() is None:
            return
        if self._pidfd is not None:
            self._reactor.remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None
        self._exited = True
        self._maybe_finish()

    def tick(self, now: float) -> bool:
        """Flush partial lines that waited too long; without pidfds, poll for the exit."""
        wanted = False
        for stream, lines in self._lines.items():
            since = lines.since
            if since is None:
                continue
            if now - since >= LineAssembler.FLUSH_SECONDS:
                if lines.flush(final=False):
                    self.store.append(stream, lines.data, now, lines.ready)
                    self._on_output(self.job)
                lines.take(None)
            wanted = wanted or lines.since is not None
        if self._pidfd is None and not self._exited and self._proc is not None:
            self._on_exit()
            wanted = wanted or not self._exited
        return wanted and not self._done

    def _maybe_finish(self) -> None:
        if self._done or not self._exited or self._fds:
            return
        self._done = True
        self.store.close()
        self.close_input()
        assert self._proc is not None
        code = self._proc.returncode
        info = self.job.process
        if code < 0:
            info.signal = processes.signal_name(-code)
        else:
            info.exit_code = code
        if self.job.stop_requested:
            self.job.set_state(*self.job.stopped_outcome())
        elif code == 0:
            self.job.set_state(JobState.Completed)
        else:
            self.job.set_state(JobState.Failed, self._failure(code))
        self._on_finished(self.job)

    def _failure(self, code: int) -> JobFailure:
        return exit_failure(code, self.store.last_error_line)

    # -- control (any thread) -----------------------------------------------------------------

    def terminate(self, grace: float) -> None:
        """SIGTERM the whole tree, SIGKILL what is left after ``grace``; block until finished."""
        ProcessRunner.terminate_many([self], grace)

    @staticmethod
    def terminate_many(runners: list[ProcessRunner], grace: float) -> None:
        """Stop several jobs' trees together, with one grace period for all of them."""
        live = [r for r in runners if r._proc is not None and not r._done]
        table = processes.process_table()
        pids: set[int] = set()
        for runner in live:
            mine = runner._job_pids(table)
            pids |= mine
            processes.signal_pids(mine, runner._pgid, signal.SIGTERM)
            processes.signal_pids(mine, runner._pgid, signal.SIGCONT)  # a stopped one can't die
        left = processes.wait_gone(pids, grace)
        for _ in range(5):  # a tree that forks while dying needs more than one sweep
            table = processes.process_table()
            for runner in live:
                left |= runner._job_pids(table)
            if not left:
                break
            for runner in live:
                processes.signal_pids((), runner._pgid, signal.SIGKILL)
            processes.signal_pids(left, None, signal.SIGKILL)
            left = processes.wait_gone(left, 1.0)
        for runner in live:
            if not runner.job.finished.wait(5.0):
                # Everything is dead, yet a pipe is held open by a process we could not see.
                runner._reactor.call(runner._force_close)
                runner.job.finished.wait(5.0)

    @property
    def _pgid(self) -> int | None:
        # The job is a session leader, so its pid is its process group id.
        return self._proc.pid if self._proc else None

    def _job_pids(self, table: processes.ProcessTable | None = None) -> set[int]:
        if self._proc is None:
            return set()
        table = table or processes.process_table()
        return table.job_pids(self._proc.pid, self._proc.pid, str(self.job.instance_id))

    def _force_close(self) -> None:
        for stream in list(self._fds):
            fd = self._fds.pop(stream)
            self._reactor.remove_reader(fd)
            os.close(fd)
        if not self._exited:
            self._on_exit()
        self._maybe_finish()

    def suspend(self) -> None:
        """SIGSTOP every process of the job."""
        self._signal_tree(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT every process of the job."""
        self._signal_tree(signal.SIGCONT)

    def _signal_tree(self, sig: int) -> None:
        if not self._done:
            processes.signal_pids(self._job_pids(), self._pgid, sig)

    def send_input(self, data: bytes, timeout: float = 1.0) -> int:
        """Write ``data`` to the job's stdin; returns the bytes written before ``timeout``."""
        fd = self._stdin_fd
        if fd is None:
            raise BrokenPipeError("the job's input is closed")
        os.set_blocking(fd, False)
        return write_within(fd, data, timeout)

    def close_input(self) -> None:
        """Close the job's stdin: a process reading it sees end of file."""
        fd, self._stdin_fd = self._stdin_fd, None
        if fd is not None:
            os.close(fd)


def exit_failure(code: int, last: str | None) -> JobFailure:
    """The Reason of a job whose command ended with ``code`` (negative: killed by a signal),
    quoting its last error line."""
    tail = f": {last}" if last else "."
    if code < 0:
        name = processes.signal_name(-code)
        return JobFailure(f"Terminated by {name}{tail}", signal_name=name, last_error_line=last)
    if code == 127:
        what = "Command not found (exit code 127)"
    elif code == 126:
        what = "Command not executable (exit code 126)"
    elif code > 128 and code - 128 < signal.NSIG:
        what = f"Exit code {code} (a process was killed by {processes.signal_name(code - 128)})"
    else:
        what = f"Exit code {code}"
    return JobFailure(f"{what}{tail}", exit_code=code, last_error_line=last)


class OutputWriter:
    """How a built-in writes its results: whole lines to the Output or Error stream."""

    def __init__(self, store: OutputStore, on_output: Callable[[], None]) -> None:
        self._store = store
        self._on_output = on_output

    def write_lines(self, lines: list[str], stream: Stream = Stream.Output) -> None:
        """Append lines (no terminators) as one record."""
        if lines:
            data = "".join(f"{line}\n" for line in lines).encode("utf-8", "replace")
            self._store.append(stream, data, time.time())
            self._on_output()


BuiltinFunction = Callable[[OutputWriter, list[str], threading.Event], None]


class ThreadRunner:
    """Runs a built-in command (such as Get-Process) on a short-lived thread, in process."""

    #: Built-ins are short and read no input: they cannot be suspended or sent input.
    capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(
        self,
        job: Job,
        function: BuiltinFunction,
        arguments: list[str],
        on_output: Callable[[Job], None],
        on_finished: Callable[[Job], None],
    ) -> None:
        assert job.output is not None
        self.job = job
        self.backend = LOCALHOST
        self._function = function
        self._arguments = arguments
        self._on_output = on_output
        self._on_finished = on_finished
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def accepts_input(self) -> bool:
        """A built-in reads no input."""
        return False

    @property
    def details(self) -> ProcessInfo:
        """The working directory it was started in (a built-in has no process of its own)."""
        return self.job.process

    def start(self) -> None:
        """Mark the job Running and start its thread."""
        self.job.set_state(JobState.Running)
        self._thread = threading.Thread(
            target=self._run, name=f"jobtui-thread-job-{self.job.id}", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        assert self.job.output is not None
        writer = OutputWriter(self.job.output, lambda: self._on_output(self.job))
        failure: JobFailure | None = None
        try:
            self._function(writer, self._arguments, self._cancel)
        except Exception as exc:  # the built-in's error is the job's Reason, as in PowerShell
            # As in PowerShell, the error is the Reason, not a record: receive re-emits it.
            failure = exc if isinstance(exc, JobFailure) else JobFailure(str(exc) or repr(exc))
        self.job.output.close()
        if self.job.stop_requested:
            self.job.set_state(*self.job.stopped_outcome())
        elif failure is not None:
            self.job.set_state(JobState.Failed, failure)
        else:
            self.job.set_state(JobState.Completed)
        self._on_finished(self.job)

    def terminate(self, grace: float) -> None:
        """Ask the built-in to stop and wait for its thread."""
        self._cancel.set()
        if self._thread is not None:
            self._thread.join(grace)
        self.job.finished.wait(grace)

    def suspend(self) -> None:
        """Built-ins are short; suspending one is not supported."""
        raise JobFailure(f"Cannot suspend the job that has an ID of {self.job.id}.")

    def resume(self) -> None:
        """Built-ins are never suspended."""
        raise JobFailure(f"Cannot resume the job that has an ID of {self.job.id}.")

    def send_input(self, data: bytes) -> int:
        """A built-in has no input to write to."""
        raise BrokenPipeError("a built-in reads no input")

    def close_input(self) -> None:
        """A built-in has no input to close."""


def write_within(fd: int, data: bytes, timeout: float) -> int:
    """Write ``data`` to the non-blocking ``fd`` for at most ``timeout`` seconds; returns the
    bytes written (a job that stops reading its input must not hold the caller)."""
    view = memoryview(data)
    deadline = time.monotonic() + timeout
    while view:
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            select.select([], [fd], [], remaining)
    return len(data) - len(view)
