"""Progress parsed from output: recorded tqdm, pip, curl, wget, rsync, docker and cargo lines,
and a real job's ``\\r`` line read as ``ChildJobs[0].Progress``."""

from __future__ import annotations

import re

import pytest

from jobtui.engine import JobEngine, Stream
from jobtui.engine.progress import TAIL_BYTES, ProgressRecord, parse_progress

from .test_queue import wait_until

#: What each tool wrote (captured from their output, trimmed), and the record expected.
RECORDED = {
    "tqdm": (
        "\r  0%|          | 0/100 [00:00<?, ?it/s]"
        "\rtrain:  42%|████▏     | 42/100 [00:01<00:02, 40.00it/s]",
        ProgressRecord("train", "42% 42/100 [00:01<00:02, 40.00it/s]", 42),
    ),
    "pip": (
        "Downloading torch-2.1.0-cp311-none-macosx_11_0_arm64.whl (670.2 MB)\n"
        "   ━━━━━━━━━━━━━━━━╸━━━━━━━━━━━━━━━━━━━━━━━ 281.5/670.2 MB 10.1 MB/s eta 0:00:39",
        ProgressRecord("", "281.5/670.2 MB 10.1 MB/s eta 0:00:39", 42),
    ),
    "curl": (
        "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
        "                                 Dload  Upload   Total   Spent    Left  Speed\n"
        "\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0"
        "\r 42  100M   42 42.0M    0     0  10.1M      0  0:00:09  0:00:04  0:00:05 10.1M",
        ProgressRecord("", "42 100M 42 42.0M 0 0 10.1M 0 0:00:09 0:00:04 0:00:05 10.1M", 42),
    ),
    "curl -#": (
        "\r######################                                      36.9%"
        "\r##########################                                  42.3%",
        ProgressRecord("", "42.3%", 42),
    ),
    "wget": (
        "\rubuntu.iso          42%[=======>            ]   1.77G  10.1MB/s    eta 3m 2s",
        ProgressRecord("ubuntu.iso", "42% 1.77G 10.1MB/s eta 3m 2s", 42),
    ),
    "rsync": (
        "big.tar\n\r     32,768,000  42%   10.12MB/s    0:00:05",
        ProgressRecord("", "32,768,000 42% 10.12MB/s 0:00:05", 42),
    ),
    "docker pull": (
        "a3ed95caeb02: Downloading [=====================>        ]  42.1MB/100MB",
        ProgressRecord("a3ed95caeb02: Downloading", "42.1MB/100MB", 42),
    ),
    "cargo": (
        "    Building [=======>                  ] 42/100: serde, tokio",
        ProgressRecord("Building", "42/100: serde, tokio", 42),
    ),
    "a counter": ("step 3/4\r", ProgressRecord("step", "3/4", 75)),
    "colours": ("\x1b[32m 50%\x1b[0m done", ProgressRecord("", "50% done", 50)),
}


@pytest.mark.parametrize("tool", list(RECORDED))
def test_recorded_progress_lines(tool: str) -> None:
    text, expected = RECORDED[tool]
    assert parse_progress(text) == expected


@pytest.mark.parametrize(
    "text", ["hello world", "2024/12/01 started", "", "\r\r\n", "ratio 7/3", "300% faster"]
)
def test_lines_without_progress(text: str) -> None:
    assert parse_progress(text) is None


def test_a_jobs_carriage_return_line_is_its_progress(engine: JobEngine) -> None:
    job = engine.start_job(
        r"""echo starting; for i in 1 2 3; do printf '\rcopy: %d%%' $((i * 30)) >&2; done; """
        "echo 'Listening'; sleep 30"
    )
    engine.wait_job_match([job], re.compile("Listening"), timeout=10)
    child = job.child_jobs[0]
    # A partial line reaches the transcript after the assembler's wait (0.2 s).
    wait_until(lambda: bool(child.progress))
    # stdout's last line says nothing of progress; stderr's latest piece does.
    assert child.progress == [ProgressRecord("copy", "90%", 90)]
    assert child.get_property("Progress") == child.progress
    assert job.progress == []  # a parent's own stream is empty: its child holds it


def test_progress_reads_a_bounded_tail(engine: JobEngine) -> None:
    job = engine.start_job("seq 300000; printf 'done 7/10'")
    engine.wait_job([job], timeout=20)
    store = job.child_jobs[0].output
    assert store is not None and store.size > 100 * TAIL_BYTES
    index, data = store.tail(Stream.Output, TAIL_BYTES)
    assert index == store.record_count - 1 and len(data) <= TAIL_BYTES
    assert job.child_jobs[0].progress[0].percent_complete == 70
