"""An OutputStore read from a file that already holds its bytes, and a cursor kept in bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobtui.engine import OutputStore, Stream
from jobtui.engine.output import last_line


def test_a_store_backed_by_a_file_indexes_without_writing_and_reads_the_file(
    tmp_path: Path,
) -> None:
    log = tmp_path / "out.log"
    log.write_bytes(b"")
    store = OutputStore(memory_limit=16)  # tiny: a store of its own would spill at once
    store.attach_file(str(log))
    for n in range(100):
        data = f"line {n}\n".encode()
        with open(log, "ab") as file:
            file.write(data)
        store.append(Stream.Output, data, float(n))
    assert store.size == log.stat().st_size
    assert store.lines(0, 2) == [(Stream.Output, "line 0"), (Stream.Output, "line 1")]
    assert store.stream_bytes(Stream.Output) == log.read_bytes()
    assert not list(tmp_path.glob("jobtui-*"))  # no spill file of its own


def test_only_an_empty_store_can_be_backed(tmp_path: Path) -> None:
    log = tmp_path / "out.log"
    log.write_bytes(b"x\n")
    store = OutputStore()
    store.append(Stream.Output, b"x\n", 0.0)
    with pytest.raises(ValueError, match="empty"):
        store.attach_file(str(log))


def test_the_receive_cursor_round_trips_as_a_byte_offset() -> None:
    store = OutputStore()
    for n, stream in enumerate([Stream.Output, Stream.Error, Stream.Output, Stream.Error]):
        store.append(stream, f"{n}\n".encode(), float(n))
    store.take(keep=False, through_line=1)  # the first two records received
    assert store.cursor == 2
    offset = store.cursor_offset
    assert offset == 4
    rebuilt = OutputStore()
    for record in store.records():
        rebuilt.append(record.stream, record.data, record.time)
    rebuilt.restore_cursor(offset)
    assert rebuilt.cursor == 2
    rebuilt.restore_cursor(3)  # inside a record: it counts as unread
    assert rebuilt.cursor == 1
    rebuilt.restore_cursor(store.size)
    assert rebuilt.cursor == rebuilt.record_count
    rebuilt.restore_cursor(0)
    assert rebuilt.cursor == 0


def test_indexing_counted_pieces_gives_the_records_appending_them_gives(tmp_path: Path) -> None:
    # Pieces that coalesce (one stream, close in time), a partial line, the other stream, and
    # a piece later than the coalescing time: the same records, lines and error line.
    pieces = [
        (Stream.Output, b"a\nb\n", 0.0),
        (Stream.Output, b"half", 0.1),
        (Stream.Output, b" line\n", 0.2),
        (Stream.Error, b"boom\n\n", 0.3),
        (Stream.Output, b"later\n", 5.0),
    ]
    log = tmp_path / "out.log"
    log.write_bytes(b"".join(data for _, data, _ in pieces))
    appended, indexed = OutputStore(), OutputStore()
    appended.attach_file(str(log))
    indexed.attach_file(str(log))
    for stream, data, when in pieces:
        appended.append(stream, data, when)
        indexed.index(
            stream,
            len(data),
            when,
            newlines=data.count(b"\n"),
            ends_newline=data.endswith(b"\n"),
            error_line=last_line(data) if stream is Stream.Error else None,
        )
    assert list(indexed.records()) == list(appended.records())
    assert indexed.record_count == 3
    assert indexed.lines(0, 99) == appended.lines(0, 99)
    assert [indexed.line_span(i) for i in range(3)] == [appended.line_span(i) for i in range(3)]
    assert indexed.last_error_line == appended.last_error_line == "boom"
    assert indexed.stream_size(Stream.Error) == 6


def test_only_a_backed_store_indexes_bytes_it_has_not_seen() -> None:
    with pytest.raises(ValueError, match="backed"):
        OutputStore().index(Stream.Output, 3, 0.0, newlines=1, ends_newline=True)


def test_a_removed_store_ignores_a_late_batch(tmp_path: Path) -> None:
    # The follower may be taking a batch while the job is removed: nothing is kept, no error.
    log = tmp_path / "out.log"
    log.write_bytes(b"x\n")
    store = OutputStore()
    store.attach_file(str(log))
    store.dispose()
    store.index(Stream.Output, 2, 0.0, newlines=1, ends_newline=True)
    assert (store.size, store.record_count, store.line_count) == (0, 0, 0)
