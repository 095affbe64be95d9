"""The count past the cap: ``rg --count`` over exactly the bytes a search has not looked at yet.

Once a search has listed as many hits as it may, the rest of its ranges only need counting.
ripgrep counts a gigabyte in about a tenth of a second in a process of its own; Python reading
ripgrep's lines only to count them held the GIL for seconds on a dense pattern (``4`` over
170 MB of numbers is millions of lines), and the app's frames waited for their turn.

A range that is a whole finished transcript is counted in its file. Any other range (the rest
of a file after the hits taken, or a job still writing, whose file grows past the snapshot) is
fed to ripgrep through a pipe by ``os.sendfile``, which copies in the kernel without the GIL.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from jobtui.engine.local.ripgrep import RipgrepPattern, line_counts

logger = logging.getLogger(__name__)

#: Bytes handed to the pipe per ``sendfile`` call.
_FEED_CHUNK = 1 << 20


@dataclass(frozen=True)
class CountRange:
    """Bytes of one spill file still to count."""

    fd: int
    start: int
    stop: int
    #: The range is the whole file and the file no longer grows: ripgrep reads the file itself
    #: (the lines already taken are then subtracted).
    whole_file: bool


def count_rest(ranges: Sequence[CountRange], taken: Sequence[int], pattern: RipgrepPattern) -> int:
    """How many lines match in the ranges, past the ``taken`` lines of each whole file."""
    total = 0
    whole = [(r, t) for r, t in zip(ranges, taken, strict=True) if r.whole_file]
    if whole:
        counts = line_counts([r.fd for r, _ in whole], pattern)
        total += sum(max(0, c - t) for (_, t), c in zip(whole, counts, strict=True))
    for each in ranges:
        if not each.whole_file and each.start < each.stop:
            total += _count_range(each, pattern)
    return total


def _count_range(each: CountRange, pattern: RipgrepPattern) -> int:
    read_end, write_end = os.pipe()  # neither is inherited: ripgrep gets only the read end
    feeder = threading.Thread(
        target=_feed,
        args=(each.fd, each.start, each.stop, write_end),
        name="jobtui-search-feed",
        daemon=True,
    )
    feeder.start()
    try:
        (count,) = line_counts([read_end], pattern)
    finally:
        os.close(read_end)  # a feeder still writing (ripgrep failed) gets EPIPE and ends
        feeder.join()
    return count


def _feed(fd: int, start: int, stop: int, out: int) -> None:
    """Copy bytes ``[start, stop)`` of ``fd`` into the pipe ``out``, then close it."""
    try:
        at = start
        while at < stop:
            try:
                sent = os.sendfile(out, fd, at, min(stop - at, _FEED_CHUNK))
            except OSError as error:
                if error.errno not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSOCK):
                    raise
                _copy(fd, at, stop, out)  # no sendfile into a pipe here (macOS): read, write
                return
            if sent == 0:
                return  # the file is shorter than the snapshot said: nothing more to count
            at += sent
    except BrokenPipeError:
        return  # ripgrep ended before reading it all (it failed, and says so itself)
    except OSError as error:
        logger.warning("the count past the search's cap stopped early: %s", error)
    finally:
        os.close(out)


def _copy(fd: int, at: int, stop: int, out: int) -> None:
    while at < stop:
        chunk = os.pread(fd, min(stop - at, _FEED_CHUNK), at)
        if not chunk:
            return
        view = memoryview(chunk)
        while view:
            view = view[os.write(out, view) :]
        at += len(chunk)
