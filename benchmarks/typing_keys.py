"""Input that arrives as keys: N printable keys queued at once into the command bar (an
unbracketed paste, xdotool); seconds until the bar holds them all, and the process's peak and
final resident size.

Not in the side-by-side table (it has no peer): run it by hand, in a fresh process each time,
``python -m benchmarks.typing_keys KEYS``. It prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path


def _status_kb(field: str) -> int:
    """A size from /proc/self/status (VmHWM, VmRSS), in kB; 0 off Linux."""
    status = Path("/proc/self/status")
    if not status.exists():
        return 0
    for line in status.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


async def _measure(keys: int) -> dict[str, float]:
    from textual import events

    from benchmarks.apphost import running_app, until
    from jobtui.engine import JobEngine
    from jobtui.ui.widgets.command_bar import CommandBar

    text = ("Get-Job -Name build-" * (keys // 20 + 1))[:keys]
    with JobEngine() as engine:
        async with running_app(engine) as (app, pilot, screen):
            bar = screen.query_one(CommandBar)
            before = _status_kb("VmRSS")
            started = time.perf_counter()
            for character in text:
                app.post_message(events.Key(character, character))
            await until(pilot, lambda: len(bar.value) == keys, timeout=1800)
            seconds = time.perf_counter() - started
            await pilot.pause()
            return {
                "keys": keys,
                "seconds": seconds,
                "rss_before_mb": before / 1024,
                "peak_rss_mb": _status_kb("VmHWM") / 1024,
                "rss_after_mb": _status_kb("VmRSS") / 1024,
            }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_measure(int(sys.argv[1])))))
