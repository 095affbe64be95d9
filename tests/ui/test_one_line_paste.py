"""A paste of several lines into a one-line box is taken whole, as one line: the job filter
and the pane's search box (Textual's Input kept the first line and dropped the rest)."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from jobtui.engine import JobEngine
from jobtui.ui.screens.pane_search import SearchBox

from .conftest import AppRunner, main_screen, table, until


async def test_a_paste_of_several_lines_filters_by_all_of_it(
    run_app: AppRunner, engine: JobEngine
) -> None:
    engine.start_job("echo one", name="nightly build")
    engine.start_job("echo two", name="nightly")
    async with run_app() as (app, pilot):
        jobs_table = table(app)
        await pilot.press("escape", "slash")
        box = main_screen(app).query_one("#filter", Input)
        assert app.focused is box
        await pilot.press(*"nig")
        box.post_message(events.Paste("htly\r\nbuild\n"))
        await until(pilot, lambda: box.value == "nightly build")
        await until(pilot, lambda: jobs_table.filter_text == "nightly build")
        assert len(jobs_table.shown_job_ids) == 1
        assert box.cursor_position == len("nightly build")


async def test_a_pasted_pattern_of_two_lines_is_searched_as_one(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("echo 'error: disk full'; echo other")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        screen = main_screen(app)
        await until(pilot, lambda: screen.shown_job_id == job.id)
        view = screen.query_one("#output")
        view.focus()
        await pilot.press("slash")
        box = screen.query_one(SearchBox)
        box.post_message(events.Paste("error:\n\ndisk"))
        await until(pilot, lambda: screen.pane_search.pattern == "error: disk")
        await until(pilot, lambda: screen.pane_search.matches.count == 1)
