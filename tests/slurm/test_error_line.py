"""The Reason quotes a Slurm job's own last stderr line, not the notice slurmstepd appends."""

from __future__ import annotations

import pytest

from jobtui.engine.output import OutputStore, Stream
from jobtui.engine.slurm.runner import job_error_line


@pytest.mark.parametrize(
    "notice",
    [
        "slurmstepd-vm: error: *** JOB 1 ON vm CANCELLED AT 2026-12-02T02:06:16 DUE TO TIME "
        "LIMIT ***",
        "slurmstepd: error: Detected 1 oom_kill event in StepId=7.batch. Some of the step tasks "
        "have been OOM Killed.",
    ],
)
def test_slurmstepd_notices_are_passed_over(notice: str) -> None:
    store = OutputStore()
    store.append(Stream.Error, b"loading data\n", 1.0)
    store.append(Stream.Output, b"step 1\n", 2.0)
    store.append(Stream.Error, notice.encode() + b"\n", 3.0)
    assert job_error_line(store) == "loading data"


def test_slurmstepd_words_that_explain_a_failure_are_kept() -> None:
    store = OutputStore()
    store.append(Stream.Error, b"slurmstepd: error: couldn't chdir to `/gone': No such file\n", 1.0)
    assert job_error_line(store) == "slurmstepd: error: couldn't chdir to `/gone': No such file"


def test_no_stderr_is_none() -> None:
    store = OutputStore()
    store.append(Stream.Output, b"fine\n", 1.0)
    assert job_error_line(store) is None
