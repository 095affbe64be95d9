"""Quitting a hosted session with jobs running: the dialog's third answer disconnects."""

from __future__ import annotations

from jobtui.engine import JobEngine
from jobtui.ui.screens.confirm import ConfirmDialog
from jobtui.ui.screens.quit_dialog import QuitDialog

from .conftest import AppRunner, until


async def test_disconnect_leaves_the_jobs_running_and_ends_the_app(
    run_app: AppRunner, engine: JobEngine
) -> None:
    disconnected: list[bool] = []
    job = engine.start_job("sleep 1000", name="long")
    async with run_app(disconnect=lambda: disconnected.append(True)) as (app, pilot):
        await until(pilot, lambda: app.screen.pull.jobs)  # type: ignore[attr-defined]
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuitDialog))
        await pilot.press("d")
        await until(pilot, lambda: app.return_code == 0)
    assert disconnected == [True]
    assert not job.state.is_finished  # nothing was stopped


async def test_cancel_stays_and_stop_stops(run_app: AppRunner, engine: JobEngine) -> None:
    job = engine.start_job("sleep 1000", name="long")
    async with run_app(disconnect=lambda: None) as (app, pilot):
        await until(pilot, lambda: app.screen.pull.jobs)  # type: ignore[attr-defined]
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuitDialog))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, QuitDialog))
        assert app.return_code is None
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuitDialog))
        await pilot.press("y")
        await until(pilot, lambda: app.return_code == 0)
    await_finished = engine.wait_job([job], timeout=10)
    assert await_finished and job.state.is_finished


async def test_an_in_process_session_keeps_the_yes_no_question(
    run_app: AppRunner, engine: JobEngine
) -> None:
    engine.start_job("sleep 1000", name="long")
    async with run_app() as (app, pilot):
        await until(pilot, lambda: app.screen.pull.jobs)  # type: ignore[attr-defined]
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
