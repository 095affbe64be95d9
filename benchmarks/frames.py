"""Frames while a job floods: the longest gap between two frames while `seq 1 100000000` (889 MB,
100 million lines) runs and is followed in the output pane, from its start to 0.5 s after its end.

A ticker asks for a frame 30 times a second (it repaints the key bar), so the app always has
something to draw: a gap longer than the ticker's period is time the app could not draw. The
baselines are a bare Textual app that shows one label, with the same ticker and no load, and
jobtui with the ticker and no job.

Run as a probe: ``python -m benchmarks.frames CASE RUNS`` prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from typing import Any

from benchmarks.common import Row, against, probe

NAME = "4c. longest gap between frames, 30 frames/s asked for (ms)"
FLOOD = "seq 1 100000000"
TICK = 1 / 30
QUIET = 3.0
TARGET_MS = 100.0


def run(runs: int) -> list[Row]:
    """The bare app, jobtui idle, then jobtui following the flood."""
    bare = probe("frames", "bare", str(runs))["ms"]
    idle = probe("frames", "idle", str(runs))["ms"]
    flood = probe("frames", "flood", str(runs))["ms"]
    met, shortfall = against(flood, TARGET_MS, "ms")
    return [
        Row(NAME, "floor: bare Textual app, one label, no load", bare, "ms"),
        Row(NAME, "jobtui, no job", idle, "ms"),
        Row(NAME, f"jobtui following `{FLOOD}`", flood, "ms", target=f"<= {TARGET_MS:g} ms",
            met=met, shortfall=shortfall),
    ]  # fmt: skip


def _ticker(app: Any, widget: Any) -> Any:
    return app.set_interval(TICK, widget.refresh)


async def _measure_bare(runs: int) -> list[float]:
    from textual.app import App, ComposeResult
    from textual.widgets import Label

    from benchmarks.apphost import SIZE, FrameRecorder

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Label("jobtui")

    gaps = []
    app = Bare()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        recorder = FrameRecorder(app)
        _ticker(app, app.query_one(Label))
        for _ in range(runs):
            started = time.perf_counter()
            await asyncio.sleep(QUIET)
            gaps.append(recorder.longest_gap(started, time.perf_counter()) * 1000)
    return gaps


async def _measure_jobtui(runs: int, flood: bool) -> list[float]:
    from benchmarks.apphost import FrameRecorder, running_app
    from jobtui.engine import JobEngine
    from jobtui.ui.widgets.key_bar import KeyBar

    gaps = []
    with JobEngine() as engine:
        async with running_app(engine) as (app, _pilot, screen):
            recorder = FrameRecorder(app)
            _ticker(app, screen.query_one(KeyBar))
            for _ in range(runs):
                await asyncio.sleep(0.5)
                started = time.perf_counter()
                if not flood:
                    await asyncio.sleep(QUIET)
                else:
                    job = engine.start_job(FLOOD)
                    while not job.state.is_finished:
                        await asyncio.sleep(0.05)
                    await asyncio.sleep(0.5)
                    store = job.transcript
                    assert store is not None, job
                    assert store.line_count == 100_000_000, (store.line_count, job.state)
                    assert screen.shown_job_id == job.id, "the pane does not show the flood"
                gaps.append(recorder.longest_gap(started, time.perf_counter()) * 1000)
                if flood:
                    engine.remove_job(job)
                    await asyncio.sleep(0.3)
    return gaps


if __name__ == "__main__":
    case, count = sys.argv[1], int(sys.argv[2])
    if case == "bare":
        samples = asyncio.run(_measure_bare(count))
    else:
        samples = asyncio.run(_measure_jobtui(count, flood=case == "flood"))
    print(json.dumps({"ms": statistics.median(samples), "samples": samples}))
