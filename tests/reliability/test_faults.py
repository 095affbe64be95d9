"""Faults around a job: a full spill disk, a missing directory or shell."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jobtui.engine import JobEngine, JobState, Stream, WorkingDirectoryNotFoundError


def test_a_full_spill_disk_loses_the_tail_not_the_job(small_disk: Path) -> None:
    with JobEngine(guardian=False, memory_limit=16 * 1024, spill_dir=str(small_disk)) as engine:
        job = engine.start_job("seq 200000; echo finished")
        assert engine.wait_job([job], timeout=30) == [job]
        assert job.state is JobState.Completed  # the job went on
        store = job.transcript
        assert store is not None and store.spilled
        assert store.lost_bytes > 0
        assert store.error is not None and "No space left on device" in store.error
        kept = store.stream_bytes(Stream.Output)
        expected = "".join(f"{i}\n" for i in range(1, 200001)).encode() + b"finished\n"
        assert kept == expected[: len(kept)]  # what was kept is exact, from the start
        assert len(kept) + store.lost_bytes == len(expected)


def test_an_unwritable_spill_directory_keeps_output_in_memory(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    with JobEngine(guardian=False, memory_limit=1024, spill_dir=str(not_a_dir)) as engine:
        job = engine.start_job("seq 10000")
        assert engine.wait_job([job], timeout=30) == [job]
        store = job.transcript
        assert store is not None and not store.spilled and store.lost_bytes == 0
        assert store.error is not None and "kept in memory" in store.error
        assert store.line_count == 10000


def test_a_missing_working_directory_starts_nothing(tmp_path: Path) -> None:
    with JobEngine(guardian=False) as engine:
        gone = tmp_path / "gone"
        with pytest.raises(WorkingDirectoryNotFoundError):
            engine.start_job("touch created", working_directory=str(gone))
        assert engine.jobs == [] and not gone.exists()


def test_a_missing_shell_fails_each_job_with_a_reason() -> None:
    with JobEngine(guardian=False, shell="/nonexistent/zsh") as engine:
        job = engine.start_job("echo hi")
        assert job.state is JobState.Failed
        assert "/nonexistent/zsh could not be started" in str(job.reason)
        assert os.path.exists("/bin/sh")  # other engines are unaffected
