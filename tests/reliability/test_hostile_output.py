"""Hostile output reaches the transcript byte for byte: what a job writes is what jobtui keeps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jobtui.engine import JobEngine, JobState, Stream

ESCAPES = (
    b"\x1b]0;owned title\x07"  # set the window title
    b"\x1b]52;c;aGVsbG8=\x07"  # OSC 52: write the clipboard
    b"\x1b[2J\x1b[H\x1b[10;10H"  # clear, home, move the cursor
    b"\x1b[?1049h\x1b[?1049l"  # enter and leave the alternate screen
    b"\x07\x07"  # ring the bell
    b"\x1b[31mred\x1b[0m\n"
)

HOSTILE = {
    "invalid-utf8": b"ok \xff\xfe\xc3\x28 \xe2\x82 \xf0\x9f\x98\n" * 100,
    "nul-bytes": b"a\x00b\x00\x00c\n" * 1000,
    "progress-bars": b"".join(f"\rprogress {i:3d}%".encode() for i in range(101)) + b"\n",
    "one-10mib-line": b"x" * (10 * 1024 * 1024),
    "10mib-urandom": os.urandom(10 * 1024 * 1024),
    "terminal-escapes": ESCAPES * 50,
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_bytes_received_equal_bytes_written(engine: JobEngine, tmp_path: Path, name: str) -> None:
    data = HOSTILE[name]
    source = tmp_path / "data.bin"
    source.write_bytes(data)
    job = engine.start_job(f"cat {source}; cat {source} >&2")
    assert engine.wait_job([job], timeout=60) == [job]
    assert job.state is JobState.Completed
    store = job.transcript
    assert store is not None and store.lost_bytes == 0
    assert store.stream_bytes(Stream.Output) == data
    assert store.stream_bytes(Stream.Error) == data
    # Every line can be read back as text: nothing raises on any byte.
    assert sum(1 for _ in store.lines(0, store.line_count)) == store.line_count


def test_a_partial_line_shows_before_its_newline(engine: JobEngine) -> None:
    job = engine.start_job("printf 'Password: '; sleep 2; echo")
    store = job.transcript
    assert store is not None
    assert engine.wait_job([job], timeout=1) == []
    assert store.lines(0, 1) == [(Stream.Output, "Password: ")]  # flushed after a short wait
    assert engine.wait_job([job], timeout=10) == [job]
    assert store.stream_bytes(Stream.Output) == b"Password: \n"
