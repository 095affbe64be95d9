"""The Python search: ``bytes.find`` over the transcript's bytes, a regex only on candidate lines.

Measured on a 2.2 GB log (``reference`` figures in the docstring of :mod:`jobtui.engine.search`):
``mmap.find`` of a literal runs at about 2 GB/s, a regex behind a literal prefilter at about
1 GB/s, and a regex with nothing to prefilter 0.05-0.2 GB/s. Work is done in windows of
:data:`WINDOW` bytes so that a cancel is seen and progress reported several times a second, and
a regex reads at most a few KiB of a line at once (:func:`~.query.line_limit`): one 10 MiB line
cannot make a backtracking regex run for hours (``a.*b.*c`` is cubic in the line's length).
"""

from __future__ import annotations

import mmap
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from jobtui.engine.search.query import Matcher
from jobtui.engine.search.transcript import Line, Transcript

#: Bytes scanned between two looks at the cancel event (about 2-20 ms of work).
WINDOW = 4 * 1024 * 1024
#: Bytes lowered at once when case is ignored: copying and lowering a window holds the GIL
#: (4 MiB took 5-10 ms, gaps in the app's frames while it searched), 512 KiB about 1 ms.
FOLD_WINDOW = 512 * 1024
#: Places in one long line around which the regex reads (the prefilter literal's first few).
_WINDOWS_PER_LINE = 16
#: Lines between two looks at the cancel event when every line is tested.
_LINES_PER_SLICE = 4096

#: Called with each matching line; returns False to stop the scan (the cap was reached and
#: nothing needs counting).
OnLine = Callable[[Line], bool]
#: Called with the bytes searched so far.
OnProgress = Callable[[int], None]


@dataclass
class ScanStats:
    """What a scan noticed: lines whose regex test was clipped, and whether it was cancelled."""

    clipped_lines: int = 0
    cancelled: bool = False
    #: Bytes covered when the scan ended.
    searched: int = 0
    notes: list[str] = field(default_factory=list)


def line_matches(transcript: Transcript, line: Line, matcher: Matcher, stats: ScanStats) -> bool:
    """Whether one line matches the query (the regex sees at most REGEX_LINE_LIMIT bytes)."""
    data = transcript.data
    required = matcher.required
    if matcher.is_literal:
        if required is None:
            return True  # an empty literal matches every line
        if not matcher.required_folded:
            return data.find(required, line.start, line.end) >= 0
        return bytes(data[line.start : line.end]).lower().find(required) >= 0
    limit = matcher.line_limit
    if line.end - line.start <= limit:
        text, _ = transcript.text(line, limit)
        return matcher.line_regex.search(text) is not None
    stats.clipped_lines += 1
    if required is None:
        text, _ = transcript.text(line, limit)
        return matcher.line_regex.search(text) is not None
    # A long line: read it around the first places its required literal occurs. A match far
    # wider than the window (``^x.*needle`` over megabytes) is missed, and the result says so.
    half = limit // 2
    pos = line.start
    for _ in range(_WINDOWS_PER_LINE):
        at = _find(data, required, pos, line.end, matcher.required_folded)
        if at < 0:
            return False
        low, high = max(line.start, at - half), min(line.end, at + len(required) + half)
        text = bytes(data[low:high]).decode("utf-8", "replace")
        if matcher.line_regex.search(text) is not None:
            return True
        pos = at + 1
    return False


def _find(data: bytes | mmap.mmap, needle: bytes, start: int, end: int, folded: bool) -> int:
    if not folded:
        return data.find(needle, start, end)
    step = 1 << 20
    while start < end:
        reach = min(end, start + step + len(needle) - 1)
        at = bytes(data[start:reach]).lower().find(needle)
        if at >= 0:
            return start + at
        start += step
    return -1


def scan(
    transcript: Transcript,
    matcher: Matcher,
    on_line: OnLine,
    *,
    cancel: threading.Event | None = None,
    progress: OnProgress | None = None,
) -> ScanStats:
    """Call ``on_line`` with every line of the range that matches (or, inverted, does not)."""
    stats = ScanStats(searched=transcript.start)
    if matcher.query.invert or matcher.required is None:
        _scan_lines(transcript, matcher, on_line, stats, cancel, progress)
    else:
        _scan_required(transcript, matcher, on_line, stats, cancel, progress)
    return stats


def _scan_required(
    transcript: Transcript,
    matcher: Matcher,
    on_line: OnLine,
    stats: ScanStats,
    cancel: threading.Event | None,
    progress: OnProgress | None,
) -> None:
    """Find the required bytes window by window; test the line of each find, then skip it."""
    required = matcher.required
    assert required is not None
    pos, stop = transcript.start, transcript.stop
    finder = _Finder(transcript, required, matcher.required_folded)
    window = FOLD_WINDOW if matcher.required_folded else WINDOW
    while pos < stop:
        if cancel is not None and cancel.is_set():
            stats.cancelled = True
            break
        window_end = min(stop, pos + window)
        found = finder.find(pos, window_end)
        if found < 0:
            pos = window_end
            stats.searched = pos
            if progress is not None:
                progress(pos)
            continue
        line = transcript.line_at(found)
        if matcher.is_literal and found + len(required) > line.end:
            pos = found + 1  # it ran across a record's end, which ends a line: not a match
            continue
        if line.start < transcript.start:
            line = Line(transcript.start, line.end, line.next_start, line.record, line.number)
        if (matcher.is_literal or line_matches(transcript, line, matcher, stats)) and not on_line(
            line
        ):
            stats.searched = line.next_start
            return
        pos = line.next_start
    stats.searched = min(max(pos, stats.searched), stop)


class _Finder:
    """``find`` over the transcript's bytes, lowering a window at a time when case is ignored
    (the lowered window is kept while finds fall in it: dense hits would otherwise lower the
    same 4 MiB again for every line)."""

    def __init__(self, transcript: Transcript, needle: bytes, folded: bool) -> None:
        self.data = transcript.data
        self.stop = transcript.stop
        self.needle = needle
        self.folded = folded
        self._base = -1
        self._lowered = b""

    def find(self, pos: int, end: int) -> int:
        """The first offset in ``[pos, end)`` where the needle starts (it may run past ``end``)."""
        reach = min(self.stop, end + len(self.needle) - 1)
        if not self.folded:
            return self.data.find(self.needle, pos, reach)
        if not (self._base <= pos and reach <= self._base + len(self._lowered)):
            self._base = pos
            self._lowered = bytes(self.data[pos:reach]).lower()
        at = self._lowered.find(self.needle, pos - self._base, reach - self._base)
        return -1 if at < 0 else self._base + at


def _scan_lines(
    transcript: Transcript,
    matcher: Matcher,
    on_line: OnLine,
    stats: ScanStats,
    cancel: threading.Event | None,
    progress: OnProgress | None,
) -> None:
    """Test every line (a regex with nothing to prefilter, or -NotMatch)."""
    invert = matcher.query.invert
    for count, line in enumerate(iter_lines(transcript)):
        if count % _LINES_PER_SLICE == 0:
            if cancel is not None and cancel.is_set():
                stats.cancelled = True
                return
            stats.searched = line.start
            if progress is not None:
                progress(line.start)
        if line_matches(transcript, line, matcher, stats) != invert and not on_line(line):
            stats.searched = line.next_start
            return
    stats.searched = transcript.stop


def iter_lines(transcript: Transcript) -> Iterator[Line]:
    """Every line of the range, record by record, without a bisection or a count per line."""
    snapshot = transcript.snapshot
    data = transcript.data
    start, stop = transcript.start, transcript.stop
    if start >= stop:
        return
    first = transcript.line_at(start)
    index = first.record
    number = first.number
    pos = first.start if first.start >= start else start
    count = len(snapshot.offsets)
    while index < count and pos < stop:
        _, rec_end = transcript.record_bounds(index)
        while pos < rec_end and pos < stop:
            newline = data.find(b"\n", pos, rec_end)
            end, after = (rec_end, rec_end) if newline < 0 else (newline, newline + 1)
            yield Line(pos, end, after, index, number)
            number += 1
            pos = after
        index += 1
