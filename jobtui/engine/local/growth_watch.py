"""Being told when a quiet transcript grows, instead of looking at it twice a second.

A session host follows every monitored job's ``out.log``. Two hundred sleeping jobs, each looked
at every half second, were 400 stats a second: half a percent of a core, for nothing. A job that
has gone quiet is watched here instead (Linux's inotify, through the C library: the standard
library has no binding), and looked at again only when its file is written. A job that writes
is still polled on its fast grid, unwatched, so a flood makes no event per write.

Where inotify cannot be had (another kernel, no watch left), :func:`open_growth_watch` returns
None and the caller polls quiet jobs as before.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import logging
import os
import struct
from collections.abc import Iterator

log = logging.getLogger(__name__)

_IN_MODIFY = 0x00000002
_IN_IGNORED = 0x00008000
_IN_Q_OVERFLOW = 0x00004000
_IN_NONBLOCK = os.O_NONBLOCK
_IN_CLOEXEC = os.O_CLOEXEC
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len (then len bytes of name)


class GrowthWatch:
    """An inotify instance: files watched for writes, each under the token given for it."""

    def __init__(self, libc: ctypes.CDLL, fd: int) -> None:
        self._libc = libc
        self._fd = fd
        self._tokens: dict[int, object] = {}
        self._watches: dict[object, int] = {}

    def fileno(self) -> int:
        """Readable when a watched file was written (for ``poll``)."""
        return self._fd

    def watch(self, path: str, token: object) -> bool:
        """Be told when ``path`` is written; False if it can't be watched (then poll it)."""
        if token in self._watches:
            return True
        wd = self._libc.inotify_add_watch(self._fd, os.fsencode(path), _IN_MODIFY)
        if wd < 0:
            code = ctypes.get_errno()
            if code not in (errno.ENOENT, errno.ENOSPC):
                log.debug("inotify_add_watch(%s): %s", path, os.strerror(code))
            return False
        self._tokens[wd] = token
        self._watches[token] = wd
        return True

    def unwatch(self, token: object) -> None:
        """Stop watching what ``token`` names (nothing if it is not watched)."""
        wd = self._watches.pop(token, None)
        if wd is not None:
            self._tokens.pop(wd, None)
            self._libc.inotify_rm_watch(self._fd, wd)

    def written(self) -> tuple[set[object], bool]:
        """The tokens of the files written since the last call, and whether events were lost
        (the kernel's queue overflowed: every watched file may have been written)."""
        written: set[object] = set()
        overflowed = False
        for wd, mask in self._events():
            if mask & _IN_Q_OVERFLOW:
                overflowed = True
            elif mask & _IN_IGNORED:
                # The file went (a removed job's directory): the watch is gone with it.
                token = self._tokens.pop(wd, None)
                if token is not None:
                    self._watches.pop(token, None)
                    written.add(token)
            elif (token := self._tokens.get(wd)) is not None:
                written.add(token)
        return written, overflowed

    def _events(self) -> Iterator[tuple[int, int]]:
        while True:
            try:
                data = os.read(self._fd, 64 * 1024)
            except BlockingIOError:
                return
            offset = 0
            while offset + _EVENT.size <= len(data):
                wd, mask, _cookie, length = _EVENT.unpack_from(data, offset)
                offset += _EVENT.size + length
                yield wd, mask

    def close(self) -> None:
        """Release the inotify instance (its watches go with it)."""
        self._tokens.clear()
        self._watches.clear()
        with contextlib.suppress(OSError):
            os.close(self._fd)


def open_growth_watch() -> GrowthWatch | None:
    """A new watch, or None where inotify is not to be had (then quiet files are polled)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        init = libc.inotify_init1
    except (OSError, AttributeError):
        return None
    init.restype = ctypes.c_int
    libc.inotify_add_watch.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32)
    libc.inotify_rm_watch.argtypes = (ctypes.c_int, ctypes.c_int)
    fd = init(_IN_NONBLOCK | _IN_CLOEXEC)
    if fd < 0:
        log.debug("inotify_init1: %s", os.strerror(ctypes.get_errno()))
        return None
    return GrowthWatch(libc, fd)
