"""Jobs that outlive the host: each runs under its own monitor process (``jobmonitor.py``).

The monitor holds the job's pipes and writes its transcript and exit status to the job's
directory; this side only follows those files into the job's ``OutputStore``, so every view,
Receive-Job and search work as for a job the host runs itself. A new host that finds a job's
monitor alive follows it again from the byte where its store ends (:meth:`MonitoredRunner.adopt`).

One :class:`Follower` thread follows every monitored job. It sleeps in ``poll`` on a pidfd per
monitor (a monitor exits when its job has ended and ``exit.json`` is written) and, between
those, looks at each transcript's size: every 50 ms while the job writes, backing off to every
half second while it is quiet, on a grid, so that quiet jobs are looked at in one wake-up. A
stat is a few microseconds, so 200 quiet jobs cost two wake-ups and 400 stats a second; the
monitors themselves sleep in ``poll`` with no timeout.

A job given Start-Job's ``-InputObject`` reads it from a file written before it starts, and takes
no more. Any other job reads a FIFO in its directory (``stdin.fifo``, made by its monitor before it
answers): Send-JobInput writes it, and its monitor holds a write end of it, so the job reads no end
of file while no host is there (a host that restarts writes to the same FIFO). ``-Close`` removes
the FIFO and tells the monitor (SIGUSR1) to let go of its end: the job then reads the end of file.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from jobtui.engine.backend import LOCALHOST, Capabilities
from jobtui.engine.job import Job, ProcessInfo
from jobtui.engine.local import jobmonitor, processes
from jobtui.engine.local.forkserver import ForkServer, Start
from jobtui.engine.local.growth_watch import GrowthWatch, open_growth_watch
from jobtui.engine.local.jobfiles import (
    ExitStatus,
    JobFiles,
    MonitorInfo,
    MonitorStartError,
    start_monitor,
)
from jobtui.engine.local.runners import exit_failure, write_within
from jobtui.engine.output import OutputStore
from jobtui.engine.states import JobFailure, JobState

log = logging.getLogger(__name__)

#: How often a transcript that grew is looked at again, and the longest wait for a quiet one.
FAST_POLL = 0.05
SLOW_POLL = 0.5
#: With inotify, a quiet transcript is watched, and looked at this often only in case a write
#: went unseen.
WATCHED_POLL = 10.0
#: Bytes read from a transcript in one go (a flood is followed in steps, not in one read).
_READ_LIMIT = 4 * 1024 * 1024
INPUT_FILE = "stdin"
#: The FIFO a running job reads its input from (the host writes it, its monitor holds it open).
INPUT_FIFO = "stdin.fifo"


TRANSCRIPT = "out.log"


def runaway_note(dropped: int) -> str:
    """The StatusMessage of a job whose output alone passed the disk budget."""
    return (
        f"{dropped:,} bytes of the middle of its output were dropped: the transcript passed "
        "its disk budget (its head and its tail are kept)."
    )


class MonitoredRunner:
    """One job run by a monitor: started here, or adopted from a monitor a previous host started."""

    capabilities: ClassVar[Capabilities] = Capabilities(suspend=True, input=True)

    def __init__(
        self,
        job: Job,
        job_dir: Path,
        follower: Follower,
        on_output: Callable[[Job], None],
        on_finished: Callable[[Job], None],
        *,
        argv: Sequence[str] = (),
        cwd: str = "",
        env: dict[str, str] | None = None,
        stdin: bytes | None = None,
        limit: int | None = None,
        server: ForkServer | None = None,
    ) -> None:
        assert job.output is not None
        self.job = job
        self.backend = LOCALHOST
        self.files = JobFiles(job_dir)
        self.store: OutputStore = job.output
        self._info: MonitorInfo | None = None
        #: Bytes of ``out.log`` already in the store.
        self.cursor = 0
        self._argv = list(argv)
        self._cwd = cwd
        self._env = env
        self._stdin = stdin
        self._limit = limit
        #: Where the monitor is forked from (None: started as a program of its own).
        self._server = server
        #: Set once the fork server's monitor has answered (None: no answer is awaited).
        self._answered: threading.Event | None = None
        #: Bytes of the middle of the output the limit dropped (known when the job ends).
        self.dropped_bytes = 0
        self._follower = follower
        self._on_output = on_output
        self._on_finished = on_finished
        self._process: subprocess.Popen[bytes] | None = None
        self._pidfd: int | None = None
        self._done = False
        # When the transcript is looked at next, and how long to wait after that.
        self.due = 0.0
        self.interval = FAST_POLL
        self._size = -1
        self._transcript = str(job_dir / TRANSCRIPT)  # a str: a stat of a Path costs 4x more
        #: Whether the follower's growth watch tells of the transcript's writes (it is quiet).
        self.watched = False
        #: The job's input FIFO while it takes input (None: -InputObject, or closed).
        self._fifo: Path | None = None
        self._fifo_link: str | None = None
        self._input_fd: int | None = None

    @property
    def transcript(self) -> str:
        """The path of the job's ``out.log``."""
        return self._transcript

    @property
    def info(self) -> MonitorInfo | None:
        """What the monitor said of itself and the job; None until it has (or if it never did).

        Waits for a start through the fork server to be answered (a few milliseconds).
        """
        if self._info is None:
            self.wait_started()
        return self._info

    @property
    def accepts_input(self) -> bool:
        """True while the job's input FIFO is open (a job given -InputObject has a file)."""
        return self._fifo is not None and not self._done

    @property
    def pid(self) -> int | None:
        """The job's main process while it runs (None before the monitor has said, or after):
        the process monitor samples the tree under it."""
        return None if self._done else self.job.process.pid

    @property
    def stdin_link(self) -> str | None:
        """What the job's ``/proc/PID/fd/0`` reads while its input FIFO is open (the FIFO's
        real path), else None: how the process monitor tells a job blocked on its input."""
        fifo = self._fifo
        if fifo is None or self._done:
            return None
        if self._fifo_link is None:  # resolved once: the sampler asks every tick
            self._fifo_link = os.path.realpath(fifo)
        return self._fifo_link

    @property
    def details(self) -> ProcessInfo:
        """The job's pid, exit code, signal and working directory."""
        return self.job.process

    @property
    def done(self) -> bool:
        """True once the job's final state is set."""
        return self._done

    # -- start and adoption ---------------------------------------------------------------

    def start(self) -> None:
        """Start the monitor; the job is Running once the monitor says so (or Failed, and why).

        A monitor forked by the fork server is asked for and not waited for: the job is
        Running at once, as a remote job is while it connects, and the answer is taken on
        the server's thread (a thousand starts overlap instead of queueing). Anything that
        needs the monitor (stop, suspend, its pid) waits for that answer first.
        """
        # The input FIFO (and the directory) are made by the monitor (``--stdin-fifo``): a
        # start makes no file here, which took the host's thread 0.7 ms a job on ext4.
        fifo = self._stdin is None
        stdin_file = self.files.dir / (INPUT_FIFO if fifo else INPUT_FILE)
        try:
            if not fifo:
                self.files.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
                stdin_file.write_bytes(self._stdin or b"")
            if self._server is None:
                self._process, info = start_monitor(
                    self.files.dir, self._argv, cwd=self._cwd, tag=str(self.job.instance_id),
                    env=self._env, stdin=stdin_file, limit=self._limit, fifo=fifo,
                )  # fmt: skip
        except (MonitorStartError, OSError) as exc:
            self._not_started(exc)
            return
        if fifo:
            self._fifo = stdin_file  # written once the monitor holds it (send_input waits)
        if self._server is None:
            self._started(info, None)
            return
        self.job.set_state(JobState.Running)
        # Only now: whoever asks for ``info`` (under the engine's lock, the history's writer)
        # may wait for an answer once it has been asked for, never before.
        self._answered = threading.Event()
        start = Start(
            self.files.dir, self._argv, cwd=self._cwd, tag=str(self.job.instance_id),
            env=self._env, stdin=stdin_file, limit=self._limit, fifo=fifo,
        )  # fmt: skip
        self._server.submit(start, self._started)

    def _started(self, info: MonitorInfo | None, error: BaseException | None) -> None:
        """The monitor's answer: follow the job, or fail it with the reason."""
        try:
            if info is None:
                self._not_started(error or MonitorStartError("the job monitor did not start"))
                return
            self._attach()
            self._begin(info)
            if self.job.state is JobState.NotStarted:  # started as a program: waited for
                self.job.set_state(JobState.Running)
            self._follower.add(self)
        finally:
            if self._answered is not None:
                self._answered.set()

    def _not_started(self, exc: BaseException) -> None:
        text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        self.store.close()
        self._done = True
        failure = JobFailure(f"The job could not be started: {text}.")
        if self._answered is not None:
            self._answered.set()  # before the state's listeners run: they may ask for info
        self.job.set_state(JobState.Failed, failure)
        self._on_finished(self.job)

    def wait_started(self, timeout: float = 30.0) -> None:
        """Wait for the monitor's answer, if one is awaited (a start through the fork server)."""
        if self._answered is not None:
            self._answered.wait(timeout)

    def _attach(self) -> None:
        """Let the store read the monitor's transcript in place (one copy of it on disk)."""
        with contextlib.suppress(OSError, ValueError):  # else it keeps its own copy
            self.store.attach_file(str(self.files.dir / TRANSCRIPT))

    def adopt(self, info: MonitorInfo, cursor: int) -> None:
        """Follow a job whose monitor a previous host started (the job is Running already)."""
        self.cursor = cursor
        fifo = self.files.dir / INPUT_FIFO
        if fifo.exists():  # its monitor kept it open for the next host: input goes on
            self._fifo = fifo
        self._begin(info)
        self._follower.add(self)

    def _begin(self, info: MonitorInfo) -> None:
        self._info = info
        self.job.process.pid = info.job_pid
        self.job.process.cwd = info.cwd
        if hasattr(os, "pidfd_open"):
            try:
                self._pidfd = os.pidfd_open(info.monitor_pid)
            except OSError:  # it has ended already: the follower finds exit.json
                self._pidfd = None
        if self._process is None and self._pidfd is not None and not _same_process(info):
            # Checked after the pidfd is taken: a pid reused by another process (after a
            # reboot, or a long time) must not be waited for as if it were the monitor.
            os.close(self._pidfd)
            self._pidfd = None

    @property
    def pidfd(self) -> int | None:
        """A descriptor that becomes readable when the monitor exits (None: poll for it)."""
        return self._pidfd

    # -- following (the follower's thread) ------------------------------------------------

    def follow(self, now: float) -> None:
        """Take what the transcript gained since the last look; slow down while it is quiet."""
        if now < self.due:
            return
        try:
            size = os.stat(self._transcript).st_size
        except OSError:
            size = 0
        if size != self._size or size > self.cursor:
            self._size = size
            self._take()
            self.interval = FAST_POLL
        else:
            self.interval = min(self.interval * 2, SLOW_POLL)
        # On a grid of the interval: quiet jobs are looked at together, in one wake-up of the
        # thread, not each at its own moment (200 jobs would wake it 400 times a second).
        grid = SLOW_POLL if self.interval >= SLOW_POLL else FAST_POLL
        self.due = (int((now + self.interval) / grid) + 1) * grid

    def _take(self, until_end: bool = False) -> None:
        while True:
            before = self.cursor
            try:
                self.cursor = self.files.append_to(self.store, self.cursor, _READ_LIMIT)
            except OSError as exc:
                log.warning("transcript of job %s not read: %s", self.job.id, exc)
                return
            if self.cursor != before:
                self._on_output(self.job)
            if self.cursor == before or (not until_end and self.cursor - before < _READ_LIMIT):
                return

    def monitor_gone(self) -> bool:
        """Without a pidfd: True once the monitor no longer runs."""
        if self._process is not None:
            return self._process.poll() is not None
        return not self.files.monitor_alive(self.info)

    def finish(self) -> None:
        """The monitor has exited: read the rest of the transcript, then how the job ended."""
        if self._done:
            return
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
        if self._process is not None:
            self._process.wait()
        self._take(until_end=True)
        status = self.files.exit_status()
        self.conclude(status, None if status else self._lost_reason())

    def _lost_reason(self) -> str:
        """What was lost: the machine was rebooted, or the monitor died (and the job with it)."""
        adoption = self.files.adopt()
        if adoption.reason and "rebooted" in adoption.reason:
            return adoption.reason
        pid = self.info.monitor_pid if self.info else "?"
        return (
            f"The job's monitor (pid {pid}) died without recording how the job ended; "
            "the job was ended with it, and its output up to then is kept."
        )

    def conclude(self, status: ExitStatus | None, lost: str | None) -> None:
        """Set the job's final state from its exit status (or Failed with ``lost`` as Reason)."""
        self._done = True
        self._close_input_fd()
        self.store.close()
        info = self.job.process
        if status is None:
            failure = JobFailure(lost or "The job's end was not recorded.")
            self.job.set_state(JobState.Failed, failure)
        else:
            if status.dropped_bytes:
                self.dropped_bytes = status.dropped_bytes
                top = self.job.parent or self.job
                top.status_message = runaway_note(status.dropped_bytes)
            code = status.exit_code
            if status.signal:
                info.signal = processes.signal_name(status.signal)
                code = -status.signal
            else:
                info.exit_code = code
            if self.job.stop_requested:
                self.job.set_state(*self.job.stopped_outcome())
            elif status.error:
                self.job.set_state(
                    JobState.Failed, JobFailure(f"The job could not be started: {status.error}.")
                )
            elif code == 0:
                self.job.set_state(JobState.Completed)
            else:
                self.job.set_state(
                    JobState.Failed, exit_failure(code or 0, self.store.last_error_line)
                )
        self._on_finished(self.job)

    # -- control (any thread) -------------------------------------------------------------

    def _job_pids(self, table: processes.ProcessTable | None = None) -> set[int]:
        if self.info is None:
            return set()
        table = table or processes.process_table()
        pids = table.job_pids(self.info.job_pid, self.info.pgid, str(self.job.instance_id))
        pids.discard(self.info.monitor_pid)
        return pids

    def suspend(self) -> None:
        """SIGSTOP every process of the job (not its monitor)."""
        self._signal_tree(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT every process of the job."""
        self._signal_tree(signal.SIGCONT)

    def _signal_tree(self, sig: int) -> None:
        self.wait_started()
        if not self._done and self.info is not None:
            processes.signal_pids(self._job_pids(), self.info.pgid, sig)

    def send_input(self, data: bytes, timeout: float = 1.0) -> int:
        """Write ``data`` to the job's input FIFO; the bytes written before ``timeout``."""
        self.wait_started()  # until its monitor holds the FIFO, an open of it would fail
        if self._fifo is None or self._done:
            raise BrokenPipeError("the job's input is closed")
        if self._input_fd is None:
            try:  # the job (and its monitor) hold the reading end: this does not wait
                self._input_fd = os.open(self._fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno == errno.ENXIO:  # no reader left: the job closed its input
                    raise BrokenPipeError("the job no longer reads its input") from None
                raise
        return write_within(self._input_fd, data, timeout)

    def close_input(self) -> None:
        """Close the job's input: the FIFO goes (a later host finds none, so takes no input),
        and the monitor is told to let go of its write end (SIGUSR1), so the job reads the end
        of file. A job whose input was /dev/null or a file has nothing to close."""
        self.wait_started()  # the monitor must have opened the FIFO before it goes
        fifo, self._fifo = self._fifo, None
        self._close_input_fd()
        if fifo is None:
            return
        with contextlib.suppress(FileNotFoundError):
            fifo.unlink()
        info = self.info
        if info is not None and not self._done and self.files.monitor_alive(info):
            with contextlib.suppress(ProcessLookupError):
                os.kill(info.monitor_pid, signal.SIGUSR1)

    def _close_input_fd(self) -> None:
        fd, self._input_fd = self._input_fd, None
        if fd is not None:
            os.close(fd)

    @staticmethod
    def terminate_many(runners: Sequence[MonitoredRunner], grace: float) -> None:
        """SIGTERM every job (through its monitor and its processes), SIGKILL what is left
        after ``grace``; return when each monitor has recorded the end."""
        for runner in runners:
            runner.wait_started()
        live = [r for r in runners if not r._done and r.info is not None]
        table = processes.process_table()
        pids: set[int] = set()
        for runner in live:
            assert runner.info is not None
            mine = runner._job_pids(table)
            pids |= mine
            processes.signal_pids(mine, runner.info.pgid, signal.SIGTERM)
            processes.signal_pids(mine, runner.info.pgid, signal.SIGCONT)
        left = processes.wait_gone(pids, grace)
        for _ in range(5):
            table = processes.process_table()
            for runner in live:
                left |= runner._job_pids(table)
            if not left:
                break
            for runner in live:
                assert runner.info is not None
                processes.signal_pids((), runner.info.pgid, signal.SIGKILL)
            processes.signal_pids(left, None, signal.SIGKILL)
            left = processes.wait_gone(left, 1.0)
        for follower in {id(runner._follower): runner._follower for runner in live}.values():
            follower.wake()  # once each: a wake looks at every job it follows
        for runner in live:
            if not runner.job.finished.wait(5.0):
                log.warning("the monitor of job %s did not record the end", runner.job.id)


def _same_process(info: MonitorInfo) -> bool:
    """Whether a pidfd just taken on ``info.monitor_pid`` is the monitor's own.

    A process of another start time (or of another boot) is not. A process gone already is
    taken as it: either it was the monitor, which has ended (its pidfd is readable, and
    exit.json says how the job ended), or the pid had been reused, which means the monitor
    had ended before. A monitor forked by the fork server is reaped as soon as it ends, so a
    short job's monitor is often gone by now; a test of "alive" would lose its pidfd.
    """
    if info.boot_id is not None and info.boot_id != jobmonitor.boot_id():
        return False
    start = jobmonitor.process_start(info.monitor_pid)
    return start is None or start == info.monitor_start


class Follower:
    """The one thread that follows every monitored job's transcript and monitor."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: Every job followed (a dict: insertion order, and a removal that is not a scan).
        self._runners: dict[MonitoredRunner, None] = {}
        #: Jobs added since the thread last looked (their pidfds are yet to be polled).
        self._added: list[MonitoredRunner] = []
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._thread: threading.Thread | None = None
        self._closed = False

    def add(self, runner: MonitoredRunner) -> None:
        """Follow one more job (started or adopted): it is looked at in the next wake-up.

        Only the new job is due now: a start does not make every other job's transcript
        due again (a burst of 1,000 starts made 1,000 wake-ups that each looked at all).
        """
        runner.due = 0.0
        with self._lock:
            self._runners[runner] = None
            self._added.append(runner)
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(
                    target=self._run, name="jobtui-follower", daemon=True
                )
                self._thread.start()
        with contextlib.suppress(BlockingIOError, OSError):
            os.write(self._wake_w, b"x")

    def wake(self) -> None:
        """Look at every job now."""
        with contextlib.suppress(BlockingIOError, OSError):
            os.write(self._wake_w, b"x")
        with self._lock:
            for runner in self._runners:
                runner.due = 0.0

    @staticmethod
    def _watch_if_quiet(watch: GrowthWatch, runner: MonitoredRunner, now: float) -> None:
        """A quiet transcript is watched rather than polled; one that writes, polled."""
        if runner.interval < SLOW_POLL:
            if runner.watched:
                watch.unwatch(runner)
                runner.watched = False
        elif runner.watched:
            runner.due = now + WATCHED_POLL
        elif watch.watch(runner.transcript, runner):
            # A write between the last look and the watch would go untold: look once more.
            runner.watched = True
            runner.due = 0.0

    @staticmethod
    def _written(watch: GrowthWatch, runners: list[MonitoredRunner]) -> None:
        """The watched transcripts written to are due now (all of them if events were lost)."""
        written, overflowed = watch.written()
        for runner in runners if overflowed else written:
            if isinstance(runner, MonitoredRunner):
                runner.due = 0.0

    def close(self) -> None:
        """Stop following (the jobs' monitors go on, or have ended)."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self.wake()
        if thread is not None:
            thread.join(5.0)
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _run(self) -> None:
        poller = select.poll()
        poller.register(self._wake_r, select.POLLIN)
        watch = open_growth_watch()
        if watch is not None:
            poller.register(watch.fileno(), select.POLLIN)
        registered: dict[int, MonitoredRunner] = {}
        try:
            self._follow(poller, registered, watch)
        finally:
            if watch is not None:
                watch.close()

    def _follow(
        self,
        poller: select.poll,
        registered: dict[int, MonitoredRunner],
        watch: GrowthWatch | None,
    ) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
                runners = list(self._runners)
                added, self._added = self._added, []
            for runner in added:
                fd = runner.pidfd
                if fd is not None and fd not in registered:
                    registered[fd] = runner
                    poller.register(fd, select.POLLIN)
            now = time.monotonic()
            due = min((r.due for r in runners), default=now + 60.0)
            timeout = max(0, int((due - now) * 1000) + 1)
            try:
                ready = poller.poll(timeout)
            except InterruptedError:
                continue
            ended: list[MonitoredRunner] = []
            for fd, _ in ready:
                if fd == self._wake_r:
                    with contextlib.suppress(BlockingIOError):
                        os.read(self._wake_r, 4096)
                elif watch is not None and fd == watch.fileno():
                    self._written(watch, runners)
                elif fd in registered:
                    poller.unregister(fd)
                    ended.append(registered.pop(fd))
            now = time.monotonic()
            for runner in runners:
                if runner.due > now and runner.pidfd is not None:
                    continue  # not due (the test of follow(), without a call per job)
                try:
                    runner.follow(now)
                    if watch is not None:
                        self._watch_if_quiet(watch, runner, now)
                    if runner.pidfd is None and runner not in ended and runner.monitor_gone():
                        ended.append(runner)
                except Exception:  # one job's files must not stop the others being followed
                    log.exception("following job %s failed", runner.job.id)
            for runner in ended:
                if watch is not None:
                    watch.unwatch(runner)
                try:
                    runner.finish()
                except Exception:
                    log.exception("ending job %s failed", runner.job.id)
                with self._lock:
                    self._runners.pop(runner, None)
