"""An OutputStore read from a file that already holds its bytes, and a cursor kept in bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobtui.engine import OutputStore, Stream


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
