"""Snapshot tests: the same scenes as the README's screenshots, with nothing left to chance."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input


@pytest.fixture(autouse=True)
def _calm(monkeypatch: pytest.MonkeyPatch) -> None:
    """No blinking cursor, no animations."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr("textual.constants.TEXTUAL_ANIMATIONS", "none")


@pytest.fixture
def history_path(tmp_path: Path) -> Iterator[Path]:
    """An empty history, so no user's lines can appear."""
    yield tmp_path / "history"
