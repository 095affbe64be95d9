"""The lean first screen: one-widget key bar and pane names, the keep toggle, the filter box made
on demand, and the command language loaded after the first frame (benchmark 5)."""

from __future__ import annotations

import ast
import subprocess
import sys
import threading

from jobtui.engine import JobEngine
from jobtui.service import LocalService
from jobtui.ui.app import JobApp
from jobtui.ui.widgets.keep_toggle import KeepToggle
from jobtui.ui.widgets.key_bar import KeyBar
from jobtui.ui.widgets.panes import PaneNames, Panes

from .conftest import AppRunner, main_screen, until


def key_bar_text(app: JobApp) -> str:
    return main_screen(app).query_one(KeyBar).render_line(0).text


async def test_the_key_bar_shows_the_keys_of_the_focused_widget(run_app: AppRunner) -> None:
    async with run_app() as (app, pilot):
        text = key_bar_text(app)
        assert "History" in text and "Complete" in text  # the bar has the focus
        assert "Receive" not in text
        assert text.rstrip().endswith("^p palette")
        await pilot.press("escape")
        await until(pilot, lambda: "Receive" in key_bar_text(app))
        assert "History" not in key_bar_text(app)


async def test_a_click_on_a_key_in_the_key_bar_presses_it(run_app: AppRunner) -> None:
    async with run_app() as (app, pilot):
        await pilot.press("escape")
        bar = main_screen(app).query_one(KeyBar)
        await until(pilot, lambda: "Console" in key_bar_text(app))
        keys, _palette = bar.labels()
        console_key = next(label for label in keys if label.key == "c")
        await pilot.click(KeyBar, offset=(console_key.start + 1 + bar.styles.padding.left, 0))
        panes = main_screen(app).query_one(Panes)
        await until(pilot, lambda: panes.active == "console-tab")


async def test_a_click_on_a_pane_name_shows_that_pane(run_app: AppRunner) -> None:
    async with run_app() as (app, pilot):
        panes = main_screen(app).query_one(Panes)
        assert panes.active == "output-tab"
        names = panes.query_one(PaneNames)
        output_width = len("  Output  ")
        await pilot.click(PaneNames, offset=(output_width + 3, 0))  # on "Console"
        await until(pilot, lambda: panes.active == "console-tab")
        assert "Console" in names.render_line(0).text
        await pilot.click(PaneNames, offset=(3, 0))
        await until(pilot, lambda: panes.active == "output-tab")


async def test_the_keep_toggle_says_on_or_off_in_full(run_app: AppRunner) -> None:
    async with run_app() as (app, pilot):
        toggle = main_screen(app).query_one("#keep", KeepToggle)
        assert "keep ● on" in toggle.render_line(0).text
        await pilot.press("escape", "k")
        await until(pilot, lambda: "keep ○ off" in toggle.render_line(0).text)
        assert main_screen(app).keep is False


async def test_the_filter_box_is_made_when_first_opened(run_app: AppRunner) -> None:
    async with run_app() as (app, pilot):
        screen = main_screen(app)
        assert not screen.query("#filter")
        await pilot.press("escape", "slash")
        await until(pilot, lambda: bool(screen.query("#filter")))
        assert app.focused is screen.query_one("#filter")
        await pilot.press("escape", "slash")  # opened again: the same box
        assert len(screen.query("#filter")) == 1


async def test_the_command_language_loads_without_a_line_typed(run_app: AppRunner) -> None:
    async with run_app() as (app, pilot):
        await until(pilot, lambda: app.service.language_loaded, timeout=5)


def test_the_local_service_makes_its_session_once_and_keeps_its_width(engine: JobEngine) -> None:
    session = LocalService(engine)
    session.width = 77
    assert not session.language_loaded and session.width == 77
    made = []
    threads = [threading.Thread(target=lambda: made.append(session.session())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(one) for one in made}) == 1
    assert session.language_loaded and made[0].width == 77
    session.width = 90
    assert made[0].width == 90
    result = session.execute("Start-Job {echo hi} | Wait-Job | Receive-Job")
    assert [line.text for line in result.lines] == ["hi"]


def test_the_command_package_loads_its_modules_on_first_use() -> None:
    probe = (
        "import sys, jobtui.commands.errors\n"
        "print(sorted(m for m in sys.modules if m.startswith('jobtui.commands')))\n"
        "from jobtui.commands import CommandSession\n"
        "print(CommandSession.__module__)\n"
        "try:\n"
        "    from jobtui.commands import NoSuchThing\n"
        "except ImportError as error:\n"
        "    print('ImportError', error.name)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    assert out[0] == "['jobtui.commands', 'jobtui.commands.errors']"
    assert out[1] == "jobtui.commands.session"
    assert out[2] == "ImportError jobtui.commands"


def test_the_app_loads_no_dialog_or_other_screen_before_it_is_shown() -> None:
    """What the first frame needs is the app and its main screen: a dialog's or another
    screen's module (its classes, its styles) loads when it is first asked for."""
    probe = (
        "import sys, jobtui.ui.app\n"
        "print(sorted(m for m in sys.modules if m.startswith('jobtui.ui.screens.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    screens = set(ast.literal_eval(out))
    assert "jobtui.ui.screens.main" in screens
    later = {"confirm", "quit_dialog", "input_dialog", "wait_dialog", "detail", "help"}
    assert {f"jobtui.ui.screens.{name}" for name in later} & screens == set()
