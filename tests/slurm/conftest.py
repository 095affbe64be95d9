"""The Slurm Location's tests share one real one-node Slurm (tests/services/slurm.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jobtui.engine import JobEngine
from tests.services.slurm import SlurmCluster, slurm_cluster

__all__ = ["slurm_cluster"]


@pytest.fixture
def cluster(slurm_cluster: SlurmCluster, monkeypatch: pytest.MonkeyPatch) -> Iterator[SlurmCluster]:
    """The cluster, with the client commands pointed at it; its queue empty after the test."""
    monkeypatch.setenv("SLURM_CONF", slurm_cluster.conf)
    yield slurm_cluster
    slurm_cluster.cancel_all()


@pytest.fixture
def output_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the jobs' output files go (the backend's default honours JOBTUI_SLURM_OUTPUT)."""
    path = tmp_path / "slurm-output"
    monkeypatch.setenv("JOBTUI_SLURM_OUTPUT", str(path))
    return path


@pytest.fixture
def engine(
    cluster: SlurmCluster, output_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[JobEngine]:
    """An engine with the slurm Location, its jobs starting in the test's directory."""
    from jobtui.engine.slurm import SlurmBackend

    monkeypatch.chdir(tmp_path)
    engine = JobEngine(grace=1.0)
    engine.add_backend(lambda hooks: SlurmBackend(hooks, session_id=engine.session_id))
    try:
        yield engine
    finally:
        engine.shutdown()
