"""Frames while the Output pane searches a job that is still writing: the longest gap between
two frames over 3 s, from the moment ``/`` and the pattern are typed.

The job first writes 20 million lines (about 170 MB, spilled to disk), then goes on writing
about 20,000 lines every 10 ms; the pane follows it. The search's first pass reads the
170 MB while the job writes, then its later passes read each new piece. A ticker asks for a
frame 30 times a second (as in 4c), so a gap longer than its period is time the app could not
draw. The baseline is the same app following the same job, with no search.

Run as a probe: ``python -m benchmarks.search_frames CASE RUNS`` prints one JSON line.
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import sys
import time
from typing import Any

from benchmarks.common import Row, against, probe

NAME = "4d. longest gap between frames while a search runs over a job still writing (ms)"
WRITER = (
    "seq 1 20000000; i=20000000; while :; do seq $i $((i+20000)); i=$((i+20000)); sleep 0.01; done"
)
#: Digits that about one line in 700 holds: a search that finds thousands as it goes.
PATTERN = "4242"
TICK = 1 / 30
WINDOW = 3.0
TARGET_MS = 50.0


def run(runs: int) -> list[Row]:
    """The same writing job followed, without and with a search."""
    following = probe("search_frames", "follow", str(runs))["ms"]
    searching = probe("search_frames", "search", str(runs))
    met, shortfall = against(searching["ms"], TARGET_MS, "ms")
    return [
        Row(NAME, "floor: jobtui following the writing job, no search", following, "ms"),
        Row(NAME, f"jobtui searching it for `{PATTERN}` as it writes", searching["ms"], "ms",
            target=f"<= {TARGET_MS:g} ms", met=met, shortfall=shortfall),
    ]  # fmt: skip


async def _measure(runs: int, search: bool) -> tuple[list[float], list[int]]:
    from benchmarks.apphost import FrameRecorder, running_app, until
    from jobtui.engine import JobEngine
    from jobtui.ui.widgets.key_bar import KeyBar

    gaps: list[float] = []
    counts: list[int] = []
    with JobEngine() as engine:
        async with running_app(engine) as (app, pilot, screen):
            recorder = FrameRecorder(app)
            app.set_interval(TICK, screen.query_one(KeyBar).refresh)
            for _ in range(runs):
                job = engine.start_job(WRITER)
                await until(pilot, lambda job=job: screen.shown_job_id == job.id)
                store = job.transcript
                assert store is not None
                await until(pilot, lambda store=store: store.line_count > 20_000_000)
                view = screen.query_one("#output")
                view.focus()
                await pilot.pause(0.3)
                started = time.perf_counter()
                if search:
                    await pilot.press("slash", *PATTERN)
                await asyncio.sleep(WINDOW)
                gaps.append(recorder.longest_gap(started, time.perf_counter()) * 1000)
                if search:
                    pane = screen.pane_search
                    counts.append(pane.matches.count)
                    assert pane.matches.count > 0, "the search found nothing"
                    await pilot.press("escape")
                engine.stop_job([job])
                engine.remove_job(job, force=True)
                await pilot.pause(0.3)
    return gaps, counts


def _load_app_as_jobtui_does() -> None:
    """Import the app as ``jobtui`` does (``__main__``): with the cyclic collector off, then
    frozen out of its way. Imported plainly, each full collection walked every module and class
    again: 40 ms of the app's thread at a time, a gap in both rows that no user sees."""
    gc.disable()
    try:
        import jobtui.ui.app  # noqa: F401
    finally:
        gc.freeze()
        gc.enable()


def _main(case: str, runs: int) -> dict[str, Any]:
    _load_app_as_jobtui_does()
    gaps, counts = asyncio.run(_measure(runs, search=case == "search"))
    return {"ms": statistics.median(gaps), "samples": gaps, "counts": counts}


if __name__ == "__main__":
    print(json.dumps(_main(sys.argv[1], int(sys.argv[2]))))
