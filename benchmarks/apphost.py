"""What the app benchmarks share: the real app run headless, and a recorder of its frames.

Headless, Textual composes every frame (each widget renders its lines) but skips writing the
terminal's bytes. The recorder does that step too (``render_segments``), so a frame here costs
what it would cost on a terminal, short of the write itself.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual._compositor import CompositorUpdate
from textual.app import App

SIZE = (120, 40)
_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


@dataclass(frozen=True)
class Frame:
    """One frame drawn: when (perf_counter), the UI thread's CPU time then, and its text."""

    at: float
    cpu: float
    text: str


class FrameRecorder:
    """Records every frame ``app`` draws (wraps ``App._display``, which every frame passes)."""

    def __init__(self, app: App[Any], *, keep_text: bool = False) -> None:
        self.frames: list[Frame] = []
        self.keep_text = keep_text
        self._new_frame = asyncio.Event()
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None or app._batch_count:
                return
            terminal = ""
            if isinstance(renderable, CompositorUpdate):
                # What a terminal would have been sent (headless Textual skips this step).
                terminal = renderable.render_segments(app.console)
            text = _ESCAPE.sub("", terminal) if self.keep_text else ""
            self.frames.append(Frame(time.perf_counter(), time.thread_time(), text))
            self._new_frame.set()

        app._display = display  # type: ignore[method-assign]

    async def next_frame(self, timeout: float = 10.0) -> Frame:
        """Wait for the next frame drawn."""
        self._new_frame.clear()
        await asyncio.wait_for(self._new_frame.wait(), timeout)
        return self.frames[-1]

    async def frame_showing(self, text: str, since: float, timeout: float = 30.0) -> Frame:
        """The first frame drawn after ``since`` (perf_counter) whose text contains ``text``."""
        deadline = time.perf_counter() + timeout
        checked = 0
        while True:
            for frame in self.frames[checked:]:
                if frame.at >= since and text in frame.text:
                    return frame
            checked = len(self.frames)
            await self.next_frame(max(0.01, deadline - time.perf_counter()))

    def longest_gap(self, since: float, until: float) -> float:
        """The longest time between two frames (or the window's ends) in ``[since, until]``."""
        times = [since, *(f.at for f in self.frames if since < f.at < until), until]
        return max(b - a for a, b in itertools.pairwise(times))


@asynccontextmanager
async def running_app(engine: Any, **kwargs: Any) -> AsyncIterator[tuple[Any, Any, Any]]:
    """The real app over ``engine``, headless at 120x40, with a private history.

    Yields ``(app, pilot, main_screen)`` once the main screen has drawn.
    """
    from jobtui.ui.app import JobApp
    from jobtui.ui.screens.main import MainScreen

    # As in jobtui's own process: what the first frame made is frozen out of the collector's way.
    kwargs.setdefault("freeze_after_start", True)
    with tempfile.TemporaryDirectory(prefix="jobtui-bench-") as directory:
        app = JobApp(engine, history_path=Path(directory) / "history", **kwargs)
        async with app.run_test(size=SIZE) as pilot:
            while not isinstance(app.screen, MainScreen):
                await pilot.pause(0.01)
            await pilot.pause()
            yield app, pilot, app.screen


async def until(pilot: Any, condition: Any, timeout: float = 60.0) -> None:
    """Let the app run until ``condition()`` is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {condition}")
        await pilot.pause(0.02)
