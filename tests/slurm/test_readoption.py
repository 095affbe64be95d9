"""A host restart: a new session follows, by their Slurm job ids, the jobs an earlier one submitted.

The first session runs in a child process that is SIGKILLed (a crash: nothing cancelled); the
cluster runs the jobs on, and a new session on the same state directory finds them in the
history, asks squeue (or scontrol) about them, and reads their output files from the start.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from jobtui.data.history import HistoryStore
from jobtui.data.paths import HISTORY_NAME
from jobtui.engine import JobState, Stream
from jobtui.service import LocalService
from tests.services.crashed_host import OPTIONS, crash_host
from tests.services.slurm import SlurmCluster
from tests.slurm.test_backend import wait_for

START = """
from jobtui.engine.slurm import slurm_location
engine.add_backend(lambda hooks: slurm_location("slurm", engine.session_id, hooks))
jobs = [
    engine.start_job(command, location="slurm", resources=resources)
    for command, resources in args["jobs"]
]
wait_for(lambda: all(j.child_jobs[0].runner.slurm_job_id for j in jobs))
first = jobs[0].child_jobs[0]
wait_for(lambda: first.output.line_count >= args["lines"])
facts["received"] = [line for _, line in engine.receive_job([jobs[0]]).lines()]
facts["ids"] = [j.child_jobs[0].runner.slurm_job_id for j in jobs]
"""

WRITER = "for i in $(seq 0 19); do echo line $i; sleep 0.15; done; echo tail >&2; exit 4"
LINES = [f"line {i}" for i in range(20)]


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "state" / "jobtui"


@pytest.fixture
def opened(state_dir: Path) -> Iterator[Callable[[], LocalService]]:
    """Open the persistent session again; each one opened is shut down at the end."""
    services: list[LocalService] = []

    def open_one() -> LocalService:
        service = LocalService.persistent(state_dir, **OPTIONS)
        services.append(service)
        return service

    yield open_one
    for service in services:
        service.shutdown()


def test_a_new_session_follows_running_and_pending_slurm_jobs_by_their_ids(
    state_dir: Path,
    cluster: SlurmCluster,
    output_dir: Path,
    opened: Callable[[], LocalService],
) -> None:
    facts = crash_host(
        state_dir,
        START,
        {
            "jobs": [
                [WRITER, {"Cpus": 2}],  # takes the whole node: the next one stays pending
                ["echo later", {}],
            ],
            "lines": 3,
        },
        env={"SLURM_CONF": cluster.conf, "JOBTUI_SLURM_OUTPUT": str(output_dir)},
    )
    writer_id, later_id = facts["ids"]  # type: ignore[misc]
    received = facts["received"]
    assert isinstance(received, list) and received == LINES[: len(received)]
    # Nothing cancelled them: the cluster still has both.
    assert {writer_id, later_id} <= set(cluster.live_job_ids())
    service = opened()
    writer, later = service.engine.jobs
    assert (writer.location, later.location) == ("slurm", "slurm")
    assert writer.ps_job_type_name == later.ps_job_type_name == "SlurmJob"
    details = writer.child_jobs[0].runner.details.as_dict()  # type: ignore[union-attr]
    assert details["slurm_job_id"] == writer_id
    assert wait_for(lambda: later.state is JobState.NotStarted or later.state.is_finished)
    assert service.engine.wait_job([writer, later], timeout=60) == [writer, later]
    child = writer.child_jobs[0]
    assert child.state is JobState.Failed
    assert str(child.job_state_info.reason) == "Exit code 4 (Slurm ExitCode 4:0): tail"
    store = child.output
    assert store is not None
    assert store.stream_bytes(Stream.Output) == "".join(f"{x}\n" for x in LINES).encode()
    assert store.stream_bytes(Stream.Error) == b"tail\n"
    # The first session's Receive cursor came back: a receive returns only the rest.
    rest = [line for _, line in service.engine.receive_job([writer]).lines()]
    assert rest == [*LINES[len(received) :], "tail"]
    assert later.state is JobState.Completed
    assert [line for _, line in service.engine.receive_job([later]).lines()] == ["later"]
    # Restart-Job of a restored cluster job asks for what it asked for (it lost -Resources).
    again = service.engine.restart_job(writer)
    assert again.location == "slurm"
    assert again.recipe is not None and again.recipe.resources == {"Cpus": 2}
    asked = again.child_jobs[0].runner.details.as_dict()["sbatch_options"]  # type: ignore[union-attr]
    assert asked == details["sbatch_options"] and "2" in str(asked)
    service.shutdown()
    # The files of both went with the session that followed them to the end.
    assert not any(output_dir.rglob("*.out"))


def test_a_job_that_ended_before_the_crash_keeps_its_output(
    state_dir: Path,
    cluster: SlurmCluster,
    output_dir: Path,
    opened: Callable[[], LocalService],
) -> None:
    script = START + "wait_for(lambda: jobs[0].state.is_finished)\n"
    facts = crash_host(
        state_dir,
        script,
        {"jobs": [["echo one; echo two; echo three", {}]], "lines": 1},
        env={"SLURM_CONF": cluster.conf, "JOBTUI_SLURM_OUTPUT": str(output_dir)},
    )
    service = opened()
    (job,) = service.engine.jobs
    assert job.state is JobState.Completed
    rest = [line for _, line in service.engine.receive_job([job]).lines()]
    assert [*facts["received"], *rest] == ["one", "two", "three"]  # type: ignore[misc]
    # The history still knows where its files are, for a host restarted once more.
    assert service.persistence is not None
    service.persistence.flush()
    with HistoryStore(state_dir / HISTORY_NAME, read_only=True) as store:
        (child,) = [r for r in store.load() if r.parent_id == job.id]
    assert child.remote_id == str(facts["ids"][0])  # type: ignore[index]
    assert child.remote is not None and json.loads(child.remote)["stdout"].endswith(".out")
    service.engine.remove_job(job)
    assert wait_for(lambda: not any(output_dir.rglob("*.out")), timeout=10)
