"""The Output pane's transcript in $EDITOR at the line on screen, in $PAGER, and its shown or
filtered lines copied through OSC 52 with a notice that says so."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

import pytest

from jobtui.engine import JobEngine

from .conftest import AppRunner, main_screen, until
from .test_pane_search import into_pane, type_search


def recorder(tmp_path: Path) -> Path:
    """A program that writes its arguments and the file it was given to ``tmp_path``."""
    script = tmp_path / "record"
    script.write_text(
        '#!/bin/sh\nfor a in "$@"; do echo "$a"; done > "$(dirname "$0")/args"\n'
        'for a in "$@"; do f="$a"; done; cp "$f" "$(dirname "$0")/seen"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


@pytest.mark.parametrize("key, variable", [("v", "EDITOR"), ("o", "PAGER")])
async def test_the_transcript_opens_in_the_editor_at_the_line_and_in_the_pager(
    run_app: AppRunner,
    engine: JobEngine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    key: str,
    variable: str,
) -> None:
    script = recorder(tmp_path)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv(variable, f"{script} --flag")
    job = engine.start_job("seq 1 300; sleep 0.1; echo found-it >&2; sleep 0.1; seq 301 400")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
        await into_pane(pilot, app, job)
        await pilot.press("home", "e")
        await until(pilot, lambda: main_screen(app).pane_search.cursor_line() == 300)
        await pilot.press(key)
        await until(pilot, lambda: (tmp_path / "seen").exists())
        args = (tmp_path / "args").read_text().split("\n")
        assert args[0] == "--flag"
        if key == "v":
            assert args[1] == "+301"
        seen = (tmp_path / "seen").read_text().splitlines()
        assert len(seen) == 401 and seen[300] == "found-it"
        temporary = Path(args[-2])
        await until(pilot, lambda: not temporary.exists())  # deleted after


async def test_a_missing_editor_says_so_in_one_line(
    run_app: AppRunner, engine: JobEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", "/nonexistent/editor")
    job = engine.start_job("echo hi")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
        await into_pane(pilot, app, job)
        await pilot.press("v")
        await until(pilot, lambda: any("Could not run" in n.message for n in app._notifications))


async def test_y_copies_the_filtered_lines_through_osc_52_and_says_so(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("seq 1 100 | sed 's/^/n/'")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        view = await into_pane(pilot, app, job)
        await type_search(pilot, "n5", key="ampersand")
        await until(pilot, lambda: view.line_count == 11)
        await pilot.press("enter", "y")
        assert app.clipboard == "".join(f"{t}\n" for t in ["n5", *[f"n5{i}" for i in range(10)]])
        assert any(
            "11 filtered lines sent to the terminal's clipboard (OSC 52" in n.message
            for n in app._notifications
        )
        # Unfiltered: the lines on screen.
        await pilot.press("ampersand", "escape")
        await until(pilot, lambda: view.line_count == 100)
        await pilot.press("home", "y")
        assert app.clipboard.splitlines()[0] == "n1"
        assert len(app.clipboard.splitlines()) == view.scrollable_content_region.height
        assert os.environ.get("JOBTUI_NEVER") is None
