"""A named Slurm location (``[locations.NAME]``) on the real Slurm: a backend of its name whose
jobs ask for its resources, under their own -Resources."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobtui.commands import CommandSession
from jobtui.data.settings import SlurmLocation
from jobtui.engine import JobEngine, JobState
from tests.services.slurm import SlurmCluster
from tests.unit.commands.support import errors, output, run

CLUSTER = SlurmLocation("cluster", partition="debug", cpus=2, memory="150M", time="00:05:00")


@pytest.fixture
def session(
    cluster: SlurmCluster, output_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CommandSession]:
    """A session whose settings name the cluster ``cluster``."""
    monkeypatch.chdir(tmp_path)
    engine = JobEngine(grace=1.0)
    try:
        yield CommandSession(engine, width=120, locations=(CLUSTER,))
    finally:
        engine.shutdown()


def test_start_job_at_a_named_cluster_completes_with_its_output(session: CommandSession) -> None:
    started = run(session, "$j = Start-Job -Location cluster {echo hello; exit 0}")
    assert errors(started) == []
    assert session.engine.locations == ["localhost", "cluster"]
    result = run(session, "Wait-Job $j -Timeout 20 | Out-Null; $j.State; $j.Location")
    assert output(result) == ["Completed", "cluster"]
    assert output(run(session, "Receive-Job $j")) == ["hello"]


def test_the_clusters_resources_are_asked_for_under_the_jobs_own(
    session: CommandSession, cluster: SlurmCluster
) -> None:
    result = run(session, "$j = Start-Job -Location cluster -Resources Cpus=1 {sleep 30}")
    assert errors(result) == []
    job = session.engine.jobs[0]
    deadline = time.monotonic() + 20
    while job.state is JobState.NotStarted and time.monotonic() < deadline:
        time.sleep(0.05)
    details = job.executing_job.runner.details.as_dict()  # type: ignore[union-attr]
    shown = cluster.run("scontrol", "show", "job", "--oneliner", str(details["slurm_job_id"]))
    fields = dict(w.partition("=")[::2] for w in shown.stdout.split() if "=" in w)
    assert fields["Partition"] == "debug"
    assert fields["CPUs/Task"] == "1"
    assert fields["MinMemoryNode"] == "150M"
    assert fields["TimeLimit"] == "00:05:00"
