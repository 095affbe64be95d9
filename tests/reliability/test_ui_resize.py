"""The terminal shrinks to 20x5 and grows back: nothing raises, the layout returns, the bar
works."""

from __future__ import annotations

from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget

from jobtui.engine import JobEngine
from jobtui.ui.app import JobApp
from jobtui.ui.screens.detail import JobDetailScreen
from jobtui.ui.screens.main import MainScreen

from .conftest import SIZE, AppRunner, control_characters, until

#: The main screen's areas, by selector.
AREAS = ("#command-line", "#jobs", "#panes", "KeyBar")


def layout(app: JobApp) -> dict[str, Region]:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return {selector: screen.query_one(selector, Widget).region for selector in AREAS}


async def shrink_and_grow(pilot: Pilot[int], keys: tuple[str, ...]) -> None:
    """20x5, the keys pressed there, then the original size again."""
    await pilot.resize_terminal(20, 5)
    await pilot.pause(0.2)
    assert pilot.app.screen.size == (20, 5)
    for key in keys:
        await pilot.press(key)
        await pilot.pause(0.05)
    await pilot.resize_terminal(*SIZE)
    await pilot.pause(0.2)


async def test_a_20x5_terminal_and_back_keeps_the_app_whole(
    run_app: AppRunner, engine: JobEngine
) -> None:
    engine.start_job("seq 200; sleep 30", name="busy")
    engine.wait_job([engine.start_job("echo ok", name="done")])
    async with run_app() as (app, pilot):
        main = app.screen
        await until(pilot, lambda: str(main.query_one("#jobs").border_title).startswith("Jobs 2"))
        await pilot.press("escape")
        await pilot.pause(0.2)
        before = layout(app)
        assert all(region.area for region in before.values())

        # Tiny, with the table focused: move, switch panes, open and close the detail.
        await shrink_and_grow(pilot, ("down", "up", "c", "c", "enter", "escape"))
        assert app.screen is main
        assert layout(app) == before

        # Tiny while the detail is open, back to full size there, then back to the main screen.
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, JobDetailScreen))
        await shrink_and_grow(pilot, ("tab",))
        assert control_characters(app) == []
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is main)
        await pilot.pause(0.2)
        assert layout(app) == before

        # The bar still works: a line typed key by key runs and its result shows.
        await pilot.press("colon", *"Get-Job -Name done", "enter")
        console = main.console  # type: ignore[attr-defined]
        await until(pilot, lambda: any("done" in t and "Completed" in t for t in console.texts()))
        assert "PS> Get-Job -Name done" in console.texts()
        assert app.return_code is None  # still running: no exception ended it
