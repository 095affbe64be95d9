"""The transcript store: order, lines, the receive cursor, spilling, and odd bytes."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobtui.engine.output import LineAssembler, OutputStore, Stream, count_lines, split_lines


def test_lines_keep_arrival_order_across_streams() -> None:
    store = OutputStore()
    store.append(Stream.Output, b"one\ntwo\n", 1.0)
    store.append(Stream.Error, b"oops\n", 2.0)
    store.append(Stream.Output, b"three\n", 3.0)
    assert store.line_count == 4
    assert store.lines(0, 10) == [
        (Stream.Output, "one"),
        (Stream.Output, "two"),
        (Stream.Error, "oops"),
        (Stream.Output, "three"),
    ]
    assert store.lines(2, 3) == [(Stream.Error, "oops")]
    assert store.last_error_line == "oops"


def test_chunks_of_one_stream_arriving_close_together_form_one_record() -> None:
    store = OutputStore()
    store.append(Stream.Output, b"a\n", 1.0)
    store.append(Stream.Output, b"b\n", 1.1)
    store.append(Stream.Output, b"c\n", 5.0)  # too late to join
    assert store.record_count == 2
    assert [r.data for r in store.records()] == [b"a\nb\n", b"c\n"]
    assert store.line_count == 3


def test_a_large_chunk_becomes_records_of_whole_lines_small_enough_to_split_cheaply() -> None:
    store = OutputStore(spill_dir=None)
    lines = [f"line {i}" for i in range(200_000)]
    data = ("\n".join(lines) + "\n").encode()
    store.append(Stream.Output, data, 1.0)
    store.append(Stream.Output, b"x" * 100_000 + b"\npartial", 1.1)  # one line longer than a record
    records = [r.data for r in store.records()]
    assert b"".join(records) == data + b"x" * 100_000 + b"\npartial"
    assert all(len(r) <= 64 * 1024 for r in records[:-2])
    assert all(r.endswith(b"\n") for r in records[:-1])
    assert store.line_count == 200_002
    assert store.lines(123_456, 123_458) == [
        (Stream.Output, "line 123456"),
        (Stream.Output, "line 123457"),
    ]
    assert store.lines(200_000, 200_002) == [
        (Stream.Output, "x" * 100_000),
        (Stream.Output, "partial"),
    ]


def test_take_consumes_unless_keep_and_never_deletes() -> None:
    store = OutputStore()
    store.append(Stream.Output, b"x\n", 1.0)
    assert store.take(keep=True) == (0, 1)
    assert store.take(keep=True) == (0, 1)
    assert store.take(keep=False) == (0, 1)
    assert store.take(keep=False) == (1, 1)
    assert store.has_more_data  # still open: the job runs
    store.close()
    assert not store.has_more_data
    assert store.lines(0, 1) == [(Stream.Output, "x")]  # consumed, still readable


def test_a_consumed_record_is_never_extended() -> None:
    store = OutputStore()
    store.append(Stream.Output, b"a\n", 1.0)
    store.take(keep=False)
    store.append(Stream.Output, b"b\n", 1.01)
    assert store.record_count == 2
    assert store.take(keep=False) == (1, 2)


def test_spills_to_an_unlinked_file_and_reads_back(tmp_path: pytest.TempPathFactory) -> None:
    store = OutputStore(memory_limit=1000, spill_dir=str(tmp_path))
    lines = [f"line {i}\n".encode() for i in range(2000)]
    for i, line in enumerate(lines):
        store.append(Stream.Output if i % 3 else Stream.Error, line, float(i))
    assert store.spilled
    assert os.listdir(str(tmp_path)) == []  # unlinked at once: nothing to leak
    assert store.line_count == 2000
    assert store.lines(1500, 1502) == [(Stream.Error, "line 1500"), (Stream.Output, "line 1501")]
    assert store.stream_bytes(Stream.Error) == b"".join(lines[::3])
    store.dispose()


def test_unwritable_spill_dir_keeps_output_in_memory(tmp_path: pytest.TempPathFactory) -> None:
    missing = os.path.join(str(tmp_path), "gone")
    store = OutputStore(memory_limit=10, hard_limit=100, spill_dir=missing)
    store.append(Stream.Output, b"0123456789abcdef\n", 1.0)
    assert not store.spilled
    assert store.error is not None and "kept in memory" in store.error
    assert store.lines(0, 1) == [(Stream.Output, "0123456789abcdef")]
    store.append(Stream.Output, b"x" * 200, 2.0)  # past the hard limit: counted, not stored
    assert store.lost_bytes == 200
    assert store.size == 17


def test_odd_bytes_decode_with_replacement() -> None:
    store = OutputStore()
    store.append(Stream.Output, b"\xff\xfe ok \x00\n", 1.0)
    [(_stream, text)] = store.lines(0, 1)
    assert text == "\ufffd\ufffd ok \x00"
    assert store.stream_bytes(Stream.Output) == b"\xff\xfe ok \x00\n"


def test_split_and_count_agree() -> None:
    for data in [b"", b"a", b"a\n", b"a\n\nb", b"\n\n"]:
        assert count_lines(data) == len(split_lines(data.decode()))


def test_assembler_holds_partial_lines_and_never_splits_utf8() -> None:
    asm = LineAssembler()
    assert asm.feed(b"hello\nwor", 1.0) == b"hello\n"
    assert asm.pending_since == 1.0
    assert asm.feed(b"ld\n", 1.1) == b"world\n"
    assert asm.pending_since is None
    euro = "€".encode()  # three bytes
    assert asm.feed(b"price " + euro[:2], 2.0) == b""
    assert asm.flush() == b"price "  # the cut stops before the unfinished sequence
    assert asm.feed(euro[2:] + b"\n", 2.1) == euro + b"\n"
    assert asm.feed(b"tail", 3.0) == b""
    assert asm.flush(final=True) == b"tail"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([Stream.Output, Stream.Error]), st.binary(max_size=300)),
        max_size=40,
    )
)
def test_every_byte_is_kept_per_stream(chunks: list[tuple[Stream, bytes]]) -> None:
    store = OutputStore(memory_limit=512)
    assemblers = {Stream.Output: LineAssembler(), Stream.Error: LineAssembler()}
    for i, (stream, data) in enumerate(chunks):
        store.append(stream, assemblers[stream].feed(data, float(i)), float(i))
    for stream, asm in assemblers.items():
        store.append(stream, asm.flush(final=True), 99.0)
    for stream in Stream:
        expected = b"".join(d for s, d in chunks if s is stream)
        assert store.stream_bytes(stream) == expected
    total = sum(count_lines(r.data) for r in store.records())
    assert store.line_count == total == len(store.lines(0, total + 5))
    store.dispose()


def test_a_disposed_store_is_empty_and_closed() -> None:
    store = OutputStore(memory_limit=10)
    store.append(Stream.Output, b"one\ntwo\nthree\n", 1.0)
    store.dispose()
    assert (store.line_count, store.record_count, store.size) == (0, 0, 0)
    assert store.lines(0, 5) == [] and not store.has_more_data


def test_take_through_a_line_consumes_only_records_shown() -> None:
    store = OutputStore()
    store.append(Stream.Output, b"a\nb\n", 1.0)  # lines 0-1
    store.append(Stream.Error, b"c\n", 2.0)  # line 2
    store.append(Stream.Output, b"d\ne\n", 3.0)  # lines 3-4
    assert store.take(keep=False, through_line=0) == (0, 0)  # record 0 is only half shown
    assert store.take(keep=False, through_line=2) == (0, 2)
    assert store.take(keep=False, through_line=3) == (2, 2)
    assert store.take(keep=False, through_line=99) == (2, 3)


def test_the_lines_a_store_keeps_decoded_are_not_walked_by_the_cyclic_collector() -> None:
    """A full collection walked every cached line of every big transcript shown: 64 records of
    7,000 lines made each collection 10 ms of the app's thread. Tuples of strings drop out of
    its walks after its first pass."""
    import gc

    store = OutputStore()
    store.append(Stream.Output, b"".join(b"line %d\n" % i for i in range(5000)), 1.0)
    assert store.lines(4998, 5000) == [(Stream.Output, "line 4998"), (Stream.Output, "line 4999")]
    gc.collect()
    walked = [
        thing
        for thing in gc.get_objects()
        if isinstance(thing, list | tuple) and len(thing) > 1000 and "line 4999" in thing
    ]
    assert walked == []
