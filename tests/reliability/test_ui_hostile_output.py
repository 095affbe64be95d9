"""Hostile output on screen: the output pane and the detail screen show it, and nothing escapes.

Each payload of :mod:`test_hostile_output` is written by a real job to both streams, and the job
fails, so its Reason carries the last (hostile) stderr line into the notification, the detail
screen's reason box and its property list too. What reaches the terminal is checked byte by
byte: Textual's own cursor moves and colours, and no control character from the job.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from jobtui.engine import JobEngine, JobState, Stream
from jobtui.ui.screens.detail import JobDetailScreen
from jobtui.ui.screens.main import MainScreen
from jobtui.ui.widgets.output_view import OutputView
from jobtui.ui.widgets.panes import Panes

from .conftest import AppRunner, control_characters, main_screen, screen_text, until
from .test_hostile_output import HOSTILE

#: Seconds a key may take to have its effect while hostile output is on screen (generous: a
#: frozen app takes forever, a slow shared machine a second or two).
RESPONSE_BOUND = 5.0

#: Something each payload must show once neutralised (the last lines are on screen).
SHOWN = {
    "invalid-utf8": "ok \ufffd",
    "nul-bytes": "abc",
    "progress-bars": "progress 100%",
    "one-10mib-line": "x" * 100,  # its first 4,000 characters, then "… [N more characters]"
    "10mib-urandom": "",
    "terminal-escapes": "red",
}


def assert_lines_are_clean(view: OutputView, windows: int) -> None:
    """Scroll through the view, a screenful at up to ``windows`` places spread from start to end
    (every line of a short transcript): no strip it draws holds a control character."""
    height = view.scrollable_content_region.height
    assert height > 0
    last_top = max(view.line_count - height, 0)
    tops = sorted({last_top * i // max(windows - 1, 1) for i in range(windows)})
    if last_top // height < windows:
        tops = list(range(0, last_top + height, height))
    for top in tops:
        view.scroll_to(y=top, animate=False, immediate=True)
        for y in range(height):
            for segment in view.render_line(y):
                assert segment.control is None
                bad = [ch for ch in segment.text if unicodedata.category(ch) == "Cc"]
                assert not bad, f"line {top + y}: {bad!r} in {segment.text[:80]!r}"
    view.scroll_end(animate=False, immediate=True)


async def assert_responds(pilot: Pilot[int], key: str, done: Callable[[], object]) -> None:
    """``key`` has its effect within :data:`RESPONSE_BOUND` seconds."""
    started = time.monotonic()
    await pilot.press(key)
    await until(pilot, done, timeout=RESPONSE_BOUND)
    assert time.monotonic() - started < RESPONSE_BOUND


@pytest.mark.parametrize("name", list(HOSTILE))
async def test_hostile_output_is_shown_safely_in_the_pane_and_the_detail(
    run_app: AppRunner, engine: JobEngine, tmp_path: Path, name: str
) -> None:
    data = HOSTILE[name]
    source = tmp_path / "data.bin"
    source.write_bytes(data)
    async with run_app() as (app, pilot):
        # Started under the app's eyes, so its failure (Reason: the last stderr line) is notified.
        job = engine.start_job(f"cat {source}; cat {source} >&2; exit 3")
        store = job.transcript
        assert store is not None
        await until(pilot, lambda: job.state.is_finished, timeout=60)
        assert job.state is JobState.Failed
        # The notification, with the hostile Reason: looked for now, while its toast shows (a
        # slow machine may take longer than the toast's life to fill the pane below).
        await until(pilot, lambda: "failed" in screen_text(app))
        assert control_characters(app) == []

        # The output pane: the table's first row is the job.
        screen = main_screen(app)
        await pilot.press("escape")
        view = screen.query_one("#output", OutputView)
        await until(pilot, lambda: view.line_count == store.line_count)
        await pilot.pause()
        assert control_characters(app) == []
        assert SHOWN[name] in screen_text(app)
        assert_lines_are_clean(view, windows=60)
        panes = screen.query_one(Panes)
        await assert_responds(pilot, "c", lambda: panes.active == "console-tab")
        await assert_responds(pilot, "c", lambda: panes.active == "output-tab")

        # The detail screen: title, Reason, properties, transcript.
        await assert_responds(pilot, "enter", lambda: isinstance(app.screen, JobDetailScreen))
        transcript = app.screen.query_one("#transcript", OutputView)
        await until(pilot, lambda: transcript.line_count == store.line_count)
        await pilot.pause()
        assert control_characters(app) == []
        assert SHOWN[name] in screen_text(app)
        assert "Exit code 3" in screen_text(app)
        transcript.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        assert control_characters(app) == []
        assert_lines_are_clean(transcript, windows=30)
        await assert_responds(pilot, "escape", lambda: isinstance(app.screen, MainScreen))

    # Showing is not receiving (keep is on), and nothing was altered on the way.
    assert store.lost_bytes == 0
    assert store.stream_bytes(Stream.Output) == data
    assert store.stream_bytes(Stream.Error) == data


#: Escapes in the command language (`e is ESC, `a is BEL): title, clipboard, clear, alt screen.
TYPED_ESCAPES = "`e]0;owned`a`e]52;c;aGk=`a`e[2J`e[?1049h`a"
#: The same as raw characters, as a pasted or scripted command would carry them.
RAW_ESCAPES = "\x1b]0;owned\x07\x1b]52;c;aGk=\x07\x1b[2J\x1b[?1049h\x07\x9b2J"


async def test_hostile_job_names_and_commands_never_reach_the_terminal(
    run_app: AppRunner, engine: JobEngine
) -> None:
    async with run_app() as (app, pilot):
        screen = main_screen(app)
        bar = screen.command_line.bar
        bar.value = f'Start-Job -Name "done{TYPED_ESCAPES}" {{echo typed}}'
        await pilot.press("enter")
        await until(pilot, lambda: len(engine.jobs) == 1 and engine.jobs[0].state.is_finished)
        finished = engine.jobs[0]
        assert "\x1b" in finished.name
        running = engine.start_job(f"sleep 30 # {RAW_ESCAPES}", name=f"run{RAW_ESCAPES}")
        await until(pilot, lambda: "completed" in screen_text(app))  # the notification is up
        assert control_characters(app) == []

        # The table, the output pane's title, the console (Start-Job's own table).
        await pilot.press("escape")
        await until(pilot, lambda: str(screen.query_one("#jobs").border_title).startswith("Jobs 2"))
        for key in ("down", "up", "c", "c"):
            await pilot.press(key)
            await pilot.pause()
            assert control_characters(app) == []

        # Each job's detail.
        for key in ("enter", "escape", "down", "enter"):
            await pilot.press(key)
            await pilot.pause(0.3)
            assert control_characters(app) == []
        await pilot.press("escape")

        # The Wait dialog, the quit question, the command palette: they all name jobs.
        for opened, closed in (("w", "escape"), ("q", "escape"), ("ctrl+p", "escape")):
            await pilot.press(opened)
            await until(pilot, lambda: len(app.screen_stack) > 1)
            await pilot.pause(0.3)
            assert control_characters(app) == [], f"after {opened!r}"
            await pilot.press(closed)
            await until(pilot, lambda: len(app.screen_stack) == 1)
        assert running.state is JobState.Running
