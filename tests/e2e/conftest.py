"""End-to-end tests run the installed ``jobtui`` in a real terminal (tmux), or served to a real
headless browser (marked ``browser``: those need no tmux, and skip on their own)."""

from __future__ import annotations

import shutil

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is marked e2e; those that drive tmux skip, with a reason, without it."""
    for item in items:
        if "tests/e2e" not in str(item.path).replace("\\", "/"):
            continue
        item.add_marker(pytest.mark.e2e)
        if shutil.which("tmux") is None and item.get_closest_marker("browser") is None:
            item.add_marker(pytest.mark.skip(reason="tmux is not installed: no terminal to drive"))
