"""What a frame costs while a job is followed: the screen is laid out again only when
something's width changes, not at every pull of a growing job (a layout of the main screen
is about 5 ms of the app's thread, in every frame of a flood)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from textual.screen import Screen

from jobtui.engine import JobEngine

from .conftest import AppRunner, main_screen, until
from .test_pane_search import search_of, status, type_search, view_of

#: Lines of the same width from 200 to 999: the view's width and the count's digits stay put.
TICKING = "seq 1 199; for i in $(seq 200 999); do echo tick $i; sleep 0.01; done; read never"


@pytest.fixture
def layouts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """One entry per layout of a screen from now on."""
    seen: list[int] = []
    original = Screen._refresh_layout

    def counting(self: Screen[object], *args: object, **kwargs: object) -> None:
        seen.append(1)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Screen, "_refresh_layout", counting)
    yield seen


async def test_following_a_growing_job_with_a_search_open_lays_nothing_out_again(
    run_app: AppRunner, engine: JobEngine, layouts: list[int]
) -> None:
    job = engine.start_job(TICKING)
    async with run_app() as (app, pilot):
        await until(pilot, lambda: main_screen(app).shown_job_id == job.id)
        view = view_of(app)
        view.focus()
        await type_search(pilot, "tick")
        search = search_of(app)
        await until(pilot, lambda: search.matches.count >= 300, timeout=20)
        await pilot.press("enter", "end")  # the search went to a match: follow the end again
        await until(pilot, lambda: view.following)
        await pilot.pause()
        layouts.clear()
        before = view.line_count
        await until(pilot, lambda: view.line_count >= before + 150, timeout=20)
        await until(pilot, lambda: search.matches.count >= view.line_count - 199)
        await pilot.pause()
        # Every pull grew the view and the count of matches, and none laid the screen out.
        assert len(layouts) <= 1, f"{len(layouts)} layouts for {view.line_count - before} lines"
        # What a layout would have done is done: the scrollbar's range is the lines', the view
        # is at its end, the count is shown.
        assert view.vertical_scrollbar.window_virtual_size == view.line_count
        assert view.following and view.is_vertical_scroll_end
        assert view.max_scroll_y == view.line_count - view.scrollable_content_region.height
        assert f"of {search.matches.count}" in status(app) or str(search.matches.count) in status(
            app
        )


@pytest.mark.parametrize("freeze", [True, False])
async def test_jobtuis_own_app_freezes_what_its_first_frame_made(
    run_app: AppRunner, freeze: bool
) -> None:
    """jobtui's own process freezes its screens out of the cyclic collector's walks; an app of a
    test (many in one process) stays collectable."""
    try:
        async with run_app(freeze_after_start=freeze) as (app, pilot):
            await pilot.pause(0.6)  # past the timer that freezes
            screen = main_screen(app)
            walked = any(thing is screen for thing in gc.get_objects())
            assert walked is not freeze
    finally:
        gc.unfreeze()


async def test_a_refresh_draws_only_the_widgets_where_it_is(
    run_app: AppRunner, engine: JobEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual drew every child of the screen again for a refresh of any line (it chose them by
    their container's clip): the key bar's refresh drew the jobs table and the command line."""
    from textual._styles_cache import StylesCache

    from jobtui.ui.widgets.jobs_table import JobsTable
    from jobtui.ui.widgets.key_bar import KeyBar

    engine.wait_job([engine.start_job("echo shown")])
    drawn: list[str] = []
    original = StylesCache.render_widget

    def counting(self: StylesCache, widget: object, crop: object) -> object:
        drawn.append(type(widget).__name__)
        return original(self, widget, crop)  # type: ignore[arg-type]

    async with run_app() as (app, pilot):
        screen = main_screen(app)
        await until(pilot, lambda: screen._jobs_table.row_count == 1)
        await pilot.pause()
        monkeypatch.setattr(StylesCache, "render_widget", counting)
        for _ in range(5):
            screen.query_one(KeyBar).refresh()
            await pilot.pause()
        assert drawn.count("KeyBar") >= 5
        assert "JobsTable" not in drawn and "CommandBar" not in drawn, drawn
        drawn.clear()
        screen.query_one(JobsTable).refresh()
        await pilot.pause()
        assert "JobsTable" in drawn and "KeyBar" not in drawn, drawn
