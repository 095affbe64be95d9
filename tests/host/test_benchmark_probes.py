"""The session host benchmark's probes that drive the app through a host still run (once each,
with the fewest runs): nothing here asserts a speed; benchmarks/session_host.py measures."""

from __future__ import annotations

import pytest

from benchmarks.session_host import _probe_in, host_environment

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("case", "figure"), [("pane", "seconds"), ("refresh", "ms")])
def test_a_hosted_app_probe_runs_and_reports_its_figure(case: str, figure: str) -> None:
    with host_environment() as env:
        result = _probe_in(env, 1, case)
    assert result[figure] > 0
