"""Samples running jobs' CPU and memory and notices jobs blocked on input, on one thread.

The thread lives only while process jobs run. On Linux a tick reads only the jobs' own processes
in /proc (each one's ``stat``, and the ``children`` of each), never the whole process table:
with 200 jobs running that is far cheaper than a psutil scan of every process on the machine.
Elsewhere one psutil scan per tick serves every job. A job is touched (its version moves, so the
UI redraws it) only when a reading changed, and the thread waits longer between ticks when ticks
get expensive, so that watching stays a small part of a core.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from jobtui.engine.job import Job
from jobtui.engine.local import processes
from jobtui.engine.states import JobState

#: Seconds between samples.
DEFAULT_INTERVAL = 2.0
#: A tick may take at most this share of the time between ticks (the wait grows past that).
MAX_DUTY = 0.002

_PROC_CHILDREN = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children")
_TICKS = os.sysconf("SC_CLK_TCK") if _PROC_CHILDREN else 100
_PAGE = os.sysconf("SC_PAGE_SIZE") if _PROC_CHILDREN else 4096

#: What the monitor called back with: the job, and whether what it shows changed.
SampleListener = Callable[[Job, bool], None]


class Sampled(Protocol):
    """A running job as the monitor samples it: an engine's process job, or a monitored one."""

    @property
    def job(self) -> Job: ...

    @property
    def pid(self) -> int | None: ...

    @property
    def stdin_link(self) -> str | None: ...


class ProcessMonitor:
    """Keeps ``job.process`` statistics current and moves jobs between Running and Blocked."""

    def __init__(
        self,
        running: Callable[[], Sequence[Sampled]],
        on_sampled: SampleListener,
        interval: float = DEFAULT_INTERVAL,
    ) -> None:
        self._running = running
        self._on_sampled = on_sampled
        self.interval = interval
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._procs: dict[int, Any] = {}  # pid -> psutil.Process (off Linux)
        # (pid, start time) -> (CPU ticks, when read): the previous reading of each process.
        self._readings: dict[tuple[int, int], tuple[int, float]] = {}

    def ensure_running(self) -> None:
        """Start the sampling thread if it is not running."""
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(
                    target=self._run, name="jobtui-monitor", daemon=True
                )
                self._thread.start()

    def close(self) -> None:
        """Stop sampling."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _run(self) -> None:
        wait = self.interval
        while not self._stop.wait(wait):
            runners = self._running()
            if not runners:
                with self._lock:
                    if not self._running():
                        self._thread = None
                        self._procs.clear()
                        self._readings.clear()
                        return
                continue
            started = time.thread_time()
            self.sample(runners)
            wait = max(self.interval, (time.thread_time() - started) / MAX_DUTY)

    def sample(self, runners: Sequence[Sampled]) -> None:
        """Take one sample of every given job (called by the thread, or directly in tests)."""
        if _PROC_CHILDREN:
            self._sample_proc(runners)
        else:
            self._sample_psutil(runners)

    # -- Linux: the jobs' own entries in /proc ---------------------------------------------------

    def _sample_proc(self, runners: Sequence[Sampled]) -> None:
        now = time.monotonic()
        readings: dict[tuple[int, int], tuple[int, float]] = {}
        for runner in runners:
            root = runner.pid
            if root is None:
                continue
            cpu = 0.0
            rss = 0
            count = 0
            blocked = False
            link = runner.stdin_link
            stack = [root]
            seen: set[int] = set()
            while stack:
                pid = stack.pop()
                if pid in seen:
                    continue
                seen.add(pid)
                stat = _read_stat(pid)
                if stat is None:
                    continue
                key, ticks, memory, threads = (pid, stat[0]), stat[1], stat[2], stat[3]
                count += 1
                rss += memory
                previous = self._readings.get(key)
                if previous is not None and now > previous[1]:
                    cpu += 100.0 * max(0, ticks - previous[0]) / _TICKS / (now - previous[1])
                readings[key] = (ticks, now)
                stack.extend(_children(pid, threads))
                if link is not None and not blocked:
                    blocked = processes.is_reading_stdin(pid, link)
            self._record(runner.job, cpu, rss, count, blocked)
        self._readings = readings

    # -- elsewhere: one psutil scan ----------------------------------------------------------------

    def _sample_psutil(self, runners: Sequence[Sampled]) -> None:
        import psutil  # off Linux only: here, not at the top, so the app starts faster

        children: dict[int, list[int]] = {}
        for proc in psutil.process_iter(["ppid"]):
            children.setdefault(proc.info["ppid"] or 0, []).append(proc.pid)
        seen: set[int] = set()
        for runner in runners:
            root = runner.pid
            if root is None:
                continue
            tree = _descendants(root, children)
            seen |= tree
            cpu = 0.0
            rss = 0
            blocked = False
            link = runner.stdin_link
            for pid in tree:
                proc = self._procs.get(pid)
                try:
                    if proc is None:
                        proc = self._procs[pid] = psutil.Process(pid)
                        proc.cpu_percent(None)  # the first call only starts the measurement
                    else:
                        cpu += proc.cpu_percent(None)
                    rss += proc.memory_info().rss
                except psutil.Error:
                    continue
                if link is not None and not blocked:
                    blocked = processes.is_reading_stdin(pid, link)
            self._record(runner.job, cpu, rss, len(tree), blocked)
        for pid in set(self._procs) - seen:
            del self._procs[pid]

    def _record(self, job: Job, cpu: float, rss: int, count: int, blocked: bool) -> None:
        info = job.process
        before = (info.cpu_percent, info.memory_rss, info.process_count, job.state)
        info.cpu_percent, info.memory_rss, info.process_count = cpu, rss, count
        if blocked:
            job.transition(JobState.Running, JobState.Blocked)
        else:
            job.transition(JobState.Blocked, JobState.Running)
        # A sleeping job reads the same every time: nothing to redraw.
        changed = before != (cpu, rss, count, job.state)
        if changed:
            job.touch()
        self._on_sampled(job, changed)


def _read(path: str) -> bytes | None:
    """A small /proc file in one read (a raw descriptor: half the cost of ``open``)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        return os.read(fd, 4096)
    except OSError:
        return None
    finally:
        os.close(fd)


def _read_stat(pid: int) -> tuple[int, int, int, int] | None:
    """(start time, CPU ticks, resident bytes, threads) of a live process, from /proc/PID/stat."""
    data = _read(f"/proc/{pid}/stat")
    if data is None:
        return None
    fields = data.rsplit(b")", 1)[1].split()
    if len(fields) < 22 or fields[0] == b"Z":
        return None
    # After the name: state(0) ... utime(11) stime(12) ... num_threads(17) starttime(19) rss(21)
    return (
        int(fields[19]),
        int(fields[11]) + int(fields[12]),
        int(fields[21]) * _PAGE,
        int(fields[17]),
    )


def _children(pid: int, threads: int) -> list[int]:
    """The children of ``pid``: each of its threads lists the ones it started."""
    tids = [str(pid)]
    if threads > 1:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return []
    found: list[int] = []
    for tid in tids:
        data = _read(f"/proc/{pid}/task/{tid}/children")
        if data:
            found.extend(int(child) for child in data.split())
    return found


def _descendants(pid: int, children: dict[int, list[int]]) -> set[int]:
    found = {pid}
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found
