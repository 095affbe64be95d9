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
from collections.abc import Iterable

import psutil

#: The variable that tags every process of a job with the job's InstanceId.
JOB_TAG = "JOBTUI_JOB"
#: The variable that tags every process of every job of one jobtui session.
SESSION_TAG = "JOBTUI_SESSION"

_LINUX = sys.platform.startswith("linux")
# Syscall numbers of read(2) and readv(2): what a process blocked on its stdin sits in.
_READ_SYSCALLS = {"x86_64": {0, 19}, "aarch64": {63, 65}, "arm64": {63, 65}}.get(
    platform.machine(), set()
)


def tagged_pids(variable: str, value: str) -> set[int]:
    """Pids of processes whose environment has ``variable=value`` (ours, that we may read)."""
    needle = f"{variable}={value}".encode()
    found: set[int] = set()
    me = os.getpid()
    if _LINUX:
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == me:
                continue
            try:
                with open(f"/proc/{entry}/environ", "rb") as fh:
                    env = fh.read()
            except OSError:
                continue
            if needle in env.split(b"\0"):
                found.add(int(entry))
        return found
    for proc in psutil.process_iter():
        try:
            if proc.pid != me and proc.environ().get(variable) == value:
                found.add(proc.pid)
        except (psutil.Error, OSError):
            continue
    return found


def job_pids(pid: int | None, pgid: int | None, tag: str | None) -> set[int]:
    """Every live process of a job: the tree under ``pid``, group ``pgid`` and the ``tag``."""
    pids: set[int] = set()
    if pid is not None:
        try:
            main = psutil.Process(pid)
            pids.add(pid)
            pids.update(child.pid for child in main.children(recursive=True))
        except psutil.Error:
            pass
    if tag is not None:
        pids |= tagged_pids(JOB_TAG, tag)
    if pgid is not None and _LINUX:
        pids |= _group_members(pgid)
    return {p for p in pids if _alive(p)}


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


def is_reading_stdin(pid: int, stdin_inode: int) -> bool:
    """True if ``pid`` sleeps in read(2) on a stdin that is the job's own input pipe (Linux)."""
    if not _LINUX:
        return False
    try:
        if os.readlink(f"/proc/{pid}/fd/0") != f"pipe:[{stdin_inode}]":
            return False
        with open(f"/proc/{pid}/syscall") as fh:
            fields = fh.read().split()
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


def _group_members(pgid: int) -> set[int]:
    members: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.getpgid(int(entry)) == pgid:
                members.add(int(entry))
        except OSError:
            continue
    return members


def _alive(pid: int) -> bool:
    """True for a live process; a zombie counts as gone (it no longer runs)."""
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False
