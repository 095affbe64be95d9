"""The app on the user's settings: a keymap, the remembered theme, keep and columns at start,
the theme's colours for states and streams, and a bad config.toml that never stops it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.style import Style
from textual.color import Color
from textual.command import CommandPalette

from jobtui.data.config import LoadedConfig, load_config
from jobtui.data.settings import COLUMN_NAMES
from jobtui.engine import Job, JobEngine, JobState
from jobtui.ui import app as app_module
from jobtui.ui.app import JobApp, run_app
from jobtui.ui.keymap import binding_ids, key_rows
from jobtui.ui.screens.help import HelpScreen
from jobtui.ui.table.columns import COLUMN_KEYS, layout
from jobtui.ui.widgets.keep_toggle import KeepToggle
from jobtui.ui.widgets.output_view import OutputView

from .conftest import AppRunner, bar, main_screen, table, until


def config_file(tmp_path: Path, text: str) -> LoadedConfig:
    path = tmp_path / "config-home" / "jobtui" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return load_config({}, path)


def messages(app: JobApp) -> list[str]:
    return [notification.message for notification in app._notifications]


def settings_notices(app: JobApp) -> list[str]:
    return [m for m in messages(app) if m.startswith("Settings: ")]


def test_the_settings_name_the_tables_columns() -> None:
    assert COLUMN_NAMES == COLUMN_KEYS


def test_the_layout_keeps_the_chosen_columns_in_the_tables_order() -> None:
    chosen = ["command", "state", "id", "pid"]
    assert [spec.key for spec in layout(200, chosen=chosen)] == ["id", "state", "pid", "command"]
    # Narrow, the chosen ones still go in the usual order (PID before State, which stays).
    assert [spec.key for spec in layout(40, chosen=chosen)] == ["id", "state", "command"]
    # Time left and Progress come when a job has something to show in them.
    assert [spec.key for spec in layout(200, needed={"left", "progress"})] == list(COLUMN_KEYS)


def test_every_binding_has_a_unique_id_in_a_known_namespace() -> None:
    from jobtui.ui.keymap import AREAS, bindings

    ids = [binding.id for _cls, binding in bindings()]
    assert all(ids), [b for _c, b in bindings() if not b.id]
    assert len(ids) == len(set(ids))
    assert {i.partition(".")[0] for i in ids if i} <= set(AREAS)  # type: ignore[union-attr]


async def test_a_keymap_moves_a_key(run_app: AppRunner, engine: JobEngine, tmp_path: Path) -> None:
    config = config_file(tmp_path, '[keymap]\njobs.stop = "t"\n')
    job = engine.start_job("sleep 30")
    async with run_app(config=config) as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 1)
        table(app).focus()
        await pilot.press("s")  # the old key stops nothing: bound to nothing, it types itself
        await pilot.pause(0.3)
        assert job.state is JobState.Running
        assert app.focused is bar(app) and bar(app).value == "s"
        table(app).focus()
        await pilot.press("t")
        await until(pilot, lambda: job.state in (JobState.Stopping, JobState.Stopped))
        assert not settings_notices(app)


async def test_the_key_bar_and_the_help_show_the_moved_key_and_its_id(
    run_app: AppRunner, tmp_path: Path
) -> None:
    config = config_file(tmp_path, '[keymap]\njobs.stop = "t"\nmain.help = "f2"\n')
    async with run_app(config=config) as (app, pilot):
        table(app).focus()
        await pilot.pause()
        keys = {label.description: label.shown for label in _key_bar_labels(app)}
        assert keys["Stop"] == "t"
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = app.screen.query_one("#help-text").source  # type: ignore[attr-defined]
        assert "- `t` Stop-Job the targeted jobs · `jobs.stop`" in text
        assert "`f2` Show every key and the command language · `main.help`" in text


def _key_bar_labels(app: JobApp) -> list[Any]:
    from jobtui.ui.widgets.key_bar import KeyBar

    labels, _palette = main_screen(app).query_one(KeyBar).labels()
    return labels


def test_every_class_with_bindings_is_in_the_keymaps_list() -> None:
    """A screen or widget that gains BINDINGS must join ``binding_classes`` (and give each an
    id), or its keys could be neither moved nor listed in the help."""
    import importlib
    import pkgutil

    import jobtui.ui
    from jobtui.ui.keymap import binding_classes

    found = set()
    for info in pkgutil.walk_packages(jobtui.ui.__path__, "jobtui.ui."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and value.__module__ == info.name
                and value.__dict__.get("BINDINGS")
            ):
                found.add(value)
    assert found == set(binding_classes())


def test_the_help_lists_every_binding_id() -> None:
    rows = key_rows({}, lambda binding: binding.key)
    assert {row.id for row in rows} == binding_ids()
    assert next(row for row in rows if row.id == "jobs.remove").keys == ("x", "delete")


async def test_an_unknown_binding_id_is_reported_once_with_its_line(
    run_app: AppRunner, tmp_path: Path
) -> None:
    config = config_file(tmp_path, '# keys\n[keymap]\njobs.stop = "t"\njobs.stopp = "u"\n')
    async with run_app(config=config) as (app, pilot):
        await until(pilot, lambda: settings_notices(app))
        await pilot.pause(0.5)
        assert settings_notices(app) == [
            "Settings: config.toml:4: keymap.jobs.stopp: no binding has this id; ignored "
            "(the ids: the help screen, or README)"
        ]


async def test_a_key_taken_from_another_binding_is_reported(
    run_app: AppRunner, engine: JobEngine, tmp_path: Path
) -> None:
    config = config_file(tmp_path, '[keymap]\njobs.stop = "r"\n')
    async with run_app(config=config) as (app, pilot):
        await until(pilot, lambda: settings_notices(app))
        assert settings_notices(app) == [
            'Settings: config.toml:2: keymap.jobs.stop: "r" is also the key of jobs.receive, '
            "which loses it (move jobs.receive too)"
        ]


def test_a_swap_of_two_keys_is_no_clash() -> None:
    from jobtui.ui.keymap import clashes

    assert clashes({"jobs.stop": "r", "jobs.receive": "s"}) == []
    assert clashes({"jobs.stop": "?"}) == [("jobs.stop", "question_mark", "main.help")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("keep = false\ngrace = \n", ":2: not valid TOML"),
        ("keep = false\ngrace = 'soon'\n", ':2: grace: expected a number of seconds, got "soon"'),
        ("keep = false\n\nkepe = true\n", ":3: kepe: no such setting"),
    ],
)
async def test_a_bad_file_never_stops_the_app_and_says_once_what_is_wrong(
    run_app: AppRunner, tmp_path: Path, text: str, expected: str
) -> None:
    config = config_file(tmp_path, text)
    async with run_app(config=config) as (app, pilot):
        await until(pilot, lambda: settings_notices(app))
        await pilot.pause(0.5)
        [notice] = settings_notices(app)
        assert notice.startswith(f"Settings: config.toml{expected}")
        assert "\n" not in notice
        # The good key is used unless the whole file could not be read.
        keep = main_screen(app).query_one("#keep", KeepToggle).value
        assert keep is ("not valid TOML" in expected)


async def test_an_unknown_theme_starts_on_the_default(run_app: AppRunner, tmp_path: Path) -> None:
    config = config_file(tmp_path, 'theme = "plaid"\n')
    async with run_app(config=config) as (app, pilot):
        assert app.theme == "textual-dark"
        await until(pilot, lambda: settings_notices(app))
        assert 'theme: no theme named "plaid"' in settings_notices(app)[0]


async def test_keep_off_and_fewer_columns_at_start(run_app: AppRunner, tmp_path: Path) -> None:
    config = config_file(tmp_path, 'keep = false\ncolumns = ["id", "state", "command"]\n')
    async with run_app(config=config) as (app, pilot):
        screen = main_screen(app)
        assert screen.keep is False
        assert screen.query_one("#keep", KeepToggle).value is False
        jobs = table(app)
        header = jobs.render_line(0).text.replace("▲", "").split()
        assert header == ["Id", "State", "Command"]
        jobs.focus()
        await pilot.press("o")  # sorts by the columns shown only
        assert jobs.sort_column == "state"
        await pilot.press("o", "o")
        assert jobs.sort_column == "id"


async def test_the_history_lives_in_the_history_dir(engine: JobEngine, tmp_path: Path) -> None:
    folder = tmp_path / "my-history"
    config = config_file(tmp_path, f'history_dir = "{folder}"\n')
    app = JobApp(engine, config=config)
    assert app.history.path == folder / "history"


async def test_a_theme_picked_in_the_palette_is_remembered(
    run_app: AppRunner, engine: JobEngine, tmp_path: Path
) -> None:
    users_file = '# my jobtui\nkeep = true  # always\n\n[keymap]\njobs.stop = "t"  # terminate\n'
    config = config_file(tmp_path, users_file)
    async with run_app(config=config) as (app, pilot):
        app.action_change_theme()
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"gruvbox")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(pilot, lambda: app.theme == "gruvbox")
        await until(pilot, lambda: 'theme = "gruvbox"' in config.path.read_text())
    text = config.path.read_text()
    assert "# my jobtui\nkeep = true  # always\n" in text
    assert 'jobs.stop = "t"  # terminate\n' in text
    assert text.index("theme =") < text.index("[keymap]")
    again = JobApp(engine, config=load_config({}, config.path))
    assert again.theme == "gruvbox"


async def test_the_theme_set_at_start_is_not_written_back(
    run_app: AppRunner, tmp_path: Path
) -> None:
    config = config_file(tmp_path, 'theme = "nord"  # mine\n')
    async with run_app(config=config) as (app, pilot):
        assert app.theme == "nord"
        await pilot.pause(0.5)
    assert config.path.read_text() == 'theme = "nord"  # mine\n'


async def test_an_app_without_settings_saves_nothing(run_app: AppRunner, tmp_path: Path) -> None:
    async with run_app() as (app, pilot):
        app.theme = "nord"
        await pilot.pause(0.5)
    assert not list(tmp_path.rglob("config.toml"))


def _failed_job(engine: JobEngine) -> Job:
    job = engine.start_job("echo oops >&2; exit 3")
    engine.wait_job([job], timeout=10)
    return job


def _theme_colour(app: JobApp, variable: str) -> Any:
    return Color.parse(app.theme_variables[variable]).rich_color


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "ansi-dark", "ansi-light"])
async def test_states_and_stderr_take_the_themes_colours(
    run_app: AppRunner, engine: JobEngine, theme: str
) -> None:
    job = _failed_job(engine)
    async with run_app() as (app, pilot):
        app.theme = theme
        await pilot.pause(0.3)
        jobs = table(app)
        await until(pilot, lambda: jobs.row_count == 1)
        state = jobs.get_cell(str(job.id), "state")
        assert state.plain == "✗ Failed"
        assert isinstance(state.style, Style)
        assert state.style.color == _theme_colour(app, "text-error")
        error = main_screen(app).query_one("#output", OutputView)._kind_styles()["error"]
        assert error.color == _theme_colour(app, "text-error")
        if theme.startswith("ansi"):
            assert state.style.color is not None and state.style.color.number == 1  # the red


async def test_run_app_runs_with_the_mouse_as_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / "jobtui").mkdir(parents=True)
    (home / "jobtui" / "config.toml").write_text("mouse = false\ngrace = 0.25\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    seen: dict[str, Any] = {}

    def run(self: JobApp, **options: Any) -> None:
        seen.update(options, grace=self.service.grace, settings=self.settings)
        self._return_code = 0

    monkeypatch.setattr(app_module.JobApp, "run", run)
    assert run_app(log_path=tmp_path / "log") == 0
    assert seen["mouse"] is False and seen["grace"] == 0.25
