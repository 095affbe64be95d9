"""The Console pane's search: / and ? as you type, n and N, k of N as the console grows, &
filtering; the Output pane's search stays its own."""

from __future__ import annotations

from textual.widgets import Label

from jobtui.ui.screens.pane_search import SearchBox
from jobtui.ui.widgets.output_view import OutputView

from .conftest import AppRunner, main_screen, until


def status(row: object) -> str:
    return str(row.query_one("#output-search-status", Label).render())  # type: ignore[attr-defined]


async def test_slash_searches_the_console_and_n_steps_through_its_matches(
    run_app: AppRunner,
) -> None:
    async with run_app() as (app, pilot):
        screen = main_screen(app)
        base = screen.console.line_count
        screen.console.append([("output", f"result {i}") for i in range(200)])
        screen.console.append([("error", "needle: the first"), ("output", "filler")])
        screen.console.append([("output", f"more {i}") for i in range(100)])
        screen.console.append([("output", "a needle again")])
        screen.query_one("#panes").active = "console-tab"  # type: ignore[attr-defined]
        view = screen.query_one("#console", OutputView)
        await until(pilot, lambda: view.line_count == base + 303)
        view.focus()
        await pilot.press("home", "slash", *"needle")
        search = screen.console_search
        await until(pilot, lambda: search.matches.count == 2 and search.matches.current == 0)
        assert search.row is not None and search.row.parent is view.parent
        assert "1 of 2" in status(search.row)
        assert round(view.scroll_y) <= base + 200 < round(view.scroll_y) + view.size.height
        await pilot.press("enter")
        assert app.focused is view
        await pilot.press("n")
        assert search.matches.current == 1 and "2 of 2" in status(search.row)
        assert round(view.scroll_y) <= base + 302 < round(view.scroll_y) + view.size.height
        # The console grows: the count goes on.
        screen.console.append([("output", "needle three")])
        await until(pilot, lambda: search.matches.count == 3)
        # The Output pane's search was not touched.
        assert screen.pane_search.pattern == "" and screen.pane_search.row is None


async def test_ampersand_filters_the_console_and_escape_drops_it(run_app: AppRunner) -> None:
    async with run_app() as (app, pilot):
        screen = main_screen(app)
        base = screen.console.line_count
        screen.console.append(
            [("output", f"{'keep' if i % 10 == 0 else 'drop'} {i}") for i in range(100)]
        )
        screen.query_one("#panes").active = "console-tab"  # type: ignore[attr-defined]
        view = screen.query_one("#console", OutputView)
        await until(pilot, lambda: view.line_count == base + 100)
        view.focus()
        await pilot.press("ampersand", *"keep")
        search = screen.console_search
        await until(pilot, lambda: view.line_count == 10)
        assert view.source is search.filtered
        assert [text for _, text in view.source.lines(0, 3)] == ["keep 0", "keep 10", "keep 20"]  # type: ignore[union-attr]
        await pilot.press("escape")
        await until(pilot, lambda: view.line_count == base + 100)
        assert view.source is screen.console and not search.row.display  # type: ignore[union-attr]
        assert isinstance(app.focused, OutputView)
        assert not any(isinstance(w, SearchBox) and w.has_focus for w in screen.query(SearchBox))
