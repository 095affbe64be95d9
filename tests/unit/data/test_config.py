"""Reading settings: defaults, config.toml and JOBTUI_* variables, and what a bad file says."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from jobtui.data.config import Source, config_path, load_config
from jobtui.data.settings import (
    COLUMN_NAMES,
    DEFAULT_GRACE,
    Settings,
    SlurmLocation,
    SshLocation,
)
from jobtui.engine import JobEngine


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_the_defaults_from_nowhere(tmp_path: Path) -> None:
    config = load_config({}, tmp_path / "missing.toml")
    assert config.settings == Settings()
    assert not config.exists and not config.problems
    assert config.origin("grace").source is Source.DEFAULT
    assert str(config.origin("theme")) == "default"


def test_the_path_follows_xdg_config_home_and_ignores_a_relative_one(tmp_path: Path) -> None:
    assert config_path({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "jobtui/config.toml"
    fallback = Path.home() / ".config" / "jobtui" / "config.toml"
    assert config_path({"XDG_CONFIG_HOME": "relative/dir"}) == fallback
    assert config_path({}) == fallback


def test_the_file_sets_values_and_says_on_which_line(tmp_path: Path) -> None:
    spill = tmp_path / "spill"
    spill.mkdir()
    path = write(
        tmp_path,
        f"""# my settings
keep = false
grace = 0.5
spill_dir = "{spill}"
history_dir = "~/jobtui-history"
disk_budget = "20G"
columns = ["id", "name", "state", "command"]
theme = "nord"
mouse = false
""",
    )
    config = load_config({}, path)
    settings = config.settings
    assert not config.problems
    assert settings.keep is False and settings.grace == 0.5 and settings.mouse is False
    assert settings.spill_dir == spill
    assert settings.history_dir == Path.home() / "jobtui-history"
    assert settings.disk_budget == 20 * 1024**3
    assert settings.columns == ("id", "name", "state", "command")
    assert settings.theme == "nord"
    assert config.origin("keep").source is Source.FILE
    assert str(config.origin("keep")) == f"{path}:2"
    assert config.origin("mouse").line == 9
    assert config.origin("grace").line == 3


def test_the_environment_overrides_the_file_which_overrides_the_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, 'grace = 5\ntheme = "nord"\ncolumns = ["id", "command"]\n')
    env = {"JOBTUI_GRACE": "1.5", "JOBTUI_KEEP": "off", "JOBTUI_COLUMNS": "id, state,command"}
    config = load_config(env, path)
    settings = config.settings
    assert settings.grace == 1.5  # environment over file
    assert settings.theme == "nord"  # file over default
    assert settings.keep is False  # environment over default
    assert settings.mouse is True  # default
    assert settings.columns == ("id", "state", "command")
    assert str(config.origin("grace")) == "$JOBTUI_GRACE"
    assert config.origin("theme").source is Source.FILE
    assert config.origin("mouse").source is Source.DEFAULT


def test_textual_theme_counts_under_the_file(tmp_path: Path) -> None:
    assert load_config({"TEXTUAL_THEME": "dracula"}, tmp_path / "none").settings.theme == "dracula"
    path = write(tmp_path, 'theme = "nord"\n')
    assert load_config({"TEXTUAL_THEME": "dracula"}, path).settings.theme == "nord"
    both = {"TEXTUAL_THEME": "dracula", "JOBTUI_THEME": "monokai"}
    assert load_config(both, path).settings.theme == "monokai"


def test_a_bad_variable_keeps_the_files_value_and_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, "grace = 5\n")
    config = load_config({"JOBTUI_GRACE": "soon"}, path)
    assert config.settings.grace == 5
    [problem] = config.problems
    assert str(problem) == (
        'JOBTUI_GRACE: expected a number of seconds, got "soon"; the file\'s value is used'
    )


def test_a_syntax_error_gives_all_defaults_and_one_line_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "keep = false\n\ngrace 5\n")
    config = load_config({"JOBTUI_MOUSE": "0"}, path)
    assert config.settings == Settings(mouse=False)  # the environment still counts
    [problem] = config.problems
    assert problem.line == 3
    summary = config.summary()
    assert summary is not None and "\n" not in summary
    assert summary.startswith(f"Settings: {path}:3: not valid TOML: ")
    assert "all defaults" in summary


def test_a_bad_type_keeps_that_settings_default_only(tmp_path: Path) -> None:
    path = write(tmp_path, 'keep = false\n# the grace period\ngrace = "long"\nmouse = "no"\n')
    config = load_config({}, path)
    assert config.settings.keep is False  # the good key is used
    assert config.settings.grace == DEFAULT_GRACE
    assert config.settings.mouse is True
    assert [str(p) for p in config.problems] == [
        f'{path}:3: grace: expected a number of seconds, got "long"; the default is used',
        f'{path}:4: mouse: expected true or false, got "no"; the default is used',
    ]
    assert config.summary() == (
        f'Settings: {path}:3: grace: expected a number of seconds, got "long"; the default is '
        "used (and 1 more: jobtui config check)"
    )


def test_an_unknown_key_is_named_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "keep = true\n\n[keymap]\n\n[colours]\nred = 1\n")
    config = load_config({}, path)
    [problem] = config.problems
    assert (problem.line, problem.key) == (5, "colours")
    assert "no such setting" in problem.message
    assert config.settings.keep is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("grace = -1", "expected 0 to 3600 seconds, got -1"),
        ("grace = true", "expected a number of seconds, got true"),
        ('columns = ["id", "colour"]', 'no column named "colour"'),
        ('columns = ["id", "id"]', '"id" named more than once'),
        ("columns = []", "expected at least one column"),
        ('disk_budget = "lots"', 'expected bytes or a size such as "20G", got "lots"'),
        ('spill_dir = "relative/dir"', "expected an absolute path"),
        ('spill_dir = "/no/such/dir/here"', "no such directory: /no/such/dir/here"),
        ('theme = ""', 'expected a name, got ""'),
        ("keymap = 3", "expected a table of binding ids and keys"),
    ],
)
def test_each_bad_value_says_what_was_expected(tmp_path: Path, text: str, message: str) -> None:
    config = load_config({}, write(tmp_path, text + "\n"))
    [problem] = config.problems
    assert message in problem.message
    assert problem.line == 1


def test_sizes_take_units_of_1024() -> None:
    for written, expected in [("1K", 1024), ("1.5M", 1536 * 1024), ("2GiB", 2 * 1024**3)]:
        assert load_config({"JOBTUI_DISK_BUDGET": written}, Path("/nonexistent")).settings == (
            Settings(disk_budget=expected)
        )
    assert load_config({"JOBTUI_DISK_BUDGET": "4096"}, Path("/x")).settings.disk_budget == 4096


def test_the_keymap_takes_dotted_quoted_and_listed_ids(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """[keymap]
jobs.stop = "t"
"jobs.remove" = "d,ctrl+d"
app.quit = ["ctrl+x", "f10"]
jobs.wait = ""
""",
    )
    config = load_config({}, path)
    assert config.settings.keymap == {
        "jobs.stop": "t",
        "jobs.remove": "d,ctrl+d",
        "app.quit": "ctrl+x,f10",
    }
    assert config.origin("keymap.jobs.remove").line == 3
    [problem] = config.problems
    assert (problem.key, problem.line) == ("keymap.jobs.wait", 5)


def test_locations_are_read_and_checked(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """[locations.box]
kind = "ssh"
host = "box.example.org"
user = "ana"
port = 2222

[locations.cluster]
kind = "slurm"
partition = "gpu"
time = "2:00:00"
cpus = 8
memory = "16G"
gpus = 1

[locations.nohost]
kind = "ssh"

[locations.odd]
kind = "ftp"

[locations.cpus0]
kind = "slurm"
cpus = 0

[locations.localhost]
kind = "ssh"
host = "x"
""",
    )
    config = load_config({}, path)
    assert config.settings.locations == (
        SshLocation("box", "box.example.org", user="ana", port=2222),
        SlurmLocation("cluster", partition="gpu", time="2:00:00", cpus=8, memory="16G", gpus=1),
    )
    assert [(p.key, p.line) for p in config.problems] == [
        ("locations.nohost", 15),
        ("locations.odd.kind", 19),
        ("locations.cpus0.cpus", 23),
        ("locations.localhost", 25),
    ]
    assert "ssh needs host" in config.problems[0].message
    assert config.origin("locations.cluster").line == 7


def test_the_default_grace_is_the_engines() -> None:
    default = inspect.signature(JobEngine.__init__).parameters["grace"].default
    assert default == DEFAULT_GRACE


def test_engine_options_carry_grace_and_spill_dir(tmp_path: Path) -> None:
    settings = Settings(grace=0.25, spill_dir=tmp_path)
    engine = JobEngine(guardian=False, **settings.engine_options())
    try:
        assert engine.grace == 0.25 and engine.spill_dir == str(tmp_path)
    finally:
        engine.shutdown()


def test_the_default_columns_are_all_of_them() -> None:
    assert Settings().columns == COLUMN_NAMES


def test_reading_settings_loads_neither_textual_nor_rich_nor_tomlkit(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "nord"\n')
    code = (
        "import sys; from pathlib import Path; from jobtui.data.config import load_config; "
        f"load_config({{}}, Path({str(path)!r})); "
        "print(sorted(m for m in ('textual', 'rich', 'tomlkit') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
