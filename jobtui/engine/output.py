"""A job's transcript: every byte of stdout and stderr, in arrival order, stored compactly.

Records are runs of whole lines from one stream, kept as offsets into one byte log (memory first,
then an unlinked spill file), never as one Python object per line. Receive-Job moves a cursor over
the records; it never deletes them, so the full transcript stays readable.
"""

from __future__ import annotations

import bisect
import enum
import mmap
import os
import tempfile
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

#: Bytes a job keeps in memory before its transcript moves to a spill file.
DEFAULT_MEMORY_LIMIT = 256 * 1024
#: Bytes kept in memory when no spill file can be written; past this, output is counted as lost.
DEFAULT_HARD_LIMIT = 64 * 1024 * 1024
#: Consecutive chunks of one stream arriving within this many seconds form one record.
COALESCE_SECONDS = 0.25
#: A record stops growing at this size. A view that reads a few lines splits a whole record into
#: lines (and the growing last one again after every append), under the store's lock: 64 KiB
#: keeps that under half a millisecond; 1 MiB took 5-30 ms, which a flood turned into stalls.
_COALESCE_MAX_BYTES = 64 * 1024
_LINE_CACHE_CHUNKS = 64
#: The most a pipe's read takes at once (a job's pipes are made this large, where they can be).
READ_SIZE = 1024 * 1024


class Stream(enum.IntEnum):
    """PowerShell's stream names for what a process writes: stdout is Output, stderr is Error."""

    Output = 0
    Error = 1


@dataclass(frozen=True, slots=True)
class Record:
    """A run of output from one stream: whole lines, except a final or flushed partial line."""

    stream: Stream
    time: float
    data: bytes

    @property
    def text(self) -> str:
        """The bytes decoded as UTF-8; undecodable bytes become U+FFFD, never an exception."""
        return self.data.decode("utf-8", "replace")

    def lines(self) -> list[str]:
        """The record's lines, without their line terminators."""
        return split_lines(self.text)


def split_lines(text: str) -> list[str]:
    """Lines of ``text`` split at "\\n"; a trailing "\\n" does not start an empty line."""
    if not text:
        return []
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    return parts


def last_line(data: bytes | memoryview) -> str | None:
    """The last non-blank line of ``data``, stripped and cut to 500 characters (None: none):
    what a failed job's Reason quotes of its stderr."""
    for line in reversed(str(data, "utf-8", "replace").splitlines()):
        if line.strip():
            return line.strip()[:500]
    return None


def count_lines(data: bytes) -> int:
    """How many lines :func:`split_lines` would give for ``data``."""
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


#: A piece of a backing file with its lines counted (:meth:`OutputStore.index_pieces`): its
#: stream, length, newlines, whether it ends in one, its time, and its last non-blank line if
#: it is an ``Error`` piece that holds one.
CountedPiece = tuple["Stream", int, int, bool, float, "str | None"]


@dataclass(frozen=True)
class StoreSnapshot:
    """A store as it was at one moment, for a reader that scans its bytes (search).

    The record columns are copies (about 25 bytes a record: 1 GiB of output in 64 KiB records
    is 16,000 of them, well under a millisecond to copy); ``data`` is the bytes themselves, a
    read-only map of the spill file or a copy of the memory buffer (at most the memory limit).
    ``fd`` is a duplicate of the spill file's descriptor for a tool that reads the file itself
    (ripgrep): the reader closes it with :meth:`close`.
    """

    size: int
    offsets: array[int]
    streams: bytes
    times: array[float]
    lines_cum: array[int]
    data: bytes | mmap.mmap
    fd: int | None

    def close(self) -> None:
        """Let go of the map and the descriptor (the store itself is untouched)."""
        if isinstance(self.data, mmap.mmap):
            self.data.close()
        if self.fd is not None:
            os.close(self.fd)


class OutputStore:
    """The transcript of one job; one writer thread, any number of readers."""

    def __init__(
        self,
        *,
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
        hard_limit: int = DEFAULT_HARD_LIMIT,
        spill_dir: str | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._memory_limit = memory_limit
        self._hard_limit = hard_limit
        self._spill_dir = spill_dir
        self._mem = bytearray()
        self._fd: int | None = None
        # True when _fd is a file the bytes already are in (a monitor's out.log): nothing is
        # written, only indexed and read back.
        self._backed = False
        self._disposed = False
        self._size = 0
        # One entry per record, in parallel columns (about 25 bytes a record).
        self._offsets = array("q")
        self._streams = bytearray()
        self._times = array("d")
        self._lines_cum = array("q")  # lines in records 0..i inclusive
        self._last_newlines = 0
        self._last_ends_nl = True
        self._cursor = 0
        self._closed = False
        #: Decoded records, as tuples: the cyclic collector stops tracking a tuple of strings
        #: after its first pass over it, where it walked a list's every line at every full
        #: collection (64 lists of 7,000 lines made each one 10 ms of the app's thread).
        self._cache: OrderedDict[int, tuple[str, ...]] = OrderedDict()
        self._stream_bytes = [0, 0]
        self.lost_bytes = 0
        self.error: str | None = None
        self.last_error_line: str | None = None
        self.version = 0

    # -- writing (the engine's reader thread) ------------------------------------------------

    def append(
        self, stream: Stream, data: bytes | bytearray, now: float, size: int | None = None
    ) -> None:
        """Store ``data`` (its first ``size`` bytes, if given) from ``stream``: extend the last
        record, or add records.

        A large chunk becomes several records, cut at newlines, of at most about
        ``_COALESCE_MAX_BYTES`` each (a single longer line stays whole). ``size`` lets a reader
        hand over the start of its read buffer as it is, without a copy.
        """
        size = len(data) if size is None else size
        if not size:
            return
        with self._lock, memoryview(data) as whole, whole[:size] as view:
            offset = self._size
            if not self._store(view):
                return
            self._stream_bytes[stream] += size
            start = 0
            while start < size:
                end = size
                if size - start > _COALESCE_MAX_BYTES:
                    cut = data.rfind(b"\n", start, start + _COALESCE_MAX_BYTES)
                    if cut < 0:
                        cut = data.find(b"\n", start + _COALESCE_MAX_BYTES, size)
                    if 0 <= cut < size - 1:
                        end = cut + 1
                self._add_piece(stream, data, start, end, offset + start, now)
                start = end
            if stream is Stream.Error:
                self._note_error_line(view)
            self.version += 1

    def index(
        self,
        stream: Stream,
        length: int,
        now: float,
        *,
        newlines: int,
        ends_newline: bool,
        error_line: str | None = None,
    ) -> None:
        """Take ``length`` more bytes of the backing file as one piece, its newlines counted
        by whoever wrote it (a job monitor): what :meth:`append` does with those bytes, without
        reading them. The piece must be one ``append`` would not cut (at most
        ``_COALESCE_MAX_BYTES``, or one longer line). ``error_line`` is the last non-blank
        line of an ``Error`` piece, if it holds one (:func:`last_line`)."""
        self.index_pieces([(stream, length, newlines, ends_newline, now, error_line)])

    def index_pieces(self, pieces: Iterable[CountedPiece]) -> None:
        """:meth:`index` for many pieces at once (a follower's batch), under one lock."""
        with self._lock:
            if self._disposed:
                return  # the job was removed while its follower was taking a batch
            if not self._backed:
                raise ValueError("only a store backed by a file can index bytes it has not seen")
            sizes = self._stream_bytes
            for stream, length, newlines, ends_newline, now, error_line in pieces:
                if length <= 0:
                    continue
                offset = self._size
                self._size += length
                sizes[stream] += length
                self._add_counted(stream, offset, length, newlines, ends_newline, now)
                if error_line is not None:
                    self.last_error_line = error_line
            self.version += 1

    @property
    def backed(self) -> bool:
        """True when a file the bytes are already in backs the store (:meth:`attach_file`)."""
        return self._backed

    def _add_piece(
        self, stream: Stream, data: bytes | bytearray, start: int, end: int, offset: int, now: float
    ) -> None:
        """Record ``data[start:end]``, stored at ``offset``: as more of the last record, or new."""
        newlines = data.count(b"\n", start, end)
        self._add_counted(stream, offset, end - start, newlines, data[end - 1] == 0x0A, now)

    def _add_counted(
        self, stream: Stream, offset: int, length: int, newlines: int, ends_nl: bool, now: float
    ) -> None:
        """Record ``length`` bytes at ``offset`` holding ``newlines``: as more of the last
        record (same stream, unread, within the coalescing time and size), or as a new one."""
        n = len(self._offsets)
        if (
            n
            and self._streams[-1] == stream
            and n - 1 >= self._cursor
            and now - self._times[-1] < COALESCE_SECONDS
            and offset - self._offsets[-1] + length <= _COALESCE_MAX_BYTES
        ):
            self._last_newlines += newlines
            self._last_ends_nl = ends_nl
            before = self._lines_cum[-2] if n > 1 else 0
            self._lines_cum[-1] = before + self._last_newlines + (0 if ends_nl else 1)
            self._cache.pop(n - 1, None)
        else:
            self._offsets.append(offset)
            self._streams.append(stream)
            self._times.append(now)
            before = self._lines_cum[-1] if n else 0
            self._lines_cum.append(before + newlines + (0 if ends_nl else 1))
            self._last_newlines = newlines
            self._last_ends_nl = ends_nl

    def close(self) -> None:
        """No more output will come: the stream is closed (HasMoreData may now turn False)."""
        with self._lock:
            self._closed = True
            self.version += 1

    def dispose(self) -> None:
        """Free the memory and the spill file (the job was removed): the store is empty after."""
        with self._lock:
            self._closed = True
            self._disposed = True
            self._mem = bytearray()
            self._cache.clear()
            self._offsets = array("q")
            self._streams = bytearray()
            self._times = array("d")
            self._lines_cum = array("q")
            self._cursor = 0
            self._size = 0
            self.version += 1
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._backed = False

    def attach_file(self, path: str) -> None:
        """Read the transcript from ``path``, which holds (and goes on holding) every byte
        appended, at the same offsets: a job monitor's ``out.log``. Appends then only index
        what is already there: the bytes of a flood are written to disk once, not twice."""
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        with self._lock:
            if self._size or self._fd is not None:
                os.close(fd)
                raise ValueError("a file can back only an empty store")
            self._fd = fd
            self._backed = True
            self._mem = bytearray()

    def _store(self, data: memoryview) -> bool:
        if self._backed:
            self._size += len(data)
            return True
        if self.lost_bytes:
            # Once output is lost, later output is not kept either: the transcript stays an
            # exact prefix of what the job wrote, never a text with a silent hole in it.
            self._lose(len(data), self.error or "output not kept")
            return False
        if self._fd is None and self.error is None and self._size + len(data) > self._memory_limit:
            self._spill()
        if self._fd is not None:
            try:
                written = 0
                while written < len(data):
                    written += os.pwrite(self._fd, data[written:], self._size + written)
            except OSError as exc:
                self._lose(len(data), f"output not kept: {exc.strerror or exc}")
                return False
        elif self._size + len(data) > self._hard_limit:
            self._lose(len(data), self.error or "output not kept: memory limit reached")
            return False
        else:
            self._mem += data
        self._size += len(data)
        return True

    def _spill(self) -> None:
        try:
            fd, path = tempfile.mkstemp(prefix="jobtui-", suffix=".out", dir=self._spill_dir)
            os.unlink(path)  # nothing is left behind, even if jobtui is killed
        except OSError as exc:
            self.error = f"spill file not writable ({exc.strerror or exc}); kept in memory"
            return
        try:
            written = 0
            while written < len(self._mem):
                written += os.pwrite(fd, self._mem[written:], written)
        except OSError as exc:
            os.close(fd)
            self.error = f"spill file not writable ({exc.strerror or exc}); kept in memory"
            return
        self._fd = fd
        self._mem = bytearray()

    def _lose(self, n: int, why: str) -> None:
        self.lost_bytes += n
        self.error = why
        self.version += 1

    def _note_error_line(self, data: memoryview) -> None:
        line = last_line(data)
        if line is not None:
            self.last_error_line = line

    # -- reading (any thread) -----------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once the producing side has finished."""
        return self._closed

    @property
    def size(self) -> int:
        """Bytes stored (the transcript's length)."""
        return self._size

    @property
    def spilled(self) -> bool:
        """True when the transcript lives in a spill file rather than in memory."""
        return self._fd is not None

    @property
    def record_count(self) -> int:
        """How many records the transcript holds."""
        return len(self._offsets)

    @property
    def line_count(self) -> int:
        """How many lines the transcript holds, both streams together."""
        with self._lock:
            return self._lines_cum[-1] if self._lines_cum else 0

    @property
    def unread_count(self) -> int:
        """Records not yet consumed by a receive."""
        return len(self._offsets) - self._cursor

    @property
    def cursor(self) -> int:
        """Index of the first record a receive has not consumed."""
        return self._cursor

    @property
    def cursor_offset(self) -> int:
        """The receive cursor as a byte offset: what a restarted session can find again (its
        records are rebuilt, and may be cut differently; the bytes are the same)."""
        with self._lock:
            return self._offsets[self._cursor] if self._cursor < len(self._offsets) else self._size

    def restore_cursor(self, offset: int) -> None:
        """Move the receive cursor to the record holding byte ``offset`` (a record only partly
        received before counts as unread: a receive repeats a little rather than lose any)."""
        with self._lock:
            index = bisect.bisect_right(self._offsets, offset) - 1
            if index < 0 or offset >= self._size:
                index = 0 if offset <= 0 else len(self._offsets)
            elif self._offsets[index] < offset and offset >= self._bounds(index)[1]:
                index += 1
            self._cursor = index
            self.version += 1

    @property
    def has_more_data(self) -> bool:
        """PowerShell's rule: the stream is still open, or unread records remain."""
        return not self._closed or self._cursor < len(self._offsets)

    def stream_size(self, stream: Stream) -> int:
        """Bytes stored from one stream."""
        return self._stream_bytes[stream]

    def take(self, *, keep: bool, through_line: int | None = None) -> tuple[int, int]:
        """The range of records a receive returns; moves the cursor past them unless ``keep``.

        With ``through_line``, only records that end at or before that line (a view's last
        visible line) are taken: a view consumes what it has shown, not what is below it.
        """
        with self._lock:
            start, stop = self._cursor, len(self._offsets)
            if through_line is not None:
                stop = max(start, bisect.bisect_right(self._lines_cum, through_line + 1, start))
            if not keep:
                self._cursor = stop
                self.version += 1
            return start, stop

    def records(self, start: int = 0, stop: int | None = None) -> Iterator[Record]:
        """Records ``start`` to ``stop`` (all by default), read lazily from memory or the file."""
        stop = self.record_count if stop is None else stop
        for index in range(start, stop):
            yield self.record(index)

    def record(self, index: int) -> Record:
        """One record by index."""
        with self._lock:
            offset, end = self._bounds(index)
            data = self._read(offset, end - offset)
            return Record(Stream(self._streams[index]), self._times[index], data)

    def snapshot(self) -> StoreSnapshot:
        """The transcript as it is now, for scanning its bytes without splitting it into lines.

        Output that arrives later is not in it; the map stays readable even if the job is
        removed meanwhile (the map holds the file open).
        """
        with self._lock:
            size = self._size
            data: bytes | mmap.mmap
            fd: int | None = None
            if self._fd is None:
                data = bytes(self._mem[:size])
            elif size == 0:
                data = b""
            else:
                data = mmap.mmap(self._fd, size, prot=mmap.PROT_READ)
                fd = os.dup(self._fd)
            return StoreSnapshot(
                size,
                array("q", self._offsets),
                bytes(self._streams),
                array("d", self._times),
                array("q", self._lines_cum),
                data,
                fd,
            )

    def tail(self, stream: Stream, size: int) -> tuple[int, bytes]:
        """The last ``size`` bytes of the last record of ``stream``, with that record's index
        (-1 and nothing if the stream wrote nothing): what progress is read from, at a cost that
        does not grow with the transcript."""
        with self._lock:
            index = self._streams.rfind(stream)
            if index < 0:
                return -1, b""
            offset, end = self._bounds(index)
            start = max(offset, end - size)
            return index, self._read(start, end - start)

    def stream_bytes(self, stream: Stream) -> bytes:
        """Every byte one stream wrote, in order (for checks; it can be large)."""
        return b"".join(r.data for r in self.records() if r.stream is stream)

    def line_span(self, record_index: int) -> tuple[int, int]:
        """The range of line numbers that one record holds."""
        with self._lock:
            start = self._lines_cum[record_index - 1] if record_index else 0
            return start, self._lines_cum[record_index]

    def lines(self, start: int, stop: int) -> list[tuple[Stream, str]]:
        """Lines ``start`` to ``stop`` of the whole transcript, with the stream of each.

        This is what a view draws: it touches only the records that hold those lines.
        """
        result: list[tuple[Stream, str]] = []
        with self._lock:
            total = self._lines_cum[-1] if self._lines_cum else 0
            stop = min(stop, total)
            line = max(start, 0)
            index = bisect.bisect_right(self._lines_cum, line)
            while line < stop and index < len(self._offsets):
                first = self._lines_cum[index - 1] if index else 0
                texts = self._record_lines(index)
                stream = Stream(self._streams[index])
                take_to = min(stop, self._lines_cum[index])
                for text in texts[line - first : take_to - first]:
                    result.append((stream, text))
                line = take_to
                index += 1
        return result

    def line_times(self, start: int, stop: int) -> list[float]:
        """When each of lines ``start`` to ``stop`` arrived (its record's time): a bisection for
        the first, then a walk over the records that hold the rest."""
        result: list[float] = []
        with self._lock:
            cum = self._lines_cum
            stop = min(stop, cum[-1] if cum else 0)
            line = max(start, 0)
            index = bisect.bisect_right(cum, line)
            while line < stop and index < len(cum):
                take_to = min(stop, cum[index])
                result.extend([self._times[index]] * (take_to - line))
                line = take_to
                index += 1
        return result

    def stream_line(self, stream: Stream, line: int, *, forward: bool) -> int | None:
        """The first line of the next (or previous) record of ``stream`` after (before) the
        record that holds ``line``: one scan of the streams column, no text read."""
        with self._lock:
            cum = self._lines_cum
            if not cum:
                return None
            here = min(bisect.bisect_right(cum, max(line, 0)), len(cum) - 1)
            mark = bytes([stream])
            if forward:
                # Past the run of ``stream`` records that holds ``line``: the next run's start.
                index = here + 1
                while (
                    index < len(cum)
                    and self._streams[index] == stream
                    and (self._streams[index - 1] == stream)
                ):
                    index += 1
                found = self._streams.find(mark, index)
            else:
                found = self._streams.rfind(mark, 0, here)
                while found > 0 and self._streams[found - 1] == stream:
                    found -= 1  # the start of that run
            if found < 0:
                return None
            first = cum[found - 1] if found else 0
            return first if first < cum[found] else None

    def line_at_time(self, when: float) -> int | None:
        """The first line that arrived at or after ``when`` (None: none did)."""
        with self._lock:
            index = bisect.bisect_left(self._times, when)
            if index >= len(self._times):
                return None
            return self._lines_cum[index - 1] if index else 0

    def _record_lines(self, index: int) -> tuple[str, ...]:
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached
        offset, end = self._bounds(index)
        texts = tuple(split_lines(self._read(offset, end - offset).decode("utf-8", "replace")))
        self._cache[index] = texts
        if len(self._cache) > _LINE_CACHE_CHUNKS:
            self._cache.popitem(last=False)
        return texts

    def _bounds(self, index: int) -> tuple[int, int]:
        offset = self._offsets[index]
        end = self._offsets[index + 1] if index + 1 < len(self._offsets) else self._size
        return offset, end

    def _read(self, offset: int, length: int) -> bytes:
        if self._fd is None:
            return bytes(self._mem[offset : offset + length])
        parts: list[bytes] = []
        while length > 0:
            part = os.pread(self._fd, length, offset)
            if not part:
                break
            parts.append(part)
            offset += len(part)
            length -= len(part)
        return b"".join(parts)


class LineAssembler:
    """Holds the partial last line of a stream until its newline arrives.

    Whole lines are committed at once; a partial line is committed when it has waited
    ``FLUSH_SECONDS`` (a prompt, a progress bar) or grown past ``MAX_PENDING``. A cut never
    splits a UTF-8 sequence.
    """

    FLUSH_SECONDS = 0.2
    MAX_PENDING = 1024 * 1024

    def __init__(self) -> None:
        self._pending = bytearray()
        self.pending_since: float | None = None

    def feed(self, data: bytes, now: float) -> bytes:
        """Return what of ``pending + data`` is ready to commit; keep the rest."""
        buf = self._pending
        buf += data
        cut = buf.rfind(b"\n") + 1
        if len(buf) - cut > self.MAX_PENDING:
            cut = _utf8_boundary(buf, len(buf))
        ready = bytes(buf[:cut])
        del buf[:cut]
        if buf:
            if self.pending_since is None or cut:
                self.pending_since = now
        else:
            self.pending_since = None
        return ready

    def flush(self, *, final: bool = False) -> bytes:
        """Commit the partial line (all of it when ``final``, else up to a UTF-8 boundary)."""
        cut = len(self._pending) if final else _utf8_boundary(self._pending, len(self._pending))
        ready = bytes(self._pending[:cut])
        del self._pending[:cut]
        self.pending_since = None if not self._pending else self.pending_since
        return ready


class LineBuffer:
    """A pipe's reads, in place: the partial line it holds goes first, then the read.

    :class:`LineAssembler` for a reader of pipes. ``feed`` joins each read to the partial
    line before it and slices the whole lines off, a copy or two of every byte; and each
    ``os.read`` of a flood is a new megabyte whose pages the kernel zeroes and maps before the
    read fills them (measured, a quarter of the in-process reader's time). Here a read lands
    in the thread's read area (:class:`_Area`, one for all the streams it reads, which it
    reads one at a time) after the partial line, so ``data[:ready]`` is whole lines as they
    are; only the partial line is copied out and back. ``jobmonitor.LineBuffer`` is the same
    for a job's monitor (that file imports no module of jobtui's).
    """

    SMALL = 64 * 1024
    LARGE = READ_SIZE + LineAssembler.MAX_PENDING
    #: A read shorter than this ends a flood: the area goes back to SMALL at the next read.
    _SHORT = 4096

    __slots__ = ("_partial", "data", "held", "ready", "since")

    def __init__(self) -> None:
        #: After :meth:`fill` or :meth:`flush`, the read area: ``data[:ready]`` may be committed.
        self.data = _NOTHING
        #: Bytes of the partial line held (never a newline among them).
        self.held = 0
        self.ready = 0
        #: When the partial line began to wait (None: nothing is held).
        self.since: float | None = None
        self._partial = bytearray()

    @property
    def partial(self) -> bytes:
        """The partial line held between reads."""
        return bytes(self._partial[: self.held])

    @property
    def capacity(self) -> int:
        """The size of the read area now (this thread's, shared by its streams)."""
        return len(_area().data)

    def fill(self, fd: int) -> int:
        """Read what ``fd`` holds after the partial line: the bytes read (0 at end of file).

        Raises ``BlockingIOError`` when it holds nothing, ``OSError`` when it cannot be read.
        Then ``data[:ready]`` is whole lines (or, past ``LineAssembler.MAX_PENDING``, a long
        line's start cut at a UTF-8 boundary), to be committed before :meth:`take`.
        """
        area, held = _area(), self.held
        buffer = area.reserve(held)
        with memoryview(buffer) as view, view[held:] as room:
            if held:
                view[:held] = self._partial
            got = os.readv(fd, [room])
            area.full, area.short = got == len(room), got < self._SHORT
        end = held + got
        cut = buffer.rfind(b"\n", held, end) + 1
        if end - cut > LineAssembler.MAX_PENDING:
            cut = _utf8_boundary(buffer, end)
        self.data, self.ready, self.held = buffer, cut, end
        return got

    def flush(self, final: bool) -> int:
        """Make the partial line ready (all of it when ``final``, else up to a UTF-8
        boundary): how many bytes are."""
        held = self.held
        buffer = _area().reserve(held)
        buffer[:held] = self._partial
        self.data = buffer
        self.ready = held if final else _utf8_boundary(buffer, held)
        return self.ready

    def take(self, now: float | None) -> None:
        """The ready bytes are committed: keep the partial line that follows them.

        ``now`` is when the bytes were read (a new partial line waits from then); None when
        the partial line was flushed, not read.
        """
        cut, end = self.ready, self.held
        with memoryview(self.data) as view:
            self._partial[:] = view[cut:end]
        self.data, self.ready, self.held = _NOTHING, 0, end - cut
        if not self.held:
            self.since = None
        elif now is not None and (self.since is None or cut):
            self.since = now


class _Area:
    """Where a thread's reads of pipes land, one at a time: one buffer for all its streams.

    Small (64 KiB) until a read fills it, large (a read of a whole pipe, and room for the
    longest partial line) while reads do, small again after a short read: a thread that reads
    a hundred floods at once holds two megabytes, not two a stream.
    """

    __slots__ = ("data", "full", "short")

    def __init__(self) -> None:
        self.data = bytearray()
        self.full = False
        self.short = False

    def reserve(self, held: int) -> bytearray:
        """The buffer, sized for a read after ``held`` bytes of a partial line (which the
        caller copies in: what the buffer held before is not kept)."""
        size = len(self.data)
        if self.full or held + LineBuffer._SHORT > size:
            small = not size and held + LineBuffer._SHORT <= LineBuffer.SMALL
            want = LineBuffer.SMALL if small else LineBuffer.LARGE
        elif self.short and size > LineBuffer.SMALL and held < LineBuffer.SMALL // 2:
            want = LineBuffer.SMALL
        else:
            return self.data
        if want != size:
            self.data = bytearray(want)
        self.full = self.short = False
        return self.data


_NOTHING = bytearray()
_AREAS = threading.local()


def _area() -> _Area:
    """This thread's read area (the reactor's, as a rule)."""
    try:
        area: _Area = _AREAS.area
    except AttributeError:
        area = _AREAS.area = _Area()
    return area


def _utf8_boundary(buf: bytes | bytearray, end: int) -> int:
    """The largest cut <= end that does not split a UTF-8 multi-byte sequence."""
    start = max(0, end - 4)
    for i in range(end - 1, start - 1, -1):
        byte = buf[i]
        if byte < 0x80:
            return end
        if byte >= 0xC0:  # a lead byte: is its sequence complete?
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return end if end - i >= need else i
    return end
