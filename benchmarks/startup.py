"""Start-up: from starting a fresh Python process to the app's first complete frame, against a
bare Textual app that shows one label (the floor: Python, Textual, a screen and one widget).

Each run is a new process, started here. For jobtui it runs what the ``jobtui`` command runs
(``jobtui.__main__.main``: the settings from a typical config.toml, the engine, logging, the
app, its stylesheets, the main screen's widgets); for the floor, a ten-line app. A hook set on
the import of Textual makes either run headless at 120x40 and notes every frame for half a
second. The time taken is that of the first
frame that already shows what the screen settles to (for jobtui, a frame of its main screen
with the key bar's keys, the table's header and the panes), not merely the first frame drawn.
The clock is the machine's monotonic clock, read here before the start and there at the frame.

Run as a probe: ``python -m benchmarks.startup CASE`` prints one JSON line.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from benchmarks.common import Row, against

NAME = "5. start-up: a new process to its first complete frame (s)"
TARGET = 1.3


def run(runs: int) -> list[Row]:
    """Alternate the two (the machine's load drifts); take each one's median.

    Both run from compiled bytecode, as an installed jobtui does (pip compiles it): the children
    write and read it under a private cache prefix, so the tree gets no __pycache__ folders, and
    a first run of each warms that cache and the file cache.
    """
    cases = ("floor", "widgets", "jobtui")
    times: dict[str, list[float]] = {case: [] for case in cases}
    with tempfile.TemporaryDirectory(prefix="jobtui-bench-pyc-") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        for _ in range(2):
            for case in cases:
                _first_frame(case, env)
        for _ in range(max(runs, 5)):
            for case in cases:
                times[case].append(_first_frame(case, env))
    floor, widgets, jobtui = (statistics.median(times[case]) for case in cases)
    met, shortfall = against(jobtui / floor, TARGET, "x the floor")
    why = (
        f"a Textual app with stand-ins for the same widgets takes {widgets / floor:.2f}x the "
        f"floor (the reference row); jobtui's own modules, styles and screen add "
        f"{(jobtui - widgets) * 1000:.0f} ms"
    )
    return [
        Row(NAME, "floor: bare Textual app, one label", floor, "s"),
        Row(NAME, "reference: Textual app with stand-ins for the main screen's widgets", widgets,
            "s"),
        Row(NAME, "jobtui", jobtui, "s", target=f"<= {TARGET:g}x the floor", met=met,
            shortfall=shortfall and f"{shortfall} (+{(jobtui - TARGET * floor) * 1000:.0f} ms)",
            why=why),
    ]  # fmt: skip


def _first_frame(case: str, env: dict[str, str]) -> float:
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.startup", case],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    return float(json.loads(out.strip().splitlines()[-1])["first_frame"]) - started


#: Seconds the probe keeps drawing after the first frame, for the screen to settle.
SETTLE = 0.5


def _hook_textual(frames: list[tuple[float, str]], main_screen: str | None) -> None:
    """Once Textual is imported, make every app run headless at 120x40, note each frame of its
    screen (the one named ``main_screen``, if given) with the time it was drawn and its text,
    and exit :data:`SETTLE` seconds after the first.

    The frame that counts is the first that shows the settled screen (see :func:`_settled`): an
    app whose first frame lacks something (Textual's Footer fills its keys in a frame or two
    later) is timed to the frame that has it. A hook on the import, so that the probe imports
    nothing the measured start-up would not.
    """

    def patch(app_class: Any) -> None:
        run, display = app_class.run, app_class._display

        def headless_run(self: Any, *args: Any, **kwargs: Any) -> Any:
            return run(self, headless=True, size=(120, 40))

        def noted_display(self: Any, screen: Any, renderable: Any) -> None:
            display(self, screen, renderable)
            shown = main_screen is None or type(screen).__name__ == main_screen
            if renderable is not None and shown:
                drawn = time.monotonic()  # before the text is taken, which takes time
                text = "\n".join(strip.text for strip in screen._compositor.render_strips())
                if not frames:
                    self.set_timer(SETTLE, self.exit)
                frames.append((drawn, text))

        app_class.run, app_class._display = headless_run, noted_display

    class Hook(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
            if name != "textual.app":
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(name)
            assert spec is not None and spec.loader is not None
            exec_module = spec.loader.exec_module

            def exec_and_patch(module: Any) -> None:
                exec_module(module)
                patch(module.App)

            spec.loader.exec_module = exec_and_patch  # type: ignore[method-assign]
            return spec

    sys.meta_path.insert(0, Hook())


def _settled(frames: list[tuple[float, str]]) -> tuple[float, int]:
    """When the first frame showing what the last shows was drawn, and its number (1 = the
    first frame). Frames are compared by their text, not their colours: the bar's blinking
    cursor changes those from frame to frame."""
    final = frames[-1][1]
    return next((drawn, number) for number, (drawn, text) in enumerate(frames, 1) if text == final)


FLOOR = """
from textual.app import App, ComposeResult
from textual.widgets import Label


class Floor(App[None]):
    def compose(self) -> ComposeResult:
        yield Label("jobtui")


Floor().run()
"""


#: The widgets of jobtui's main screen, with none of jobtui's code, styles or data: what the same
#: screen costs in Textual alone (a reference, to tell Textual's share from jobtui's). The bar,
#: the status line, the table, the panes' names, the output header with its keep toggle, the two
#: panes, and the key bar; Textual's own widgets stand in for jobtui's.
WIDGETS = """
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.scroll_view import ScrollView
from textual.widgets import ContentSwitcher, Input, Label, Static


class Widgets(App[None]):
    def compose(self) -> ComposeResult:
        with Vertical():
            with Horizontal():
                yield Label("PS>")
                yield Input()
            yield Static("")
        yield ScrollView()
        with Vertical():
            yield Label("  Output    Console  ")
            with ContentSwitcher(initial="output"):
                with Vertical(id="output"):
                    with Horizontal():
                        yield Label("No job selected")
                        yield Label("keep on")
                    yield ScrollView()
                yield ScrollView(id="console")
        yield Label("r Receive  s Stop  x Remove  w Wait")


Widgets().run()
"""


#: A config.toml such as a user keeps: every kind of setting, none that changes the screen.
TYPICAL_CONFIG = """# jobtui settings
keep = true
grace = 3.0
theme = "textual-dark"
columns = ["id", "name", "type", "state", "more", "location", "pid", "cpu", "mem", "elapsed",
           "exit", "command"]
mouse = true

[keymap]
jobs.stop = "s"
jobs.receive = "r"

[locations.box]
kind = "ssh"
host = "box.example.org"

[locations.cluster]
kind = "slurm"
partition = "gpu"
cpus = 4
"""


def _main(case: str) -> None:
    frames: list[tuple[float, str]] = []
    with tempfile.TemporaryDirectory(prefix="jobtui-bench-state-") as state:
        # jobtui's history and log go to a private directory, and it reads a typical
        # config.toml from another (not the user's own): reading it is part of the start-up.
        os.environ["XDG_STATE_HOME"] = state
        os.environ["XDG_CONFIG_HOME"] = os.path.join(state, "config")
        os.makedirs(os.path.join(state, "config", "jobtui"))
        with open(os.path.join(state, "config", "jobtui", "config.toml"), "w") as file:
            file.write(TYPICAL_CONFIG)
        if case in ("floor", "widgets"):
            _hook_textual(frames, None)
            exec(FLOOR if case == "floor" else WIDGETS, {"__name__": case})
        else:
            _hook_textual(frames, "MainScreen")
            from jobtui.__main__ import main

            # What the `jobtui` command runs: with its session in this process, or ("hosted")
            # attached to the session host already running in XDG_RUNTIME_DIR.
            main([] if case == "hosted" else ["--no-host"])
    drawn, number = _settled(frames)
    print(json.dumps({"first_frame": drawn, "frame_number": number}))


if __name__ == "__main__":
    _main(sys.argv[1])
