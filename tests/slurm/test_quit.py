"""Quitting with jobs on the cluster: the dialog counts them, and answering yes cancels them."""

from __future__ import annotations

import time
from pathlib import Path

from textual.widgets import Static

from jobtui.engine import JobEngine, JobState
from jobtui.ui.app import JobApp
from jobtui.ui.screens.confirm import ConfirmDialog
from tests.services.slurm import SlurmCluster
from tests.ui.conftest import until


async def test_the_quit_dialog_counts_cluster_jobs_and_yes_cancels_them(
    engine: JobEngine, cluster: SlurmCluster, tmp_path: Path
) -> None:
    local = engine.start_job("sleep 30")
    remote = engine.start_job("sleep 60", location="slurm")
    deadline = time.monotonic() + 20
    while remote.state is not JobState.Running and time.monotonic() < deadline:
        time.sleep(0.05)
    app = JobApp(engine, history_path=tmp_path / "history")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("escape", "q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        text = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert "2 job(s) still running: Job1, Job3 (1 on slurm). Stop them and quit?" in text
        await pilot.press("y")
        await until(pilot, lambda: local.state.is_finished and remote.state.is_finished, 20)
    assert remote.state is JobState.Stopped
    assert cluster.wait_queue_empty(10) == []
