"""The UI's widget-free pieces: sanitising output, history, paths, formatting."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobtui.data.line_history import CommandHistory
from jobtui.data.paths import default_history_path
from jobtui.ui.formatting import human_bytes, human_count, human_duration
from jobtui.ui.paths import css_paths, tcss_dir
from jobtui.ui.sanitize import MAX_LINE_CHARS, plain, sanitize, to_text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("a\x1b]0;title\x07b", "ab"),  # window title
        ("a\x1b]52;c;aGk=\x07b", "ab"),  # clipboard
        ("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),  # hyperlink
        ("\x1b[2J\x1b[Hclear", "clear"),  # erase, cursor home
        ("\x1b[?1049halt", "alt"),  # alternate screen
        ("ding\x07", "ding"),  # bell
        ("\x1bcreset", "reset"),  # full reset
        ("\x9b31mc1", "c1"),  # 8-bit CSI
        ("\x1bP1$qm\x1b\\dcs", "dcs"),  # device control string
        ("cut \x1b]0;never ends", "cut "),
        ("p 10%\rp 20%", "p 20%"),  # a progress bar shows its last state
        ("crlf\r", "crlf"),
        ("nul\x00bs\x08", "nulbs"),
    ],
)
def test_only_colours_survive(raw: str, shown: str) -> None:
    text = to_text(raw)
    assert text.plain == shown
    assert plain(raw) == shown
    assert "\x1b" not in sanitize(raw).replace("\x1b[31m", "").replace("\x1b[0m", "")


def test_colours_and_tabs() -> None:
    text = to_text("\x1b[32mok\x1b[0m\tnext")
    assert text.plain == "ok      next"
    assert text.spans and text.spans[0].style.color.number == 2  # type: ignore[union-attr]


def test_a_huge_line_is_cut() -> None:
    text = to_text("x" * (MAX_LINE_CHARS + 500))
    assert text.plain.endswith("[500 more characters]")


def test_history_is_kept_deduplicated_and_bounded(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "history"
    history = CommandHistory(path, limit=3)
    for line in ["a", "b", "b", "  ", "c", "d"]:
        history.add(line)
    assert history.entries == ["b", "c", "d"]
    assert CommandHistory(path, limit=3).entries == ["b", "c", "d"]
    for line in ["e", "f", "g"]:  # the file is rewritten when it grows to twice the limit
        history.add(line)
    assert path.read_text().splitlines() == ["e", "f", "g"]


def test_an_unwritable_history_does_not_stop_the_app(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    history = CommandHistory(blocker / "history")
    history.add("Get-Job")
    assert history.entries == ["Get-Job"]
    assert history.error is not None and history.error.startswith("History not")


def test_history_location_follows_xdg(tmp_path: Path) -> None:
    assert default_history_path({"XDG_STATE_HOME": str(tmp_path)}) == (
        tmp_path / "jobtui" / "history"
    )
    relative = default_history_path({"XDG_STATE_HOME": "relative/dir"})
    assert relative == Path.home() / ".local" / "state" / "jobtui" / "history"


def test_stylesheets_are_found() -> None:
    from jobtui.ui.screens.confirm import ConfirmDialog
    from jobtui.ui.screens.detail import JobDetailScreen
    from jobtui.ui.screens.help import HelpScreen
    from jobtui.ui.screens.input_dialog import InputDialog
    from jobtui.ui.screens.quit_dialog import QuitDialog
    from jobtui.ui.screens.search_all import SearchAllScreen
    from jobtui.ui.screens.wait_dialog import WaitDialog

    screens = (
        ConfirmDialog,
        JobDetailScreen,
        HelpScreen,
        InputDialog,
        QuitDialog,
        SearchAllScreen,
        WaitDialog,
    )
    loaded = [Path(path) for path in css_paths()]
    loaded += [Path(str(screen.CSS_PATH)) for screen in screens]
    assert all(path.is_file() for path in loaded)
    # Every stylesheet in the folder is loaded by the app or by a screen.
    assert {path.name for path in loaded} == {path.name for path in tcss_dir().glob("*.tcss")}


@pytest.mark.parametrize(
    ("value", "text"), [(None, ""), (512, "512B"), (12_900_000, "12.3M"), (5 * 1024**3, "5.0G")]
)
def test_human_bytes(value: int | None, text: str) -> None:
    assert human_bytes(value) == text


def test_human_count_and_duration() -> None:
    assert [human_count(n) for n in (42, 9999, 12_345, 3_400_000)] == ["42", "9999", "12k", "3.4M"]
    assert human_duration(65) == "1:05"
    assert human_duration(3725) == "1:02:05"


def test_an_installed_package_uses_its_own_stylesheets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jobtui

    package = tmp_path / "site-packages" / "jobtui"
    (package / "tcss").mkdir(parents=True)
    monkeypatch.setattr(jobtui, "__file__", str(package / "__init__.py"))
    assert tcss_dir() == package / "tcss"
