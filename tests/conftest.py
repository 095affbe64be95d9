"""Fixtures for every test: no test reads the developer's own settings."""

from __future__ import annotations

import pytest

from jobtui.data.config import VARIABLES


@pytest.fixture(autouse=True)
def _no_user_settings(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty config directory, and none of the variables that override settings (children
    started by a test inherit both)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config-home")))
    for variable in [*VARIABLES, "TEXTUAL_THEME"]:
        monkeypatch.delenv(variable, raising=False)
