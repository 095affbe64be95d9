"""Fixtures for the reliability suite: a real engine, and the bytes a hostile job writes."""

from __future__ import annotations

import re
import subprocess
import time
import unicodedata
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest
from textual.pilot import Pilot

from jobtui.engine import JobEngine
from jobtui.ui.app import JobApp
from jobtui.ui.screens.main import MainScreen


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "reliability" in str(item.fspath):
            item.add_marker(pytest.mark.reliability)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs: a spill directory that fills up mid-job (needs root)."""
    mount = tmp_path / "small"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {result.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JobEngine]:
    """An engine with a small memory limit, so that hostile output goes through the spill file."""
    eng = JobEngine(
        grace=0.5,
        guardian=False,
        memory_limit=64 * 1024,
        spill_dir=str(tmp_path_factory.mktemp("spill")),
        shell="/bin/sh",
    )
    yield eng
    eng.shutdown()


# -- the app over a real engine (Pilot) ----------------------------------------------------------

SIZE = (120, 36)

#: What Textual itself writes between cells: cursor placement and SGR (colours, attributes).
_TEXTUAL_SEQUENCES = re.compile(r"\x1b\[\d+;\d+H|\x1b\[[0-9;]*m|\n")


AppRunner = Callable[..., AbstractAsyncContextManager[tuple[JobApp, Pilot[int]]]]


@pytest.fixture
def run_app(engine: JobEngine, tmp_path: Path) -> AppRunner:
    """Start the app over the engine; yields (app, pilot) with the main screen ready."""

    @asynccontextmanager
    async def runner(
        size: tuple[int, int] = SIZE,
    ) -> AsyncIterator[tuple[JobApp, Pilot[int]]]:
        app = JobApp(engine, history_path=tmp_path / "state" / "history")
        async with app.run_test(size=size, notifications=True) as pilot:
            await pilot.pause()
            yield app, pilot

    return runner


def main_screen(app: JobApp) -> MainScreen:
    """The app's main screen: the first on its stack (a dialog may be over it)."""
    screen = app.screen_stack[0]
    assert isinstance(screen, MainScreen)
    return screen


async def until(pilot: Pilot[int], condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Let the app run until ``condition()`` is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {condition}")
        await pilot.pause(0.05)


def terminal_output(app: JobApp) -> str:
    """Exactly what the driver writes to the terminal to paint the whole screen now.

    The headless driver of Pilot writes nothing, so this asks the screen's compositor for the
    full update a real driver would write (Textual's ``App._display`` does the same).
    """
    return app.screen._compositor.render_full_update().render_segments(app.console)


def control_characters(app: JobApp) -> list[str]:
    """Control characters (C0, DEL, C1: ESC, BEL, CSI...) in what reaches the terminal.

    Textual's own cursor placement and SGR sequences are taken out first; anything left that
    is a control character came from the content: an escape that was not neutralised.
    """
    painted = _TEXTUAL_SEQUENCES.sub("", terminal_output(app))
    return sorted({repr(ch) for ch in painted if unicodedata.category(ch) == "Cc"})


def screen_text(app: JobApp) -> str:
    """The screen as plain text (what a user reads)."""
    return _TEXTUAL_SEQUENCES.sub(lambda m: "\n" if m.group() == "\n" else "", terminal_output(app))
