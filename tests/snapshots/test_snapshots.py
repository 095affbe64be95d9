"""Pictures of the app: jobs in several states, output, keep both ways, wait, detail, help."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from screenshots.scenes import SCENES, SIZE

SnapCompare = Callable[..., bool]


@pytest.mark.parametrize("name", list(SCENES))
def test_scene(name: str, snap_compare: SnapCompare, history_path: Path) -> None:
    scene = SCENES[name]
    app, engine = scene.make(history_path)
    try:
        assert snap_compare(app, terminal_size=SIZE, run_before=scene.run_before)
    finally:
        engine.shutdown()
