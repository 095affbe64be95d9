"""At 80x24, the default size of many terminals, the help and the detail screen read well."""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import Markdown

from jobtui.engine import JobEngine
from jobtui.ui.screens.detail import JobDetailScreen
from jobtui.ui.screens.help import HelpScreen
from jobtui.ui.widgets.output_view import OutputView

from .conftest import AppRunner, until

SMALL = (80, 24)


def cut_off(widget: Widget) -> list[str]:
    """The widgets under ``widget`` whose content is wider than they are (cut at the edge)."""
    return [
        f"{type(child).__name__} {child.virtual_size.width} > {child.size.width}"
        for child in widget.walk_children(Widget)
        if child.virtual_size.width > child.size.width > 0
    ]


async def test_at_80x24_the_help_fits_the_screen_and_wraps_its_lines(run_app: AppRunner) -> None:
    async with run_app(size=SMALL) as (app, pilot):
        await pilot.press("f1")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        panel = screen.query_one("#help-panel")
        # The whole panel, its border included, is on screen.
        assert panel.region.x >= 0 and panel.region.right <= SMALL[0]
        assert panel.region.y >= 0 and panel.region.bottom <= SMALL[1]
        text = screen.query_one("#help-text", Markdown)
        assert text.region.right <= panel.region.right
        # Every block wraps to the panel: none is wider than its place (a code block would be).
        await until(pilot, lambda: len(list(text.walk_children(Widget))) > 10)
        assert cut_off(text) == []
        # The text still scrolls to its end.
        scroll = screen.query_one("#help-scroll")
        assert scroll.max_scroll_y > 0


async def test_at_80x24_the_detail_screen_stacks_the_transcript_under_the_properties(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("echo hello; echo oops >&2; exit 3", name="failing")
    engine.wait_job([job])
    async with run_app(size=SMALL) as (app, pilot):
        await pilot.press("escape", "enter")
        await until(pilot, lambda: isinstance(app.screen, JobDetailScreen))
        await pilot.pause()
        screen = app.screen
        transcript = screen.query_one("#transcript", OutputView)
        properties = screen.query_one("#properties")
        assert transcript.region.width >= 70  # not squeezed to ~15 columns
        assert properties.region.width >= 70
        assert properties.region.bottom <= transcript.region.y  # stacked
        assert transcript.region.height >= 5
        assert screen.query_one("#reason-box").region.bottom <= properties.region.y
        await until(pilot, lambda: transcript.line_count == 2)
        # Wide again: side by side, as before.
        await pilot.resize_terminal(140, 40)
        await pilot.pause()
        assert properties.region.width == 64
        assert transcript.region.x >= properties.region.right
        assert transcript.region.y < properties.region.bottom
