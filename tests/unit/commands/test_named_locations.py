"""The settings' named locations in the language: Start-Job -Location NAME, Invoke-Command
-HostName NAME, and the resources a named Slurm location gives its jobs."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from jobtui.commands import CommandSession
from jobtui.commands.cmdlets import START_JOB
from jobtui.commands.declaration import BoundCommand
from jobtui.commands.errors import CommandError
from jobtui.commands.locations import job_location, job_resources, named_target
from jobtui.data.settings import Location, SlurmLocation, SshLocation
from jobtui.engine import JobEngine
from tests.unit.commands.support import errors, output, run

BOX = SshLocation("box", "box.example.org", "alice", 2222, Path("/keys/box"))
GPU = SlurmLocation(
    "gpu", partition="gpu", account="lab", qos="long", time="1:00:00", cpus=4, memory="16G", gpus=1
)
HPC = SlurmLocation("hpc", host="login.example.org", partition="batch")
NAMED: tuple[Location, ...] = (BOX, GPU, HPC)


def start_job(**values: object) -> BoundCommand:
    """Start-Job as bound with these parameters."""
    return BoundCommand(START_JOB, "ScriptBlock", dict(values))


def refused_port() -> int:
    """A loopback port where nothing listens (it was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_named_ssh_location_is_its_host_with_its_user_port_and_identity_file() -> None:
    target = named_target(BOX)
    assert (target.host, target.user, target.port, target.key_file) == (
        "box.example.org",
        "alice",
        2222,
        "/keys/box",
    )
    assert target.location == "box"


def test_the_command_lines_user_port_and_key_win_over_the_named_locations() -> None:
    target = named_target(BOX, user="bob", port=22, key_file="/keys/mine")
    assert (target.host, target.user, target.port, target.key_file) == (
        "box.example.org",
        "bob",
        22,
        "/keys/mine",
    )


def test_a_named_ssh_location_is_a_backend_of_its_own_beside_the_bare_host(
    engine: JobEngine,
) -> None:
    name = job_location(engine, "Start-Job", start_job(Location="BOX"), NAMED)
    assert name == named_target(BOX).key
    assert name.startswith("ssh://alice@box.example.org:2222#")
    bare = job_location(
        engine, "Start-Job", start_job(Location="ssh://alice@box.example.org:2222"), NAMED
    )
    assert bare != name
    assert engine.locations == ["localhost", name, bare]
    # Asked again, the same backend.
    assert job_location(engine, "Start-Job", start_job(Location="box"), NAMED) == name


def test_start_job_at_a_named_ssh_location_goes_to_its_port_and_shows_its_name(
    engine: JobEngine,
) -> None:
    port = refused_port()
    session = CommandSession(
        engine, width=120, locations=(SshLocation("box", "127.0.0.1", port=port),)
    )
    started = run(session, "$j = Start-Job -Location box {echo hi}")
    assert errors(started) == []
    result = run(session, "Wait-Job $j -Timeout 30 | Out-Null; $j.State; $j.Location")
    assert output(result) == ["Failed", "box"]
    (reason,) = output(run(session, "$j.ChildJobs[0].JobStateInfo.Reason"))
    assert f"port {port}" in reason


def test_a_named_slurm_location_is_a_slurm_backend_of_its_name(engine: JobEngine) -> None:
    assert job_location(engine, "Start-Job", start_job(Location="Gpu"), NAMED) == "gpu"
    assert engine.locations == ["localhost", "gpu"]
    assert job_location(engine, "Start-Job", start_job(Location="gpu"), NAMED) == "gpu"


def test_a_named_slurm_locations_resources_are_the_jobs_unless_it_says_otherwise() -> None:
    assert job_resources("gpu", "Start-Job", start_job(Location="gpu"), NAMED) == {
        "Partition": "gpu",
        "Account": "lab",
        "Qos": "long",
        "Time": "1:00:00",
        "Cpus": 4,
        "Memory": "16G",
        "Gpus": 1,
    }
    given = start_job(Location="gpu", Resources=["partition=debug", "Cpus=8", "Nodes=2"])
    assert job_resources("gpu", "Start-Job", given, NAMED) == {
        "Account": "lab",
        "Qos": "long",
        "Time": "1:00:00",
        "Memory": "16G",
        "Gpus": 1,
        "partition": "debug",
        "Cpus": "8",
        "Nodes": "2",
    }


def test_no_resources_come_from_a_location_that_is_not_a_named_slurm_one() -> None:
    assert job_resources("slurm", "Start-Job", start_job(Location="slurm"), NAMED) == {}
    ssh = named_target(BOX).key
    assert job_resources(ssh, "Start-Job", start_job(Location="box"), NAMED) == {}


def test_a_bad_resource_of_the_job_is_still_refused_over_the_defaults() -> None:
    given = start_job(Location="gpu", Resources=["Memory=lots"])
    with pytest.raises(CommandError, match="Memory 'lots' is not a Slurm memory size"):
        job_resources("gpu", "Start-Job", given, NAMED)


def test_a_named_slurm_location_with_a_login_node_is_refused_in_one_line(
    engine: JobEngine,
) -> None:
    session = CommandSession(engine, width=120, locations=NAMED)
    result = run(session, "Start-Job -Location hpc {hostname}")
    assert errors(result) == [
        "Start-Job: Cannot start the job at the location 'hpc': it names the login node "
        "'login.example.org', and jobtui submits only with this machine's own Slurm commands; "
        "remove its host to submit from here."
    ]
    assert engine.locations == ["localhost"]
    assert output(run(session, "Get-Job")) == []


def test_an_unknown_location_lists_the_named_ones_too(engine: JobEngine) -> None:
    session = CommandSession(engine, width=120, locations=NAMED)
    result = run(session, "Start-Job -Location nowhere {true}")
    assert errors(result) == [
        "Start-Job: Cannot start the job at the location 'nowhere': there is no such location. "
        "Known locations: localhost, box, gpu, hpc, slurm."
    ]


def test_a_named_location_is_listed_once_after_its_backend_is_added(engine: JobEngine) -> None:
    session = CommandSession(engine, width=120, locations=(GPU,))
    job_location(engine, "Start-Job", start_job(Location="gpu"), (GPU,))
    result = run(session, "Start-Job -Location nowhere {true}")
    assert errors(result) == [
        "Start-Job: Cannot start the job at the location 'nowhere': there is no such location. "
        "Known locations: localhost, gpu, slurm."
    ]


def test_invoke_command_reaches_a_named_location_by_its_name(engine: JobEngine) -> None:
    port = refused_port()
    session = CommandSession(
        engine, width=120, locations=(SshLocation("box", "127.0.0.1", port=port),)
    )
    started = run(session, "$j = Invoke-Command -HostName box {echo hi} -AsJob")
    assert errors(started) == []
    result = run(session, "Wait-Job $j -Timeout 30 | Out-Null; $j.ChildJobs[0].Location")
    assert output(result) == ["box"]
    (reason,) = output(run(session, "$j.ChildJobs[0].JobStateInfo.Reason"))
    assert f"port {port}" in reason
