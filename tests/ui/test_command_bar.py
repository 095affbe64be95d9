"""The command bar: running lines, inline errors, history kept between runs, completion."""

from __future__ import annotations

from pathlib import Path

from jobtui.engine import JobEngine, JobState
from jobtui.ui.screens.main import MainScreen
from jobtui.ui.widgets.output_view import OutputView

from .conftest import AppRunner, bar, main_screen, submit, table, until


def console_text(screen: MainScreen) -> str:
    return "\n".join(screen.console.texts())


async def test_a_line_starts_a_job_and_its_result_shows_in_the_console(
    run_app: AppRunner, engine: JobEngine
) -> None:
    async with run_app() as (app, pilot):
        await submit(pilot, "Start-Job -Name hello {echo hello-from-job}")
        await until(pilot, lambda: engine.jobs and engine.jobs[0].state is JobState.Completed)
        await until(pilot, lambda: table(app).row_count == 1)
        screen = main_screen(app)
        assert bar(app).value == ""  # a line that ran is cleared from the bar
        assert "PS> Start-Job -Name hello {echo hello-from-job}" in console_text(screen)
        assert "hello" in console_text(screen)  # the job table Start-Job prints
        assert screen.query_one("#panes").active == "console-tab"  # type: ignore[attr-defined]
        assert table(app).highlighted_job_id == engine.jobs[0].id


async def test_typing_letters_in_the_bar_never_fires_job_keys(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 1)
        assert app.focused is bar(app)
        await pilot.press("s", "x", "q", "w", "r", "k", "p", "c", "question_mark", "colon", "slash")
        await pilot.pause(0.2)
        assert bar(app).value == "sxqwrkpc?:/"
        assert job.state is JobState.Running
        assert len(app.screen_stack) == 2  # no dialog or help screen was opened
        assert main_screen(app).keep is True


async def test_an_error_shows_inline_on_one_line_and_keeps_the_text(
    run_app: AppRunner, engine: JobEngine
) -> None:
    async with run_app() as (app, pilot):
        await submit(pilot, "Receive-Job -Id 77")
        screen = main_screen(app)
        status = screen.query_one("#bar-status")
        await until(pilot, lambda: status.has_class("-error"))
        assert "77" in str(status.render())
        assert status.region.height == 1
        assert bar(app).value == "Receive-Job -Id 77"
        assert engine.jobs == []
        # Editing the line clears the error.
        await pilot.press("backspace")
        await pilot.pause()
        assert not status.has_class("-error")


async def test_a_syntax_error_is_reported_without_starting_anything(
    run_app: AppRunner, engine: JobEngine
) -> None:
    async with run_app() as (app, pilot):
        await submit(pilot, "Start-Job {echo unbalanced")
        status = main_screen(app).query_one("#bar-status")
        await until(pilot, lambda: status.has_class("-error"))
        assert bar(app).value == "Start-Job {echo unbalanced"
        assert engine.jobs == []


async def test_history_with_up_and_down_is_kept_between_runs(
    run_app: AppRunner, history_path: Path, engine: JobEngine
) -> None:
    async with run_app() as (app, pilot):
        await submit(pilot, "Get-Job")
        await submit(pilot, "Get-Job -State Running")
        await until(pilot, lambda: main_screen(app).command_line.running_line is None)
        command_bar = bar(app)
        command_bar.value = "draft"
        await pilot.press("up")
        assert command_bar.value == "Get-Job -State Running"
        await pilot.press("up")
        assert command_bar.value == "Get-Job"
        await pilot.press("up")  # the oldest stays
        assert command_bar.value == "Get-Job"
        await pilot.press("down", "down")
        assert command_bar.value == "draft"
    assert history_path.read_text().splitlines() == ["Get-Job", "Get-Job -State Running"]
    async with run_app() as (app, pilot):
        await pilot.press("up")
        assert bar(app).value == "Get-Job -State Running"


async def test_tab_completes_cmdlets_and_cycles_through_candidates(run_app: AppRunner) -> None:
    async with run_app() as (app, pilot):
        command_bar = bar(app)
        command_bar.value = "Receive-J"
        command_bar.cursor_position = len(command_bar.value)
        await pilot.press("tab")
        assert command_bar.value.lower() == "receive-job"
        command_bar.value = "Get-Job -"
        command_bar.cursor_position = len(command_bar.value)
        await pilot.press("tab")
        await pilot.pause()
        status = main_screen(app).query_one("#bar-status")
        offered = str(status.render())
        assert "-State" in offered and "-Name" in offered
        await pilot.press("tab")
        first = command_bar.value
        await pilot.press("tab")
        second = command_bar.value
        assert first.startswith("Get-Job -") and second.startswith("Get-Job -")
        assert first != second


async def test_tab_completes_job_names(run_app: AppRunner, engine: JobEngine) -> None:
    engine.start_job("true", name="builder")
    async with run_app() as (app, pilot):
        command_bar = bar(app)
        command_bar.value = "Get-Job -Name bui"
        command_bar.cursor_position = len(command_bar.value)
        await pilot.press("tab")
        assert command_bar.value == "Get-Job -Name builder"


async def test_escape_leaves_the_bar_and_colon_comes_back(run_app: AppRunner) -> None:
    async with run_app() as (app, pilot):
        assert app.focused is bar(app)
        await pilot.press("escape")
        assert app.focused is table(app)
        await pilot.press("colon")
        assert app.focused is bar(app)


async def test_a_blocking_line_streams_and_escape_cancels_it(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("echo first; sleep 30")
    async with run_app() as (app, pilot):
        screen = main_screen(app)
        await submit(pilot, f"Receive-Job -Id {job.id} -Wait")
        await until(pilot, lambda: "first" in screen.console.texts())
        assert screen.command_line.running_line is not None
        await submit(pilot, "Get-Job")  # refused while a line runs
        assert "Still running" in str(screen.query_one("#bar-status").render())
        bar(app).focus()
        await pilot.press("escape")
        await until(pilot, lambda: screen.command_line.running_line is None)
        assert job.state is JobState.Running  # cancelling the wait leaves the job alone
        console = screen.query_one("#console", OutputView)
        assert console.line_count >= 2
