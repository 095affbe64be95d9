"""Random key sequences on the main screen never raise, with real jobs in the table.

Each example starts the app over an engine holding a running job with output, a completed one
and a failed one, and presses random keys: every binding of the main screen, the table, the
dialogs and screens they open, and characters that make lines in the command bar. Lines typed
there run with ``/bin/true`` as the shell, so random text starts harmless jobs; the table's own
jobs run under ``/bin/sh``. Left out: the keys that quit (q, Ctrl+Q) and the command palette
(its system commands quit the app and save screenshots to disk).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobtui.engine import JobEngine
from jobtui.ui.app import JobApp

from .conftest import SIZE

KEYS = (
    # Moving about, in the table, the bar, the panes and dialogs.
    "up",
    "down",
    "left",
    "right",
    "home",
    "end",
    "pageup",
    "pagedown",
    "tab",
    "shift+tab",
    "escape",
    "enter",
    "space",
    "backspace",
    "delete",
    # The main screen's and the table's bindings (and the detail screen's y).
    "colon",
    "slash",
    "r",
    "k",
    "s",
    "x",
    "w",
    "p",
    "c",
    "o",
    "O",
    "y",
    "question_mark",
    "f1",
    # Characters that make command lines: ids, parameters, blocks, pipes, the & operator.
    "1",
    "-",
    "$",
    "{",
    "}",
    "|",
    "&",
)

#: Escape leaves the bar for the table (or closes a dialog) and Enter opens the detail: drawn
#: more often, the sequences reach past the bar into everything the table's keys open.
LEAVING = ("escape",) * 4 + ("enter",) * 2

#: What the table shows in every example (started under /bin/sh).
SEEDS = {
    "busy": "seq 300; echo warning >&2; sleep 30",
    "done": "printf 'one\\ntwo\\n'",
    "broken": "echo broken pipe >&2; exit 3",
}


def reset(engine: JobEngine) -> None:
    """Only the seed jobs, fresh, with their output in; typed lines run /bin/true."""
    jobs = engine.jobs
    engine.stop_job(jobs)
    for job in jobs:
        engine.remove_job(job, force=True)
    engine.shell = "/bin/sh"
    try:
        started = [engine.start_job(command, name=name) for name, command in SEEDS.items()]
    finally:
        engine.shell = "/bin/true"
    assert engine.wait_job(started[1:], timeout=10) == started[1:]
    busy = started[0].transcript
    assert busy is not None
    assert engine.wait_job(started, timeout=0.2) != started  # the busy one runs
    deadline = time.monotonic() + 10
    while busy.line_count < 301 and time.monotonic() < deadline:
        time.sleep(0.02)


async def press_all(engine: JobEngine, history: Path, keys: list[str]) -> None:
    app = JobApp(engine, history_path=history)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("escape")  # from the bar to the table: the table's keys come first
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        assert app.is_running and app.return_code is None
    # Leaving run_test re-raises whatever the app raised.


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(keys=st.lists(st.sampled_from(KEYS + LEAVING), min_size=1, max_size=30))
def test_random_keys_on_the_main_screen_never_raise(
    engine: JobEngine, tmp_path: Path, keys: list[str]
) -> None:
    reset(engine)
    asyncio.run(press_all(engine, tmp_path / "history", keys))
