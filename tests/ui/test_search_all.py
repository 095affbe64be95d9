"""The search across every job: its matches with job, line, time and stream, counting on while
jobs write; Enter opens the job's Output pane at the line; a key and a palette entry open it."""

from __future__ import annotations

from jobtui.engine import JobEngine
from jobtui.ui.actions import JobAction
from jobtui.ui.messages import JobActionRequested
from jobtui.ui.screens.search_all import SearchAllScreen

from .conftest import AppRunner, main_screen, table, until


def screen_of(app: object) -> SearchAllScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, SearchAllScreen)
    return screen


async def test_ctrl_f_lists_the_matches_of_every_job_and_enter_opens_one_at_its_line(
    run_app: AppRunner, engine: JobEngine
) -> None:
    first = engine.start_job(
        "seq 1 50; sleep 0.1; echo 'disk full' >&2; sleep 0.1; seq 51 99", name="alpha"
    )
    second = engine.start_job("echo ok; echo 'disk full again'", name="beta")
    engine.wait_job([first, second])
    async with run_app() as (app, pilot):
        await until(pilot, lambda: len(table(app).shown_job_ids) == 2)
        await pilot.press("ctrl+f")
        await until(pilot, lambda: isinstance(app.screen, SearchAllScreen))
        await pilot.press(*"disk")
        screen = screen_of(app)
        await until(pilot, lambda: screen.table.row_count == 2)
        rows = [[str(c) for c in screen.table.get_row_at(i)] for i in range(2)]
        assert {row[0] for row in rows} == {f"alpha ({first.id})", f"beta ({second.id})"}
        alpha = next(row for row in rows if row[0].startswith("alpha"))
        assert alpha[1] == "51" and alpha[3] == "stderr" and alpha[4] == "disk full"
        assert alpha[2].count(":") == 2
        assert "2 matches in 2 jobs" in screen.status_text()
        await pilot.press("enter")  # the box: into the matches
        row = next(i for i, r in enumerate(rows) if r[0].startswith("alpha"))
        screen.table.move_cursor(row=row)
        await pilot.press("enter")
        main = main_screen(app)
        await until(pilot, lambda: app.screen is main and main.shown_job_id == first.id)
        search = main.pane_search
        await until(pilot, lambda: search.matches.current is not None)
        assert search.cursor_line() == 50 and search.pattern == "disk"
        assert app.focused is main.query_one("#output")


async def test_the_search_counts_on_as_jobs_write_and_the_palette_opens_it(
    run_app: AppRunner, engine: JobEngine
) -> None:
    async with run_app() as (app, pilot):
        main = main_screen(app)
        main.post_message(JobActionRequested(JobAction.SEARCH_ALL, []))
        await until(pilot, lambda: isinstance(app.screen, SearchAllScreen))
        await pilot.press(*"beat")
        screen = screen_of(app)
        await until(pilot, lambda: "0 matches" in screen.status_text())
        # A job started after the search began is searched as it writes.
        engine.start_job("for i in 1 2 3; do echo beat $i; sleep 0.3; done")
        await until(pilot, lambda: screen.count == 3, timeout=8)
        assert screen.table.row_count == 3


async def test_a_bad_regex_says_so_in_the_status(run_app: AppRunner, engine: JobEngine) -> None:
    async with run_app() as (app, pilot):
        await pilot.press("ctrl+f")
        await until(pilot, lambda: isinstance(app.screen, SearchAllScreen))
        await pilot.press("ctrl+r", "[")
        screen = screen_of(app)
        await until(pilot, lambda: screen.status_text().startswith("Not a valid regex"))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is main_screen(app))
