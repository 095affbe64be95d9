"""A pipe's reads in place (``LineBuffer``): the in-process reader's and a job monitor's copy.

Both cut as ``LineAssembler.feed`` does: whole lines at once, a partial line held (never cut
inside a UTF-8 sequence), a line past ``MAX_PENDING`` cut at a UTF-8 boundary; and the buffer
is large only while a flood lasts.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobtui.engine import JobEngine
from jobtui.engine.local import jobmonitor
from jobtui.engine.local.runners import ProcessRunner
from jobtui.engine.output import LineAssembler, LineBuffer, OutputStore, Stream

Kind = type[LineBuffer] | type[jobmonitor.LineBuffer]
KINDS = [
    pytest.param(LineBuffer, id="in-process"),
    pytest.param(jobmonitor.LineBuffer, id="monitor"),
]


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    yield read_end, write_end
    for fd in (read_end, write_end):
        os.close(fd)


def _read(lines: LineBuffer | jobmonitor.LineBuffer, fd: int, now: float = 1.0) -> bytes:
    """One read; the bytes it made ready, committed (as a reader does)."""
    assert lines.fill(fd)
    ready = bytes(lines.data[: lines.ready])
    lines.take(now)
    return ready


@pytest.mark.parametrize("kind", KINDS)
def test_whole_lines_are_ready_at_once_and_a_partial_line_waits(
    kind: Kind, pipe: tuple[int, int]
) -> None:
    read_end, write_end = pipe
    lines = kind()
    os.write(write_end, b"one\ntwo\nthr")
    assert _read(lines, read_end, 1.0) == b"one\ntwo\n"
    assert lines.held == 3 and lines.since == 1.0
    os.write(write_end, b"ee")
    assert _read(lines, read_end, 2.0) == b""
    assert lines.since == 1.0  # the line waits from its start, not from its last bytes
    os.write(write_end, b"\nfo")
    assert _read(lines, read_end, 3.0) == b"three\n"
    assert lines.partial == b"fo" and lines.since == 3.0
    with pytest.raises(BlockingIOError):
        lines.fill(read_end)  # nothing there: the partial line is still held
    assert lines.held == 2
    assert lines.flush(final=True) == 2 and bytes(lines.data[:2]) == b"fo"
    lines.take(None)
    assert lines.held == 0 and lines.since is None


@pytest.mark.parametrize("kind", KINDS)
def test_end_of_file_reads_nothing(kind: Kind) -> None:
    read_end, write_end = os.pipe()
    os.close(write_end)
    try:
        assert kind().fill(read_end) == 0
    finally:
        os.close(read_end)


@pytest.mark.parametrize("kind", KINDS)
def test_a_flush_never_cuts_a_utf8_sequence_unless_final(kind: Kind, pipe: tuple[int, int]) -> None:
    read_end, write_end = pipe
    lines = kind()
    os.write(write_end, "ab€".encode()[:-1])  # the euro sign's last byte is still to come
    assert _read(lines, read_end) == b""
    assert lines.flush(final=False) == 2
    lines.take(None)
    assert lines.held == 2 and lines.since is not None
    os.write(write_end, "€".encode()[-1:] + b"\n")
    assert _read(lines, read_end) == "€\n".encode()


@pytest.mark.parametrize("kind", KINDS)
def test_a_line_past_the_longest_partial_is_cut_at_a_utf8_boundary(
    kind: Kind, pipe: tuple[int, int]
) -> None:
    read_end, write_end = pipe
    lines = kind()
    line = ("é" * LineAssembler.MAX_PENDING).encode()  # two bytes each, no newline
    os.set_blocking(write_end, False)
    taken, written = bytearray(), 0
    while written < len(line):
        with contextlib.suppress(BlockingIOError):
            written += os.write(write_end, line[written : written + 65536])
        with contextlib.suppress(BlockingIOError):
            taken += _read(lines, read_end)
    while True:
        try:
            taken += _read(lines, read_end)
        except BlockingIOError:
            break
    assert len(taken) > 0 and lines.held <= LineAssembler.MAX_PENDING
    assert (taken + lines.partial).decode() == line.decode()
    taken.decode()  # whole characters only


@pytest.mark.parametrize("kind", KINDS)
def test_the_read_area_is_large_only_while_a_flood_lasts(kind: Kind, pipe: tuple[int, int]) -> None:
    read_end, write_end = pipe
    try:  # as a job's pipes are: larger than the small area
        fcntl.fcntl(write_end, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1024 * 1024)
    except OSError:
        pytest.skip("a pipe of 1 MiB cannot be made here")
    lines = kind()
    block = b"x" * 99 + b"\n"
    os.set_blocking(write_end, False)

    def flood() -> None:
        with pytest.raises(BlockingIOError):
            while True:
                os.write(write_end, block)

    os.write(write_end, b"a line\n")
    assert _read(lines, read_end) == b"a line\n"  # a short read: the area is small next
    flood()
    assert _read(lines, read_end)
    assert lines.capacity == kind.SMALL  # the read filled it
    flood()
    assert _read(lines, read_end)  # the reads go on filling it: a large one
    assert lines.capacity == kind.LARGE
    os.write(write_end, b"partial")
    while True:  # the rest of the flood
        try:
            _read(lines, read_end)
        except BlockingIOError:
            break
    os.write(write_end, b" line")
    _read(lines, read_end)  # short: the flood is over
    os.write(write_end, b" goes on")
    _read(lines, read_end)
    assert lines.capacity == kind.SMALL
    assert lines.partial.endswith(b"partial line goes on")


@pytest.mark.parametrize("kind", KINDS)
def test_streams_read_in_turn_keep_their_own_partial_lines(
    kind: Kind, pipe: tuple[int, int]
) -> None:
    read_end, write_end = pipe
    other_r, other_w = os.pipe()
    os.set_blocking(other_r, False)
    out, err = kind(), kind()  # one read area: each read lands in the same buffer
    try:
        os.write(write_end, b"out one\nout tw")
        os.write(other_w, b"err one\nerr tw")
        assert _read(out, read_end) == b"out one\n"
        assert _read(err, other_r) == b"err one\n"
        os.write(write_end, b"o\n")
        os.write(other_w, b"o\n")
        assert _read(err, other_r) == b"err two\n"
        assert _read(out, read_end) == b"out two\n"
        # Between reads a stream holds its partial line alone, not a buffer of its own: a
        # hundred floods read at once cost one area, not a hundred.
        assert len(out.data) == len(err.data) == 0
    finally:
        os.close(other_r)
        os.close(other_w)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=40, deadline=None)
@given(chunks=st.lists(st.binary(min_size=1, max_size=3000), min_size=1, max_size=30))
def test_reads_commit_every_byte_in_order_at_line_ends(kind: Kind, chunks: list[bytes]) -> None:
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    lines, out = kind(), bytearray()
    try:
        for chunk in chunks:
            os.write(write_end, chunk)
            ready = _read(lines, read_end)
            assert not ready or ready.endswith(b"\n")
            assert b"\n" not in lines.partial
            out += ready
    finally:
        os.close(read_end)
        os.close(write_end)
    lines.flush(final=True)
    out += lines.data[: lines.ready]
    assert bytes(out) == b"".join(chunks)


def test_a_store_takes_the_start_of_a_buffer_without_its_rest() -> None:
    store = OutputStore()
    buffer = bytearray(b"one\ntwo\nstale bytes of an earlier read")
    store.append(Stream.Output, buffer, 1.0, 8)
    store.append(Stream.Error, bytearray(b"oops\nstale"), 2.0, 5)
    assert store.size == 13
    assert store.lines(0, 10) == [
        (Stream.Output, "one"),
        (Stream.Output, "two"),
        (Stream.Error, "oops"),
    ]
    assert store.last_error_line == "oops"


def test_a_finished_job_keeps_its_output_and_no_read_area(engine: JobEngine) -> None:
    job = engine.start_job("printf 'one\\ntwo\\n'; printf 'oops\\nlast' >&2")
    engine.wait_job([job])
    store = job.child_jobs[0].output
    assert store is not None
    assert store.stream_bytes(Stream.Output) == b"one\ntwo\n"  # nothing left to flush
    assert store.stream_bytes(Stream.Error) == b"oops\nlast"
    runner = job.child_jobs[0].runner
    assert isinstance(runner, ProcessRunner)
    # The partial line was flushed at the end, and neither stream holds the thread's area
    # (which may since have been made anew: a finished job must not keep the old one alive).
    assert all(len(lines.data) == 0 and lines.held == 0 for lines in runner._lines.values())
