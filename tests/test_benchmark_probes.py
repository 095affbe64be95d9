"""The benchmarks' probes that drive the app still run against it (once each, with the fewest
runs): a widget renamed or replaced in the app must not be found only when the benchmarks are
run. Nothing here asserts a speed; benchmarks/run.py measures those."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("module", "args", "figure"),
    [
        ("startup", ["jobtui"], "first_frame"),
        ("frames", ["idle", "1"], "ms"),
        ("table_refresh", ["jobtui", "1"], "ms"),
        ("output_pane", ["100", "1"], "seconds"),
    ],
)
def test_an_app_probe_runs_and_reports_its_figure(
    module: str, args: list[str], figure: str
) -> None:
    out = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result[figure] > 0


def test_the_startup_probe_times_jobtuis_first_frame_as_complete() -> None:
    """jobtui's first frame already shows the settled screen (no second frame fills it in)."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.startup", "jobtui"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert json.loads(out.strip().splitlines()[-1])["frame_number"] == 1
