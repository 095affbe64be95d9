"""Writing a setting keeps the user's file as written: comments, order, other tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobtui.data.config import load_config
from jobtui.data.config_write import ConfigNotSaved, save_setting

USERS_FILE = """# jobtui, as I like it
keep = false   # I read output with r

# Themes: ctrl+p, "theme"
theme = "nord"

[keymap]
jobs.stop = "t"  # t for terminate
"""


def test_a_setting_is_replaced_where_it_stands(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(USERS_FILE)
    save_setting(path, "theme", "dracula")
    assert path.read_text() == USERS_FILE.replace('"nord"', '"dracula"')
    assert load_config({}, path).settings.theme == "dracula"


def test_a_new_setting_goes_before_the_first_table(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(USERS_FILE.replace('# Themes: ctrl+p, "theme"\ntheme = "nord"\n', ""))
    save_setting(path, "theme", "gruvbox")
    text = path.read_text()
    assert "# jobtui, as I like it\nkeep = false   # I read output with r\n" in text
    assert 'jobs.stop = "t"  # t for terminate\n' in text
    assert text.index('theme = "gruvbox"') < text.index("[keymap]")
    config = load_config({}, path)
    assert config.settings.theme == "gruvbox" and config.settings.keymap == {"jobs.stop": "t"}
    assert not config.problems


def test_a_missing_file_and_its_directory_are_made(tmp_path: Path) -> None:
    path = tmp_path / "new" / "jobtui" / "config.toml"
    save_setting(path, "theme", "monokai")
    assert path.read_text() == 'theme = "monokai"\n'
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temporary left


def test_a_file_that_is_not_toml_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("keep = \n")
    with pytest.raises(ConfigNotSaved, match="not valid TOML, so it was left alone"):
        save_setting(path, "theme", "nord")
    assert path.read_text() == "keep = \n"


def test_a_file_that_cannot_be_written_says_why(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigNotSaved, match="not read: Not a directory"):
        save_setting(blocker / "config.toml", "theme", "nord")
    if not Path("/proc/self").is_dir():
        pytest.skip("needs /proc, where no directory can be made (even by root)")
    with pytest.raises(ConfigNotSaved, match="not written"):
        save_setting(Path("/proc/jobtui-test/config.toml"), "theme", "nord")
