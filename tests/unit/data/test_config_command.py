"""``jobtui config path|show|check`` and plain mode on a bad file, as a user runs them."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jobtui.__main__ import plain_engine


@pytest.fixture
def config_home(tmp_path: Path) -> Path:
    return tmp_path / "config-home"


def jobtui(
    config_home: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "XDG_CONFIG_HOME": str(config_home), **env}
    return subprocess.run(
        [sys.executable, "-m", "jobtui", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )


def write_config(config_home: Path, text: str) -> Path:
    path = config_home / "jobtui" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_path_prints_where_the_file_is(config_home: Path) -> None:
    result = jobtui(config_home, "config", "path")
    assert result.returncode == 0
    assert result.stdout == f"{config_home / 'jobtui' / 'config.toml'}\n"


def test_check_without_a_file_passes(config_home: Path) -> None:
    result = jobtui(config_home, "config", "check")
    assert result.returncode == 0
    assert result.stdout.endswith("config.toml: no file: the defaults are used\n")


def test_check_passes_a_good_file(config_home: Path) -> None:
    write_config(config_home, 'keep = false\ntheme = "nord"\n[keymap]\njobs.stop = "t"\n')
    result = jobtui(config_home, "config", "check")
    assert (result.returncode, result.stdout.endswith(": no problems\n")) == (0, True)


def test_check_lists_every_error_with_its_line_and_key(config_home: Path) -> None:
    path = write_config(
        config_home,
        """keep = "yes"
theme = "no-such-theme"

[keymap]
jobs.stop = "t"
jobs.stopp = "u"

[locations.gpu]
kind = "slurm"
cpus = "many"
""",
    )
    result = jobtui(config_home, "config", "check", JOBTUI_GRACE="later")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f'{path}:1: keep: expected true or false, got "yes"; the default is used',
        f'{path}:10: locations.gpu.cpus: expected a whole number, 1 or more, got "many"; '
        'location "gpu" ignored',
        'JOBTUI_GRACE: expected a number of seconds, got "later"; the default is used',
        f'{path}:2: theme: no theme named "no-such-theme"; textual-dark is used '
        '(the themes: ctrl+p, "theme")',
        f"{path}:6: keymap.jobs.stopp: no binding has this id; ignored "
        "(the ids: the help screen, or README)",
        "5 problems; jobtui starts on the defaults for those settings.",
    ]


def test_check_reports_a_syntax_error_with_its_line(config_home: Path) -> None:
    path = write_config(config_home, 'theme = "nord"\nkeep = \n')
    result = jobtui(config_home, "config", "check")
    assert result.returncode == 1
    assert result.stdout.startswith(f"{path}:2: not valid TOML: ")


def test_show_says_where_each_value_came_from(config_home: Path, tmp_path: Path) -> None:
    write_config(
        config_home,
        '# mine\ngrace = 1.5\n\n[keymap]\njobs.stop = "t"\n\n'
        '[locations.box]\nkind = "ssh"\nhost = "box.example.org"\n',
    )
    result = jobtui(config_home, "config", "show", JOBTUI_DISK_BUDGET="2G")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"# {config_home / 'jobtui' / 'config.toml'}"
    by_start = {line.split("#")[0].strip(): line.split("#", 1)[1].strip() for line in lines[1:]
                if "#" in line and not line.startswith("#")}  # fmt: skip
    assert by_start["grace = 1.5"] == "line 2"
    assert by_start["keep = true"] == "default"
    assert by_start["disk_budget = 2147483648"] == (
        "$JOBTUI_DISK_BUDGET; 2.0 GiB, transcripts kept by the session host; past it the oldest "
        "finished go first"
    )
    assert by_start['jobs.stop = "t"'] == "line 5"
    assert by_start["[locations.box]"] == "line 7; not used yet"
    assert 'host = "box.example.org"' in lines


def test_plain_mode_says_once_on_stderr_what_is_wrong_and_still_runs(config_home: Path) -> None:
    path = write_config(config_home, 'grace = "soon"\n')
    result = jobtui(config_home, "--plain", stdin="Start-Job {echo hi} | Receive-Job -Wait\n")
    assert result.returncode == 0
    assert "hi" in result.stdout.splitlines()
    assert result.stderr == (
        f'jobtui: Settings: {path}:1: grace: expected a number of seconds, got "soon"; '
        "the default is used\n"
    )


def test_plain_modes_engine_takes_grace_and_spill_dir_from_the_settings(
    config_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(config_home, f'grace = 0.2\nspill_dir = "{tmp_path}"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    errors = io.StringIO()
    engine = plain_engine(errors)
    try:
        assert (engine.grace, engine.spill_dir) == (0.2, str(tmp_path))
    finally:
        engine.shutdown()
    assert errors.getvalue() == ""
