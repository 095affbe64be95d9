"""Pilot tests drive the real app over a real engine and real subprocesses."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest
from textual.pilot import Pilot

from jobtui.engine import Job, JobEngine
from jobtui.ui.app import JobApp
from jobtui.ui.screens.main import MainScreen
from jobtui.ui.widgets.command_bar import CommandBar
from jobtui.ui.widgets.jobs_table import JobsTable

SIZE = (120, 36)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[JobEngine]:
    """A real engine with a short grace period and a fast monitor."""
    engine = JobEngine(shell="/bin/sh", grace=0.5, monitor_interval=0.2, spill_dir=str(tmp_path))
    try:
        yield engine
    finally:
        engine.shutdown()


@pytest.fixture
def history_path(tmp_path: Path) -> Path:
    """Where the app keeps its history during a test."""
    return tmp_path / "state" / "jobtui" / "history"


AppRunner = Callable[..., AbstractAsyncContextManager[tuple[JobApp, Pilot[int]]]]


@pytest.fixture
def run_app(engine: JobEngine, history_path: Path) -> AppRunner:
    """Start the app over the engine; yields (app, pilot) with the main screen ready."""

    @asynccontextmanager
    async def runner(
        size: tuple[int, int] = SIZE, **kwargs: object
    ) -> AsyncIterator[tuple[JobApp, Pilot[int]]]:
        app = JobApp(engine, history_path=history_path, **kwargs)  # type: ignore[arg-type]
        async with app.run_test(size=size, notifications=True) as pilot:
            await pilot.pause()
            yield app, pilot

    return runner


async def until(pilot: Pilot[int], condition: Callable[[], object], timeout: float = 6.0) -> None:
    """Let the app run until ``condition()`` is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await pilot.pause(0.05)


def main_screen(app: JobApp) -> MainScreen:
    """The app's main screen (it may be under a dialog)."""
    for screen in app.screen_stack:
        if isinstance(screen, MainScreen):
            return screen
    raise AssertionError("no main screen")


def table(app: JobApp) -> JobsTable:
    """The job table."""
    return main_screen(app).query_one(JobsTable)


def bar(app: JobApp) -> CommandBar:
    """The command bar."""
    return main_screen(app).query_one(CommandBar)


async def submit(pilot: Pilot[int], line: str) -> None:
    """Put ``line`` in the command bar and press Enter."""
    app = pilot.app
    assert isinstance(app, JobApp)
    command_bar = bar(app)
    command_bar.focus()
    command_bar.value = line
    command_bar.cursor_position = len(line)
    await pilot.press("enter")
    await pilot.pause()


def cell(app: JobApp, job: Job, column: str) -> str:
    """The text of one cell of a job's row."""
    value = table(app).get_cell(str(job.id), column)
    return value.plain if hasattr(value, "plain") else str(value)
