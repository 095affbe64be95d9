"""The end of a long output: select a finished job of 1,000,000 lines; time until a frame shows
its last line in the output pane.

The baseline is the same selection of a job of 100 lines: what selecting a job costs at all.

Run as a probe: ``python -m benchmarks.output_pane LINES RUNS`` prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time

from benchmarks.common import Row, against, probe

NAME = "4b. select a job: its last line shown in the output pane (s)"
TARGET = 2.0
#: The last line is marked so that only the pane can show it (the command does not contain it).
COMMAND = "seq {count} | sed '$s/$/ is the last line/'"


def run(runs: int) -> list[Row]:
    """100 lines (the floor) against 1,000,000."""
    small = probe("output_pane", "100", str(runs))["seconds"]
    large = probe("output_pane", "1000000", str(runs))["seconds"]
    met, shortfall = against(large, TARGET, "s")
    return [
        Row(NAME, "floor: jobtui, 100 lines", small, "s"),
        Row(NAME, "jobtui, 1,000,000 lines", large, "s", target=f"< {TARGET:g} s", met=met,
            shortfall=shortfall),
    ]  # fmt: skip


async def _measure(count: int, runs: int) -> list[float]:
    from benchmarks.apphost import FrameRecorder, running_app, until
    from jobtui.engine import JobEngine

    times = []
    with JobEngine() as engine:
        first = engine.start_job("echo first")
        long = engine.start_job(COMMAND.format(count=count))
        engine.wait_job([first, long])
        assert long.transcript is not None and long.transcript.line_count == count
        async with running_app(engine) as (app, pilot, screen):
            table = screen._jobs_table
            await until(pilot, lambda: table.row_count == 2)
            table.focus()
            recorder = FrameRecorder(app, keep_text=True)
            for _ in range(runs):
                table.move_cursor(row=0)
                await until(pilot, lambda: screen.shown_job_id == first.id)
                await pilot.pause(0.3)
                started = time.perf_counter()
                await pilot.press("down")
                frame = await recorder.frame_showing(f"{count} is the last line", since=started)
                times.append(frame.at - started)
    return times


if __name__ == "__main__":
    samples = asyncio.run(_measure(int(sys.argv[1]), int(sys.argv[2])))
    print(json.dumps({"seconds": statistics.median(samples), "samples": samples}))
