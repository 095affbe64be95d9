"""The live job table: diff updates, kept cursor and sort, state words, sort keys, filter."""

from __future__ import annotations

from typing import Any

import pytest
from rich.style import Style

from jobtui.engine import JobEngine, JobState
from jobtui.ui.screens.detail import JobDetailScreen
from jobtui.ui.table.rows import JobRows, RowChanges
from jobtui.ui.widgets.jobs_table import COLUMN_KEYS, JobsTable

from .conftest import AppRunner, cell, main_screen, table, until


async def test_rows_follow_the_engine_and_states_read_without_colour(
    run_app: AppRunner, engine: JobEngine
) -> None:
    quick = engine.start_job("echo done")
    slow = engine.start_job("sleep 30", name="slow")
    failing = engine.start_job("exit 4")
    async with run_app() as (app, pilot):
        await until(pilot, lambda: cell(app, failing, "state") == "✗ Failed")
        await until(pilot, lambda: cell(app, quick, "state") == "✓ Completed")
        assert cell(app, slow, "state") == "▸ Running"
        assert cell(app, slow, "name") == "slow"
        assert cell(app, failing, "exit").strip() == "4"
        assert cell(app, quick, "type") == "BackgroundJob"
        assert cell(app, quick, "location") == "localhost"
        assert cell(app, slow, "pid").strip() == str(slow.executing_job.process.pid)
        assert cell(app, slow, "command") == "sleep 30"
        assert cell(app, quick, "more").startswith("True")
        engine.stop_job([slow], wait=True)
        await until(pilot, lambda: cell(app, slow, "state") == "■ Stopped")


async def test_a_refresh_touches_only_changed_cells_and_never_rebuilds(
    run_app: AppRunner, engine: JobEngine
) -> None:
    jobs = [engine.start_job("echo x") for _ in range(20)]
    engine.wait_job(jobs)
    async with run_app() as (app, pilot):
        jobs_table = table(app)
        await until(pilot, lambda: jobs_table.row_count == 20)
        jobs_table.sync(engine.changes(-1).changed)
        assert jobs_table.last_updates == 0  # nothing changed: no update_cell at all
        engine.receive_job([jobs[3]])
        jobs_table.sync(engine.changes(-1).changed)
        assert jobs_table.last_updates == 1  # only HasMoreData of that one row
        assert cell(app, jobs[3], "more") == "False"
        engine.start_job("sleep 30")
        jobs_table.sync(engine.changes(-1).changed)
        assert jobs_table.row_count == 21
        assert jobs_table.last_updates == len(COLUMN_KEYS)  # the new row's cells


async def test_the_cursor_stays_on_its_job_when_rows_come_and_go(
    run_app: AppRunner, engine: JobEngine
) -> None:
    first = engine.start_job("sleep 30")
    second = engine.start_job("true")
    third = engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        jobs_table = table(app)
        await pilot.press("escape", "down", "down")
        assert jobs_table.highlighted_job_id == third.id
        engine.wait_job([second])
        engine.remove_job(second)
        await until(pilot, lambda: jobs_table.row_count == 2)
        assert jobs_table.highlighted_job_id == third.id
        engine.start_job("true")
        await until(pilot, lambda: jobs_table.row_count == 3)
        assert jobs_table.highlighted_job_id == third.id
        await pilot.press("up")
        assert jobs_table.highlighted_job_id == first.id


async def test_sorting_by_a_column_keeps_the_selection(
    run_app: AppRunner, engine: JobEngine
) -> None:
    zeta = engine.start_job("true", name="zeta")
    alpha = engine.start_job("true", name="alpha")
    mid = engine.start_job("true", name="mid")
    engine.wait_job([zeta, alpha, mid])
    async with run_app() as (app, pilot):
        jobs_table = table(app)
        await pilot.press("escape")
        assert jobs_table.highlighted_job_id == zeta.id
        await pilot.press("o")  # sort by Name
        assert jobs_table.sort_column == "name"
        assert jobs_table.shown_job_ids == [alpha.id, mid.id, zeta.id]
        assert jobs_table.highlighted_job_id == zeta.id
        await pilot.press("O")
        assert jobs_table.shown_job_ids == [zeta.id, mid.id, alpha.id]
        assert jobs_table.highlighted_job_id == zeta.id
        assert "Name▼" in jobs_table.columns["name"].label.plain  # type: ignore[index]
        # A click on a header sorts by that column (the Id header: row 1, inside the border).
        await pilot.click(JobsTable, offset=(2, 1))
        await pilot.pause()
        assert jobs_table.sort_column == "id"
        assert jobs_table.shown_job_ids == [zeta.id, alpha.id, mid.id]


async def test_the_sort_order_holds_while_values_change(
    run_app: AppRunner, engine: JobEngine
) -> None:
    slow = engine.start_job("sleep 30", name="a-slow")
    fast = engine.start_job("true", name="b-fast")
    async with run_app() as (app, pilot):
        jobs_table = table(app)
        jobs_table.sort_by("state")
        await until(pilot, lambda: fast.state is JobState.Completed)
        await until(pilot, lambda: cell(app, fast, "state") == "✓ Completed")
        # Completed < Running by name: the finished job moved up, the order follows the values.
        assert jobs_table.shown_job_ids == [fast.id, slow.id]


async def test_the_filter_shows_matching_jobs_and_escape_clears_it(
    run_app: AppRunner, engine: JobEngine
) -> None:
    build = engine.start_job("echo building", name="build")
    test = engine.start_job("sleep 30", name="test")
    async with run_app() as (app, pilot):
        jobs_table = table(app)
        await pilot.press("escape", "slash")
        assert app.focused is main_screen(app).query_one("#filter")
        await pilot.press("b", "u", "i")
        assert jobs_table.shown_job_ids == [build.id]
        await pilot.press("enter")
        assert app.focused is jobs_table
        assert "filter" in str(jobs_table.border_subtitle)
        await pilot.press("escape")
        assert jobs_table.shown_job_ids == [build.id, test.id]
        # By state, too.
        await pilot.press("slash", "r", "u", "n")
        assert jobs_table.shown_job_ids == [test.id]
        await pilot.press("escape")
        assert jobs_table.filter_text == ""


async def test_marked_jobs_are_what_keys_act_on(run_app: AppRunner, engine: JobEngine) -> None:
    one = engine.start_job("sleep 30")
    engine.start_job("sleep 30")
    three = engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        jobs_table = table(app)
        await pilot.press("escape", "space", "space")  # marking moves to the next row
        assert jobs_table.target_job_ids() == [one.id, engine.jobs[1].id]
        assert cell(app, one, "id").startswith("●")
        await pilot.press("s")
        await until(pilot, lambda: one.state is JobState.Stopped)
        assert three.state is JobState.Running


async def test_keys_and_clicks_move_the_cursor_and_a_click_on_it_opens_the_detail(
    run_app: AppRunner, engine: JobEngine
) -> None:
    jobs = [engine.start_job("true", name=f"j{i}") for i in range(40)]
    engine.wait_job(jobs)
    async with run_app() as (app, pilot):
        jobs_table = table(app)
        await until(pilot, lambda: jobs_table.row_count == 40)
        await pilot.press("escape", "end")
        assert jobs_table.highlighted_job_id == jobs[-1].id
        assert jobs_table.scroll_offset.y > 0  # the last row was scrolled into view
        await pilot.press("home")
        assert jobs_table.highlighted_job_id == jobs[0].id
        assert jobs_table.scroll_offset.y == 0
        await pilot.press("pagedown")
        assert jobs_table.cursor_row > 1
        await pilot.press("home")
        # Row 3 of the table (inside the border, under the header) is the third job.
        await pilot.click(JobsTable, offset=(4, 4))
        assert jobs_table.highlighted_job_id == jobs[2].id
        assert isinstance(app.screen, type(main_screen(app)))
        await pilot.click(JobsTable, offset=(4, 4))
        await until(pilot, lambda: isinstance(app.screen, JobDetailScreen))


def row_text(jobs_table: JobsTable, y: int) -> str:
    return "".join(segment.text for segment in jobs_table.render_line(y))


async def test_a_narrow_table_hides_the_least_useful_columns_and_keeps_the_command(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("sleep 30 # the-command", name="narrow")
    async with run_app(size=(80, 30)) as (app, pilot):
        jobs_table = table(app)
        await until(pilot, lambda: jobs_table.row_count == 1)
        await pilot.pause()
        header, row = row_text(jobs_table, 0), row_text(jobs_table, 1)
        for kept in ("Id", "Name", "State", "HasMoreData", "Command"):
            assert kept in header
        for hidden in ("PSJobTypeName", "Location"):
            assert hidden not in header
        assert "the-command" in row and "narrow" in row and "Running" in row
        # Wide again: every column is back.
        await pilot.resize_terminal(160, 30)
        await pilot.pause()
        header = row_text(jobs_table, 0)
        assert "PSJobTypeName" in header and "Location" in header and "Command" in header
        assert job.state is JobState.Running


async def test_at_120_columns_every_column_is_shown(run_app: AppRunner) -> None:
    async with run_app() as (app, pilot):
        await pilot.pause()
        header = row_text(table(app), 0)
        assert all(label in header for label in ("PSJobTypeName", "Location", "Exit", "Command"))


async def test_at_200_columns_long_names_are_told_apart(
    run_app: AppRunner, engine: JobEngine
) -> None:
    engine.start_job("sleep 30", name="short")
    async with run_app(size=(200, 30)) as (app, pilot):
        jobs_table = table(app)
        await until(pilot, lambda: jobs_table.row_count == 1)
        await pilot.pause()
        assert "Name       PSJobTypeName" in row_text(jobs_table, 0)  # short names: as it was
        prod = engine.start_job("sleep 30 # p", name="build-frontend-assets-prod")
        dev = engine.start_job("sleep 30 # d", name="build-frontend-assets-dev")
        await until(pilot, lambda: jobs_table.row_count == 3)
        await pilot.pause()
        rows = [row_text(jobs_table, y) for y in (2, 3)]
        assert "build-frontend-assets-prod " in rows[0] and str(prod.id) in rows[0]
        assert "build-frontend-assets-dev " in rows[1] and str(dev.id) in rows[1]
        assert "sleep 30 # p" in rows[0]  # the command still shows
        assert cell(app, prod, "name") == "build-frontend-assets-prod"


async def test_names_sort_naturally(run_app: AppRunner, engine: JobEngine) -> None:
    jobs = {n: engine.start_job("true", name=n) for n in ("Job17", "Job3", "job20", "Job1")}
    engine.wait_job(list(jobs.values()))
    async with run_app() as (app, pilot):
        jobs_table = table(app)
        await until(pilot, lambda: jobs_table.row_count == 4)
        await pilot.press("escape", "o")
        assert jobs_table.sort_column == "name"
        assert jobs_table.shown_job_ids == [jobs[n].id for n in ("Job1", "Job3", "Job17", "job20")]


async def test_a_large_unread_count_is_shown_exactly_where_it_fits(
    run_app: AppRunner, engine: JobEngine
) -> None:
    engine.start_job("true", name="first")  # under the cursor: the big one is not shown
    big = engine.start_job("seq 123456", name="big")
    engine.wait_job([big])
    async with run_app(size=(200, 30)) as (app, pilot):
        await until(pilot, lambda: cell(app, big, "more") == "True +123,456")
        await pilot.resize_terminal(120, 30)
        await until(pilot, lambda: cell(app, big, "more") == "True +123k")  # no room: rounded


async def test_a_pull_hands_the_table_only_the_jobs_it_brought(
    run_app: AppRunner, engine: JobEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = [engine.start_job("echo x") for _ in range(30)]
    engine.wait_job(jobs)
    async with run_app() as (app, pilot):
        jobs_table = table(app)
        await until(pilot, lambda: jobs_table.row_count == 30)
        looked_at: list[list[int] | None] = []
        original = JobRows.sync

        def sync(self: JobRows, records: object, **options: Any) -> RowChanges:
            changed = options.get("changed")
            looked_at.append(None if changed is None else sorted(job.id for job in changed))
            return original(self, records, **options)  # type: ignore[arg-type]

        monkeypatch.setattr(JobRows, "sync", sync)
        engine.receive_job([jobs[3]])
        main_screen(app).refresh_table()
        assert looked_at == [[jobs[3].id]]
        assert cell(app, jobs[3], "more") == "False"
        main_screen(app).refresh_table()  # nothing new: nothing to look at
        assert looked_at[-1] == []
        engine.remove_job(jobs[5])  # a job that went is dropped all the same
        main_screen(app).refresh_table()
        assert jobs_table.row_count == 29 and jobs[5].id not in jobs_table.shown_job_ids


async def test_a_frame_reads_the_tables_styles_only_when_they_moved(
    run_app: AppRunner, engine: JobEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = [engine.start_job("echo x") for _ in range(5)]
    engine.wait_job(jobs)
    async with run_app() as (app, pilot):
        jobs_table = table(app)
        await until(pilot, lambda: jobs_table.row_count == 5)
        await pilot.pause()
        reads: list[str] = []
        original = JobsTable.get_component_rich_style

        def counting(self: JobsTable, *names: str, **options: Any) -> Style:
            reads.extend(names)
            return original(self, *names, **options)

        monkeypatch.setattr(JobsTable, "get_component_rich_style", counting)
        engine.receive_job([jobs[1]])
        main_screen(app).refresh_table()
        drawn = jobs_table._frame
        await until(pilot, lambda: jobs_table._frame is not drawn)  # the next frame drew a row
        assert reads == []  # and drew it with the styles of the last frame
        assert "False" in row_text(jobs_table, 2)
        # Focus moves the cursor's colours (a rule of :focus): read again, and drawn with them.
        blurred = jobs_table._look
        jobs_table.focus() if app.focused is not jobs_table else app.set_focus(None)
        await pilot.pause()
        await pilot.pause()
        assert "jobs-table--cursor" in reads
        assert jobs_table._look != blurred
