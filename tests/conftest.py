"""What every test shares: an app that shows the same thing however fast the machine is, and
no developer's own settings."""

from __future__ import annotations

import sys

import pytest

from jobtui.data.config import VARIABLES


@pytest.fixture(autouse=True)
def _calm(monkeypatch: pytest.MonkeyPatch) -> None:
    """No blinking cursor and no animations: what the tests see does not depend on timing.

    Only where Textual is already loaded (by a test of the app): a headless test has nothing to
    calm, and importing Textual for it would cost the engine's tests their independence of it.
    """
    if "textual" not in sys.modules:
        return
    from textual.widgets import Input

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr("textual.constants.TEXTUAL_ANIMATIONS", "none")


@pytest.fixture(autouse=True)
def _no_user_settings(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty config directory, and none of the variables that override settings (children
    started by a test inherit both): no test reads the developer's config.toml."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config-home")))
    for variable in [*VARIABLES, "TEXTUAL_THEME"]:
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture(autouse=True)
def _no_session_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """``jobtui`` run by a test keeps its session in its own process, as it did before the
    session host: no test starts a host in the developer's runtime directory by accident. The
    host's own tests (tests/e2e/test_host.py) undo this, with private directories."""
    monkeypatch.setenv("JOBTUI_NO_HOST", "1")
