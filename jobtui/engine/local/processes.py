"""Process trees: find every process of a job (even ones that escaped with setsid), signal them.

A job's processes are its main process, that process's descendants, its process group, and any
process whose environment carries the job's tag (``JOBTUI_JOB``): a daemon that double-forked into
a new session has left the tree and the group, but not the environment it inherited.
"""

from __future__ import annotations

import contextlib
import os
import platform
import signal
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

#: The variable that tags every process of a job with the job's InstanceId.
JOB_TAG = "JOBTUI_JOB"
#: The variable that tags every process of every job of one jobtui session.
SESSION_TAG = "JOBTUI_SESSION"

_LINUX = sys.platform.startswith("linux")
# Syscall numbers of read(2) and readv(2): what a process blocked on its stdin sits in.
_READ_SYSCALLS = {"x86_64": {0, 19}, "aarch64": {63, 65}, "arm64": {63, 65}}.get(
    platform.machine(), set()
)


@dataclass
class ProcessTable:
    """One pass over the system's processes: parents, groups and job tags, for many lookups.

    Stopping 500 jobs must cost one scan of /proc per sweep, not one per job.
    """

    alive: set[int] = field(default_factory=set)
    children: dict[int, list[int]] = field(default_factory=dict)
    groups: dict[int, set[int]] = field(default_factory=dict)
    tags: dict[str, set[int]] = field(default_factory=dict)

    def job_pids(self, pid: int | None, pgid: int | None, tag: str | None) -> set[int]:
        """The live processes of one job: the tree under ``pid``, group ``pgid``, the ``tag``."""
        found: set[int] = set()
        if pid is not None and pid in self.alive:
            stack = [pid]
            found.add(pid)
            while stack:
                for child in self.children.get(stack.pop(), ()):
                    if child not in found:
                        found.add(child)
                        stack.append(child)
        if pgid is not None:
            found |= self.groups.get(pgid, set())
        if tag is not None:
            found |= self.tags.get(tag, set())
        return found


def process_table(tag_variable: str = JOB_TAG) -> ProcessTable:
    """Scan every live process once (zombies excluded); tags are read from ``tag_variable``."""
    table = ProcessTable()
    me = os.getpid()
    prefix = f"{tag_variable}=".encode()
    for pid, ppid, pgid, environ in _scan(with_environ=True):
        if pid == me:
            continue
        table.alive.add(pid)
        table.children.setdefault(ppid, []).append(pid)
        table.groups.setdefault(pgid, set()).add(pid)
        for entry in environ:
            if entry.startswith(prefix):
                table.tags.setdefault(entry[len(prefix) :].decode(errors="replace"), set()).add(pid)
                break
    return table


def tagged_pids(variable: str, value: str) -> set[int]:
    """Pids of live processes whose environment has ``variable=value`` (ours, that we may read)."""
    return process_table(variable).tags.get(value, set())


def job_pids(pid: int | None, pgid: int | None, tag: str | None) -> set[int]:
    """Every live process of one job (a fresh scan; use a ProcessTable for many jobs)."""
    return process_table().job_pids(pid, pgid, tag)


def _scan(with_environ: bool) -> Iterator[tuple[int, int, int, list[bytes]]]:
    """(pid, ppid, pgid, environment entries) of every live process."""
    if _LINUX:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    fields = fh.read().rsplit(b")", 1)[1].split()
                if fields[0] == b"Z":
                    continue
                environ: list[bytes] = []
                if with_environ:
                    with open(f"/proc/{entry}/environ", "rb") as fh:
                        environ = fh.read().split(b"\0")
            except (OSError, IndexError):
                continue
            yield int(entry), int(fields[1]), int(fields[2]), environ
        return
    import psutil  # off Linux only: here, not at the top, so the app starts faster

    for proc in psutil.process_iter():
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            env = [f"{k}={v}".encode() for k, v in proc.environ().items()] if with_environ else []
            yield proc.pid, proc.ppid(), os.getpgid(proc.pid), env
        except (psutil.Error, OSError):
            continue


def signal_pids(pids: Iterable[int], pgid: int | None, sig: int) -> None:
    """Send ``sig`` to the group and to each pid; processes that are gone are skipped."""
    if pgid is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def wait_gone(pids: Iterable[int], timeout: float) -> set[int]:
    """Wait until the pids are gone or ``timeout`` passes; return those still alive.

    It never reaps: a job's main process is reaped by its runner, which needs the exit status.
    """
    deadline = time.monotonic() + timeout
    remaining = set(pids)
    delay = 0.005
    while True:
        remaining = {p for p in remaining if _alive(p)}
        if not remaining or time.monotonic() >= deadline:
            return remaining
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def is_reading_stdin(pid: int, stdin_link: str) -> bool:
    """True if ``pid`` sleeps in read(2) on a stdin that is the job's own input (Linux):
    ``stdin_link`` is what ``/proc/PID/fd/0`` reads then, ``pipe:[INODE]`` for a pipe of the
    engine's, or the path of a monitored job's input FIFO."""
    if not _LINUX:
        return False
    try:
        if os.readlink(f"/proc/{pid}/fd/0") != stdin_link:
            return False
        # A raw descriptor, not open(): the monitor asks this of every job's processes.
        fd = os.open(f"/proc/{pid}/syscall", os.O_RDONLY)
        try:
            fields = os.read(fd, 512).split()
        finally:
            os.close(fd)
    except OSError:
        return False
    if len(fields) < 2 or not fields[0].isdigit():
        return False  # "running" or not permitted: not blocked
    return int(fields[0]) in _READ_SYSCALLS and int(fields[1], 16) == 0


def signal_name(number: int) -> str:
    """SIGTERM for 15, and so on; the number itself when the platform has no name for it."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _alive(pid: int) -> bool:
    """True for a live process; a zombie counts as gone (it no longer runs)."""
    if _LINUX:
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
        except (OSError, IndexError):
            return False
    import psutil

    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False
