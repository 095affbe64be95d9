"""One refresh of the job table with 1,000 jobs: from a change in the engine to the rows repainted.

A refresh is what the app's timer does when the engine's version moved: the table pulls the jobs,
finds what changed, and the next frame repaints it. The figure is the UI thread's CPU time from
the pull to the end of that frame, terminal bytes included (see :mod:`benchmarks.apphost`): the
time the app cannot do anything else. The change is one visible job's output being received
(HasMoreData goes from True to False), the commonest change there is.

The baseline is a bare Textual DataTable of the same 1,000 rows, columns and height, with one
cell updated and repainted, measured the same way.

Run as a probe: ``python -m benchmarks.table_refresh CASE RUNS`` prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from typing import Any

from benchmarks.common import Row, against, probe

NAME = "4a. one table refresh, 1,000 jobs (UI thread ms, change to repainted)"
JOBS = 1000
TARGET_MS = 5.0


def run(runs: int) -> list[Row]:
    """A bare DataTable against jobtui's table."""
    bare = probe("table_refresh", "datatable", str(runs))["ms"]
    jobtui = probe("table_refresh", "jobtui", str(runs))["ms"]
    met, shortfall = against(jobtui, TARGET_MS, "ms")
    return [
        Row(NAME, "bare DataTable: update_cell + repaint", bare, "ms"),
        Row(NAME, "jobtui table", jobtui, "ms", target=f"< {TARGET_MS:g} ms", met=met,
            shortfall=shortfall),
    ]  # fmt: skip


async def _settle(recorder: Any, pilot: Any) -> None:
    # Let pending frames (cursor blink, timers) pass, so the next frame is the refresh's own.
    await pilot.pause(0.3)


async def _measure_jobtui(runs: int) -> list[float]:
    from benchmarks.apphost import FrameRecorder, running_app, until
    from jobtui.engine import JobEngine

    times = []
    with JobEngine() as engine:
        jobs = [engine.start_job("echo x") for _ in range(JOBS)]
        engine.wait_job(jobs)
        async with running_app(engine) as (app, pilot, screen):
            table = screen._jobs_table
            await until(pilot, lambda: table.row_count == JOBS)
            recorder = FrameRecorder(app, keep_text=True)
            for job in jobs[:runs]:  # the top rows: on screen
                await _settle(recorder, pilot)
                engine.receive_job([job])
                started = time.thread_time()
                screen.refresh_table()
                frame = await recorder.next_frame()
                assert "False" in frame.text, "the frame does not show the change"
                times.append((frame.cpu - started) * 1000)
    return times


async def _measure_datatable(runs: int) -> list[float]:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    from benchmarks.apphost import SIZE, FrameRecorder
    from jobtui.ui.widgets.jobs_table import COLUMNS

    class Bare(App[None]):
        CSS = "DataTable { height: 15; }"

        def compose(self) -> ComposeResult:
            yield DataTable(cursor_type="row", cell_padding=0)

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            for spec in COLUMNS:
                table.add_column(spec.label, key=spec.key, width=spec.width)
            for i in range(1, JOBS + 1):
                table.add_row(
                    str(i), f"Job{i}", "BackgroundJob", "✓ Completed", "True", "localhost",
                    "", "", "", "0:00", "0", "echo x", key=str(i),
                )  # fmt: skip

    times = []
    app = Bare()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(DataTable)
        recorder = FrameRecorder(app, keep_text=True)
        for i in range(1, runs + 1):
            await _settle(recorder, pilot)
            started = time.thread_time()
            table.update_cell(str(i), "more", "False")
            frame = await recorder.next_frame()
            assert "False" in frame.text
            times.append((frame.cpu - started) * 1000)
    return times


if __name__ == "__main__":
    case, count = sys.argv[1], int(sys.argv[2])
    measure = _measure_jobtui if case == "jobtui" else _measure_datatable
    samples = asyncio.run(measure(count))
    print(json.dumps({"ms": statistics.median(samples), "samples": samples}))
