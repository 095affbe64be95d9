"""An exclusive lock on a file: one history writer, one host listener, per user.

It is a POSIX record lock (``os.lockf``), not ``flock``:

- it dies with its process, so a crashed host never blocks the next one (a pid file would);
- a forked child (a job monitor) does not inherit it, so a monitor that outlives its host
  cannot keep the next host out;
- NFS carries it to the server (``flock`` there is emulated by the same lock anyway).

A record lock belongs to the process, not to the open file, so a second holder in the same
process would be let in: a registry of the files this process holds refuses it too.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

_HELD: set[tuple[int, int]] = set()  # (device, inode) of every lock file this process holds
_HELD_GUARD = threading.Lock()


class FileLock:
    """An exclusive lock on ``path`` (made if missing); the holder writes its pid into it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._key: tuple[int, int] | None = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock without waiting; False if another holder has it."""
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        info = os.fstat(fd)
        key = (info.st_dev, info.st_ino)
        with _HELD_GUARD:
            if key in _HELD:
                os.close(fd)
                return False
            try:
                os.lockf(fd, os.F_TLOCK, 0)
            except OSError:  # EACCES or EAGAIN: another process holds it
                os.close(fd)
                return False
            _HELD.add(key)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd, self._key = fd, key
        return True

    def release(self) -> None:
        """Let the next holder in."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):  # a read-only disk: the lock goes with the close
            os.ftruncate(fd, 0)
        with _HELD_GUARD:
            os.close(fd)  # closing any descriptor of the file drops a record lock
            if self._key is not None:
                _HELD.discard(self._key)

    def holder_pid(self, wait: float = 1.0) -> int | None:
        """The pid the holder wrote, waiting up to ``wait`` seconds for it (it writes just
        after it locks); None if there is none."""
        deadline = time.monotonic() + wait
        while True:
            try:
                text = self.path.read_text(errors="replace").strip()
            except OSError:
                return None
            if text.isdigit():
                return int(text)
            if time.monotonic() > deadline:
                return None
            time.sleep(0.01)
