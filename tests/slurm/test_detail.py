"""The detail screen shows a Slurm job's own facts: its job id, partition, node, Slurm's state
and reason, and the resources it asked for (through the snapshot, as a host would send it)."""

from __future__ import annotations

from pathlib import Path

from jobtui.engine import JobEngine, JobState
from jobtui.engine.snapshot import JobSnapshot
from jobtui.ui.app import JobApp
from jobtui.ui.screens.detail import JobDetailScreen
from jobtui.ui.widgets.property_list import PropertyList
from tests.services.slurm import PARTITION, SlurmCluster
from tests.slurm.test_backend import SLURM, slurm_id, wait_for
from tests.ui.conftest import until


def rows(text: str) -> dict[str, str]:
    """``Name : value`` rows as a mapping."""
    found = {}
    for line in text.splitlines():
        name, sep, value = line.partition(" : ")
        if sep:
            found[name.strip()] = value.strip()
    return found


async def test_the_detail_screen_shows_the_slurm_facts_of_a_running_job(
    engine: JobEngine, cluster: SlurmCluster, tmp_path: Path
) -> None:
    job = engine.start_job("echo up; sleep 60", location=SLURM, resources={"Cpus": 1, "Time": "5"})
    assert wait_for(lambda: job.state is JobState.Running)
    assert wait_for(lambda: bool(job.child_jobs[0].runner.details.node))  # type: ignore[union-attr]
    snapshot = engine.snapshot(job.id)
    assert snapshot is not None
    # The facts travel with the snapshot, as a session host sends it to its clients.
    assert JobSnapshot.from_dict(snapshot.to_dict()) == snapshot
    app = JobApp(engine, history_path=tmp_path / "history")
    async with app.run_test(size=(140, 60)) as pilot:
        await pilot.pause()
        await pilot.press("escape", "enter")
        screen = app.screen
        assert isinstance(screen, JobDetailScreen)
        child = screen.query_one("#props-child-0", PropertyList)
        await until(pilot, lambda: "SlurmJobId" in str(child.render()))
        shown = rows(str(child.render()))
    assert shown["SlurmJobId"] == str(slurm_id(job))
    assert shown["Partition"] == PARTITION
    assert shown["Node"] == cluster.node
    assert shown["SlurmState"] == "RUNNING"
    assert "--cpus-per-task=1" in shown["Resources"] and "--time=5" in shown["Resources"]
    assert shown["StdoutFile"].endswith(".out")
