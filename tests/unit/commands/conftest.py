"""Fixtures of the command-language tests: a real engine (real processes) and a session on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jobtui.commands import CommandSession
from jobtui.engine import JobEngine


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[JobEngine]:
    """A job engine whose jobs (and the test's files) start in a fresh directory; always shut
    down (its jobs stopped) after the test."""
    monkeypatch.chdir(tmp_path)  # before the engine: it takes its start directory once
    engine = JobEngine(grace=1.0)
    try:
        yield engine
    finally:
        engine.shutdown()


@pytest.fixture
def session(engine: JobEngine) -> CommandSession:
    """A session over the engine, formatting for 120 columns."""
    return CommandSession(engine, width=120)
