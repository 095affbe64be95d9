"""Pictures of the app: jobs in several states, output, keep both ways, wait, detail, help."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from screenshots.scenes import LIGHT_THEME, SCENES, SIZE

SnapCompare = Callable[..., bool]


@pytest.mark.parametrize("name", list(SCENES))
def test_scene(name: str, snap_compare: SnapCompare, history_path: Path) -> None:
    scene = SCENES[name]
    app, engine = scene.make(history_path)
    try:
        assert snap_compare(app, terminal_size=SIZE, run_before=scene.run_before)
    finally:
        engine.shutdown()


def test_main_screen_on_a_light_theme(snap_compare: SnapCompare, history_path: Path) -> None:
    """Jobs in every state on textual-light: the states' and streams' colours come from the
    theme, so they read on a light background too."""
    scene = SCENES["main"]
    app, engine = scene.make(history_path, theme=LIGHT_THEME)
    try:
        assert app.theme == LIGHT_THEME
        assert snap_compare(app, terminal_size=SIZE, run_before=scene.run_before)
    finally:
        engine.shutdown()
