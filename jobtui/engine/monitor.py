"""Samples running jobs' CPU and memory and notices jobs blocked on input, on one thread.

The thread lives only while process jobs run, and one /proc scan per tick serves every job.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import psutil

from jobtui.engine import processes
from jobtui.engine.job import Job
from jobtui.engine.runners import ProcessRunner
from jobtui.engine.states import JobState

#: Seconds between samples.
DEFAULT_INTERVAL = 2.0


class ProcessMonitor:
    """Keeps ``job.process`` statistics current and moves jobs between Running and Blocked."""

    def __init__(
        self,
        running_jobs: Callable[[], list[Job]],
        on_sampled: Callable[[Job], None],
        interval: float = DEFAULT_INTERVAL,
    ) -> None:
        self._running_jobs = running_jobs
        self._on_sampled = on_sampled
        self.interval = interval
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._procs: dict[int, psutil.Process] = {}

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
        while not self._stop.wait(self.interval):
            jobs = self._running_jobs()
            if not jobs:
                with self._lock:
                    if not self._running_jobs():
                        self._thread = None
                        self._procs.clear()
                        return
                continue
            self.sample(jobs)

    def sample(self, jobs: list[Job]) -> None:
        """Take one sample of every given job (called by the thread, or directly in tests)."""
        children: dict[int, list[int]] = {}
        for proc in psutil.process_iter(["ppid"]):
            children.setdefault(proc.info["ppid"] or 0, []).append(proc.pid)
        seen: set[int] = set()
        for job in jobs:
            runner = job.runner
            if not isinstance(runner, ProcessRunner) or runner.pid is None:
                continue
            tree = _descendants(runner.pid, children)
            seen |= tree
            self._sample_job(job, runner, tree)
        for pid in set(self._procs) - seen:
            del self._procs[pid]

    def _sample_job(self, job: Job, runner: ProcessRunner, tree: set[int]) -> None:
        cpu = 0.0
        rss = 0
        blocked = False
        inode = runner.stdin_inode if runner.stdin_open else None
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
            if inode is not None and not blocked:
                blocked = processes.is_reading_stdin(pid, inode)
        info = job.process
        info.cpu_percent, info.memory_rss, info.process_count = cpu, rss, len(tree)
        if blocked:
            job.transition(JobState.Running, JobState.Blocked)
        else:
            job.transition(JobState.Blocked, JobState.Running)
        job.touch()
        self._on_sampled(job)


def _descendants(pid: int, children: dict[int, list[int]]) -> set[int]:
    found = {pid}
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found
