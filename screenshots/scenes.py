"""The scenes of jobtui's pictures: the README's screenshots and the snapshot tests draw these.

Each scene drives a real engine with real jobs that finish quickly (or sleep), then shows the app
over it. What would change from run to run (pids, CPU, memory, elapsed and begin/end times,
instance ids) goes through :class:`FrozenFormatter`, and the clock is fixed, so every picture is
the same on every machine.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from jobtui.engine import Job, JobEngine
from jobtui.ui.app import JobApp
from jobtui.ui.formatting import JobFormatter
from jobtui.ui.records import JobRecord

SIZE = (120, 36)
FIXED_NOW = datetime(2026, 1, 2, 9, 30, 0)
#: Every picture's theme, set explicitly (not left to Textual's default or $TEXTUAL_THEME).
THEME = "textual-dark"
#: The second theme some snapshots are taken on: a light one, to show states read on both.
LIGHT_THEME = "textual-light"

RunBefore = Callable[[Pilot[Any]], Awaitable[None]]


class FrozenFormatter(JobFormatter):
    """Fixed stand-ins for everything volatile, derived from the job id."""

    def __init__(self) -> None:
        super().__init__(lambda: FIXED_NOW)

    def pid(self, job: JobRecord) -> str:
        """A made-up pid."""
        return "" if job.pid is None else str(41000 + 17 * job.id)

    def cpu(self, job: JobRecord) -> str:
        """A made-up CPU % while running."""
        return "" if job.state.is_finished or job.ps_begin_time is None else "0.3"

    def memory(self, job: JobRecord) -> str:
        """A made-up resident size while running."""
        return "" if job.state.is_finished or job.ps_begin_time is None else "3.1M"

    def elapsed_seconds(self, job: JobRecord) -> float | None:
        """A made-up duration."""
        return None if job.ps_begin_time is None else 3.0 + 61 * job.id

    def time(self, value: datetime | None) -> str:
        """Every timestamp is the fixed clock's."""
        return "" if value is None else FIXED_NOW.strftime("%Y-%m-%d %H:%M:%S")

    def instance_id(self, job: Job) -> str:
        """A made-up instance id."""
        return str(uuid.UUID(int=job.id, version=4))


def calm() -> None:
    """No blinking cursor and no animations (their phase would change the picture)."""
    import textual.constants

    Input._toggle_cursor = lambda self: None  # type: ignore[method-assign]
    textual.constants.TEXTUAL_ANIMATIONS = "none"  # type: ignore[misc]


@dataclass
class Scene:
    """A picture: jobs to set up, then what to do in the app before taking it."""

    name: str
    title: str
    setup: Callable[[JobEngine], None]
    run_before: RunBefore | None = None
    #: Background jobs allowed to run at once; more wait as NotStarted.
    throttle: int | None = None

    def make(self, history: Path, *, theme: str = THEME) -> tuple[JobApp, JobEngine]:
        """A new engine with the scene's jobs, and the app over it, on ``theme``.

        The app gets no settings (``config=None``): it reads no config.toml and saves nothing,
        so no user's keymap or theme can change a picture.
        """
        engine = JobEngine(shell="/bin/sh", grace=0.5, guardian=False)
        engine.background_throttle_limit = self.throttle
        self.setup(engine)
        app = JobApp(engine, history_path=history, formatter=FrozenFormatter(), config=None)
        app.theme = theme
        return app, engine


def _start(engine: JobEngine, command: str, **options: Any) -> Job:
    return engine.start_job(command, working_directory="/", **options)


TEST_RUN = (
    "echo 'collected 4 items'; "
    r"printf '\033[32mPASSED\033[0m tests/test_parse.py::test_tokens\n'; sleep 0.1; "
    "echo 'DeprecationWarning: legacy resolver' >&2; sleep 0.1; "
    r"printf '\033[32mPASSED\033[0m tests/test_parse.py::test_blocks\n'; "
    r"printf '\033[31mFAILED\033[0m tests/test_net.py::test_fetch\n'; sleep 0.1; "
    "echo 'E   ConnectionRefusedError: [Errno 111] Connection refused' >&2; sleep 0.1; "
    r"printf '\033[1m1 failed, 2 passed\033[0m in 0.42s\n'; "
    "exit 1"
)


def _several_states(engine: JobEngine) -> None:
    done = _start(engine, "echo compiling; echo linking; echo build ok", name="build")
    failed = _start(engine, TEST_RUN, name="tests")
    engine.wait_job([done, failed])
    stopped = _start(engine, "sleep 300", name="watch")
    engine.stop_job([stopped], wait=True)
    _start(engine, "sleep 300", name="server")
    paused = _start(engine, "sleep 300", name="indexer")
    engine.suspend_job([paused])
    _start(engine, "sleep 300", name="sync")
    _start(engine, "sleep 300", name="backup")  # the throttle limit holds it back: NotStarted


def _tests_only(engine: JobEngine) -> None:
    job = _start(engine, TEST_RUN, name="tests")
    engine.wait_job([job])
    engine.wait_job([_start(engine, "echo compiling; echo build ok", name="build")])


async def _ready(pilot: Pilot[Any]) -> None:
    """Wait for the main screen's widgets: the app counts as started (and a scene's keys go
    out) once its first screen is, which can be before that screen's widgets have all mounted."""
    for _ in range(500):  # 5 s
        if pilot.app.screen.query("#command-bar"):
            return
        await pilot.pause(0.01)
    raise AssertionError("the main screen's widgets never mounted")


async def _keep_on_again(pilot: Pilot[Any]) -> None:
    await _ready(pilot)
    await pilot.press("escape", "k")  # keep off: the tests job is received
    await pilot.pause(0.4)
    await pilot.press("k", "down")  # keep on again: the build job stays unread
    await pilot.pause(0.4)


async def _keep_off(pilot: Pilot[Any]) -> None:
    await _ready(pilot)
    await pilot.press("escape", "k")
    await pilot.pause(0.4)


async def _wait_dialog(pilot: Pilot[Any]) -> None:
    await _ready(pilot)
    app = pilot.app
    assert isinstance(app, JobApp)
    bar = app.screen.query_one("#command-bar", Input)
    bar.value = "Wait-Job -Id 7,11 -Any -Timeout 30"
    await pilot.press("enter")
    await pilot.pause(0.3)


async def _detail(pilot: Pilot[Any]) -> None:
    await _ready(pilot)
    await pilot.press("escape", "enter")
    await pilot.pause(0.3)


async def _help(pilot: Pilot[Any]) -> None:
    await _ready(pilot)
    await pilot.press("f1")
    await pilot.pause(0.3)


async def _console(pilot: Pilot[Any]) -> None:
    await _ready(pilot)
    app = pilot.app
    assert isinstance(app, JobApp)
    bar = app.screen.query_one("#command-bar", Input)
    bar.value = "Get-Job"
    await pilot.press("enter")
    await pilot.pause(0.5)
    bar.value = "$job = Get-Job -Name tests; $job.ChildJobs[0].JobStateInfo.Reason"
    await pilot.press("enter")
    await pilot.pause(0.5)


SCENES: dict[str, Scene] = {
    scene.name: scene
    for scene in (
        Scene(
            "main",
            "Jobs in every state, the selected job's output below",
            _several_states,
            throttle=3,
        ),
        Scene(
            "output",
            "The output pane: stdout, stderr in its colour, ANSI colours kept",
            _tests_only,
        ),
        Scene(
            "keep_on",
            "Keep on again: the build job's output is shown, not received (True +2)",
            _tests_only,
            _keep_on_again,
        ),
        Scene(
            "keep_off",
            "Keep off: the pane receives what it shows (HasMoreData False)",
            _tests_only,
            _keep_off,
        ),
        Scene(
            "wait_dialog",
            "Wait-Job -Any -Timeout 30 as a dialog with a countdown",
            _several_states,
            _wait_dialog,
            throttle=3,
        ),
        Scene("detail_failed", "A failed job: the Reason first and plain", _tests_only, _detail),
        Scene("help", "Help: every key and the command language", _tests_only, _help),
        Scene(
            "console",
            "The command bar's results in the console",
            _several_states,
            _console,
            throttle=3,
        ),
    )
}
