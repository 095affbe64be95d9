"""Fixtures of the command-language tests: a real engine (real processes) and a session on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jobtui.commands import CommandSession
from jobtui.engine import JobEngine
from tests.unit.commands.support import run


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


@pytest.fixture
def jobs(session: CommandSession) -> CommandSession:
    """Three finished jobs: build1 (Completed, 2 lines), test2 (Failed, exit 3), build3
    (Completed, 1 line); their Ids are 1, 3 and 5 (each has a child). A module may override it
    with jobs of its own (test_convert_cmdlets has two)."""
    started = run(
        session,
        "Start-Job {echo a; echo b} -Name build1; Start-Job {exit 3} -Name test2; "
        "Start-Job {echo c} -Name build3",
    )
    assert started.succeeded
    assert run(session, "Get-Job | Wait-Job").succeeded
    return session
