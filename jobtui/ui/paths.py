"""Where the app finds its stylesheets (the history and log files: :mod:`jobtui.data.paths`)."""

from __future__ import annotations

from pathlib import Path, PurePath

import jobtui

#: The stylesheets the app loads at start, in load order (later files win on equal specificity).
#: The other screens' own (dialogs, detail, help) load when each is first shown: the first
#: frame does not wait for their parsing.
TCSS_FILES = (
    "app.tcss",
    "main.tcss",
    "jobs_table.tcss",
    "output.tcss",
)


def tcss_dir() -> Path:
    """The folder of .tcss files: inside the installed package first, else the repository's."""
    installed = Path(jobtui.__file__).resolve().parent / "tcss"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "tcss"


def css_paths() -> list[str | PurePath]:
    """The stylesheets the app loads at start."""
    folder = tcss_dir()
    return [folder / name for name in TCSS_FILES]


def screen_css_path(name: str) -> str | PurePath:
    """A screen's own stylesheet, ``name`` in the folder of .tcss files (for its CSS_PATH)."""
    return tcss_dir() / name
