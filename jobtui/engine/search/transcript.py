"""Lines of a store snapshot found from byte offsets: no line index, only the store's records.

A line of the transcript, as the store numbers it (and the output pane shows it), ends at a
newline or at the end of its record: a partial line that was flushed (a prompt, a 1 MiB piece of
a longer line) is a line of its own. Records are the sparse checkpoints: each knows how many
lines precede it (``lines_cum``) and holds at most about 64 KiB (or one longer line), so an
offset's line number is a bisection plus one count inside one record, and its stream and time
are the record's.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from jobtui.engine.output import StoreSnapshot, Stream


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the transcript: where its bytes are and which record holds it."""

    #: Offset of its first byte, and of the byte after its last (newline excluded).
    start: int
    end: int
    #: Where the next line starts (after the newline, or the record's end).
    next_start: int
    record: int
    #: Its number in the transcript, 0-based.
    number: int


class Transcript:
    """The line model over one snapshot, limited to the byte range a search covers."""

    def __init__(self, snapshot: StoreSnapshot, start: int = 0, stop: int | None = None) -> None:
        self.snapshot = snapshot
        self.data = snapshot.data
        self.start = start
        self.stop = snapshot.size if stop is None else min(stop, snapshot.size)
        #: The last line start numbered: ``(record, offset, number)``. Hits come in order, so
        #: the next one in the same record counts newlines from here, not from the record's
        #: start (dense hits in a 64 KiB record counted it whole for each: quadratic).
        self._counted: tuple[int, int, int] | None = None

    def record_of(self, offset: int) -> int:
        """The index of the record that holds byte ``offset``."""
        return bisect.bisect_right(self.snapshot.offsets, offset) - 1

    def record_bounds(self, index: int) -> tuple[int, int]:
        """The byte range of record ``index``."""
        offsets = self.snapshot.offsets
        end = offsets[index + 1] if index + 1 < len(offsets) else self.snapshot.size
        return offsets[index], end

    def stream(self, record: int) -> Stream:
        """The stream of a record."""
        return Stream(self.snapshot.streams[record])

    def time(self, record: int) -> float:
        """When a record arrived."""
        return self.snapshot.times[record]

    def line_at(self, offset: int, record: int | None = None) -> Line:
        """The line that holds byte ``offset``."""
        index = self.record_of(offset) if record is None else record
        rec_start, rec_end = self.record_bounds(index)
        data = self.data
        start = data.rfind(b"\n", rec_start, offset) + 1
        start = max(start, rec_start)
        newline = data.find(b"\n", offset, rec_end)
        end, next_start = (rec_end, rec_end) if newline < 0 else (newline, newline + 1)
        return Line(start, end, next_start, index, self._number(index, rec_start, start))

    def _number(self, index: int, rec_start: int, start: int) -> int:
        """The number of the line that starts at ``start`` in record ``index``."""
        counted = self._counted
        if counted is not None and counted[0] == index and counted[1] <= start:
            base, number = counted[1], counted[2]
        else:
            base, number = rec_start, self.snapshot.lines_cum[index - 1] if index else 0
        if start > base:
            number += self.data[base:start].count(b"\n")
        self._counted = (index, start, number)
        return number

    def next_line(self, line: Line) -> Line | None:
        """The line after ``line`` within the range, or None."""
        if line.next_start >= self.stop:
            return None
        return self.line_at(line.next_start, None)

    def previous_line(self, line: Line) -> Line | None:
        """The line before ``line`` within the range, or None."""
        if line.start <= self.start:
            return None
        return self.line_at(line.start - 1)

    def text(self, line: Line, limit: int) -> tuple[str, bool]:
        """The line's text (at most ``limit`` bytes of it) and whether it was clipped."""
        end = min(line.end, line.start + limit)
        raw = bytes(self.data[line.start : end])
        return raw.decode("utf-8", "replace"), end < line.end

    def lines(self, start: int, stop: int) -> list[Line]:
        """Every line that begins in ``[start, stop)``, in order (for -NotMatch and tests)."""
        result: list[Line] = []
        line: Line | None = self.line_at(start) if start < stop else None
        while line is not None and line.start < stop:
            result.append(line)
            line = self.next_line(line)
        return result
