"""Faults the UI must report: a spill disk that fills up mid-job, a spill directory that is not
writable. The job goes on; the output pane and the detail screen say what was kept."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Label

from jobtui.engine import JobEngine, JobState, Stream
from jobtui.ui.app import JobApp
from jobtui.ui.screens.detail import JobDetailScreen
from jobtui.ui.widgets.jobs_table import JobsTable
from jobtui.ui.widgets.property_list import PropertyList

from .conftest import SIZE, control_characters, until


@asynccontextmanager
async def app_over(
    spill_dir: Path, memory_limit: int, history: Path
) -> AsyncIterator[tuple[JobEngine, JobApp, Pilot[int]]]:
    with JobEngine(
        guardian=False, memory_limit=memory_limit, spill_dir=str(spill_dir), shell="/bin/sh"
    ) as engine:
        app = JobApp(engine, history_path=history)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.pause()
            yield engine, app, pilot


def detail_properties(app: JobApp) -> str:
    screen = app.screen
    assert isinstance(screen, JobDetailScreen)
    return str(screen.query_one("#props-child-0", PropertyList).render())


async def test_a_full_spill_disk_is_reported_and_the_job_goes_on(
    small_disk: Path, tmp_path: Path
) -> None:
    async with app_over(small_disk, 16 * 1024, tmp_path / "history") as (engine, app, pilot):
        job = engine.start_job("seq 200000; echo finished")
        await until(pilot, lambda: job.state.is_finished, timeout=30)
        assert job.state is JobState.Completed
        store = job.transcript
        assert store is not None and store.lost_bytes > 0

        # The pane's title says how much was lost; what was kept is shown from the start.
        await pilot.press("escape")
        title = app.screen.query_one("#output-title", Label)
        await until(pilot, lambda: f"{store.lost_bytes:,} bytes lost" in str(title.render()))
        assert control_characters(app) == []

        # The detail names the loss and its cause.
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, JobDetailScreen))
        properties = detail_properties(app)
        assert re.search(rf"LostBytes +: {store.lost_bytes:,}\n", properties)
        assert "No space left on device" in properties
        kept = store.stream_bytes(Stream.Output)
        expected = "".join(f"{i}\n" for i in range(1, 200001)).encode() + b"finished\n"
        assert kept == expected[: len(kept)] and len(kept) + store.lost_bytes == len(expected)


async def test_an_unwritable_spill_directory_is_reported_and_nothing_is_lost(
    tmp_path: Path,
) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    async with app_over(not_a_dir, 1024, tmp_path / "history") as (engine, app, pilot):
        job = engine.start_job("seq 10000")
        await until(pilot, lambda: job.state.is_finished, timeout=30)
        await until(pilot, lambda: app.screen.query_one(JobsTable).row_count == 1)  # on screen
        await pilot.press("escape", "enter")
        await until(pilot, lambda: isinstance(app.screen, JobDetailScreen))
        properties = detail_properties(app)
        assert "kept in memory" in properties
        assert "LostBytes" not in properties
        assert re.search(r"OutputLines +: 10,000\n", properties)
