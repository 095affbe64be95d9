"""End-to-end tests run the installed ``jobtui`` in a real terminal (tmux)."""

from __future__ import annotations

import shutil

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is marked e2e, and skipped with a reason when tmux is missing."""
    for item in items:
        if "tests/e2e" not in str(item.path).replace("\\", "/"):
            continue
        item.add_marker(pytest.mark.e2e)
        if shutil.which("tmux") is None:
            item.add_marker(pytest.mark.skip(reason="tmux is not installed: no terminal to drive"))
