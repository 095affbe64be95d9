"""Snapshot tests: the same scenes as the README's screenshots, with nothing left to chance."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def history_path(tmp_path: Path) -> Iterator[Path]:
    """An empty history, so no user's lines can appear."""
    yield tmp_path / "history"
