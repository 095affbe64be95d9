"""A host restart inside the lease: a new session follows the SSH jobs an earlier one started.

The first session runs in a child process that is SIGKILLed (a crash: nothing stopped, nothing
written at the end); the remote jobs run on, their leases unrenewed, until a new session on the
same state directory finds them in the history and polls them again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from jobtui.engine import JobState, Stream
from jobtui.engine.ssh.backend import DEFAULT_LEASE
from jobtui.persistent import NOT_STARTED
from jobtui.service import LocalService
from tests.services.crashed_host import OPTIONS, crash_host, kill_ssh_master
from tests.services.sshd import HOSTS, SshServer
from tests.ssh.test_backend import _until

START = """
from jobtui.engine.ssh import ensure_location, parse_host
where = ensure_location(engine, parse_host(args["host"]))
jobs = [engine.start_job(command, location=where) for command in args["commands"]]
first = jobs[0].child_jobs[0]
wait_for(lambda: first.output.line_count >= args["lines"])
facts["received"] = [line for _, line in engine.receive_job([jobs[0]]).lines()]
facts["names"] = [job.child_jobs[0].runner.remote_id for job in jobs]
facts["control"] = engine.backend(where).agent.transport.control_path
"""

#: 30 lines a tenth of a second apart, then a line on stderr and exit code 3.
WRITER = (
    "i=0; while [ $i -lt 30 ]; do echo line $i; i=$((i+1)); sleep 0.1; done; echo tail >&2; exit 3"
)
LINES = [f"line {i}" for i in range(30)]


@pytest.fixture
def state_dir(tmp_path: Path, server: SshServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
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


def crash(state_dir: Path, server: SshServer, *commands: str, lines: int) -> dict[str, object]:
    facts = crash_host(
        state_dir,
        START,
        {"host": HOSTS[0], "commands": list(commands), "lines": lines},
        env={"JOBTUI_SSH_CONFIG": server.config_file},
    )
    kill_ssh_master(str(facts["control"]))
    return facts


def test_a_new_session_follows_a_running_remote_job_to_its_end(
    state_dir: Path, server: SshServer, opened: Callable[[], LocalService]
) -> None:
    facts = crash(state_dir, server, WRITER, "sleep 0.3; echo short", lines=5)
    writer_name, short_name = facts["names"]  # type: ignore[misc]
    received = facts["received"]
    assert isinstance(received, list) and received == LINES[: len(received)]
    # The jobs run on with nobody polling them, within the lease: the short one ends meanwhile.
    time.sleep(1.0)
    assert {writer_name, short_name} <= set(server.remote_job_directories())
    service = opened()
    writer, short = service.engine.jobs
    child = writer.child_jobs[0]
    assert (writer.location, child.location) == (HOSTS[0], HOSTS[0])
    assert writer.ps_job_type_name == short.ps_job_type_name == "BackgroundJob"
    assert child.state in (JobState.Running, JobState.Failed)
    assert service.engine.wait_job([writer, short], timeout=30) == [writer, short]
    # The short job ended while no session followed it: its end and output are found.
    assert short.state is JobState.Completed
    assert [line for _, line in service.engine.receive_job([short]).lines()] == ["short"]
    # The writer's whole transcript, what came before the crash and after it, byte for byte.
    assert child.state is JobState.Failed
    assert str(child.job_state_info.reason) == "Exit code 3: tail"
    assert child.process.exit_code == 3
    store = child.output
    assert store is not None
    assert store.stream_bytes(Stream.Output) == "".join(f"{x}\n" for x in LINES).encode()
    assert store.stream_bytes(Stream.Error) == b"tail\n"
    # The first session's Receive cursor came back: a receive returns only the rest.
    rest = [line for _, line in service.engine.receive_job([writer]).lines()]
    assert rest == [*LINES[len(received) :], "tail"]
    service.shutdown()
    # Nothing left on the host: the directories went with the jobs.
    _until(lambda: not {writer_name, short_name} & set(server.remote_job_directories()))
    assert server.wait_no_user_processes() == []


def test_a_suspended_remote_job_is_followed_suspended_and_can_be_stopped(
    state_dir: Path, server: SshServer, opened: Callable[[], LocalService]
) -> None:
    script = (
        START + "engine.suspend_job(jobs)\nwait_for(lambda: jobs[0].state.name == 'Suspended')\n"
    )
    facts = crash_host(
        state_dir,
        script,
        {"host": HOSTS[0], "commands": ["echo up; sleep 60"], "lines": 1},
        env={"JOBTUI_SSH_CONFIG": server.config_file},
    )
    kill_ssh_master(str(facts["control"]))
    service = opened()
    (job,) = service.engine.jobs
    assert job.state is JobState.Suspended
    assert [p.status() for p in server.user_processes_named("sleep")] == ["stopped"]
    service.engine.resume_job([job])
    _until(lambda: [p.status() for p in server.user_processes_named("sleep")] == ["sleeping"])
    service.engine.stop_job([job])
    assert job.state is JobState.Stopped
    assert server.wait_no_user_processes() == []


def test_a_job_whose_lease_ran_out_before_the_new_session_is_failed_with_why(
    state_dir: Path, server: SshServer, opened: Callable[[], LocalService]
) -> None:
    facts = crash(state_dir, server, "echo up; sleep 60", lines=1)
    (name,) = facts["names"]  # type: ignore[misc]
    # What the agent does when the lease runs out with no session (30 s in real life): the
    # job is ended and its directory removed. Done here by hand, to not wait the lease.
    assert DEFAULT_LEASE == 30.0
    for proc in server.user_processes_named("sleep"):
        proc.kill()
    server.remove_job_directory(str(name))
    service = opened()
    (job,) = service.engine.jobs
    assert service.engine.wait_job([job], timeout=20) == [job]
    assert job.state is JobState.Failed
    reason = str(job.child_jobs[0].job_state_info.reason)
    assert reason.startswith(f"The job's directory on {HOSTS[0]} is gone: it ended while no ")


SHORT_LEASE = """
from jobtui.engine.ssh.backend import SshBackend
from jobtui.engine.ssh.target import parse_host
target = parse_host(args["host"])
backend = engine.add_backend(lambda hooks: SshBackend(hooks, target, lease=5.0, keep_ended=True))
(job,) = [engine.start_job(command, location=backend.name) for command in args["commands"]]
wait_for(lambda: job.child_jobs[0].output.line_count >= 1)
facts["control"] = backend.agent.transport.control_path
"""


def test_the_new_session_renews_the_lease_so_the_job_outlives_it(
    state_dir: Path, server: SshServer, opened: Callable[[], LocalService]
) -> None:
    """A job started with a 5 s lease runs 10 s: it ends well only if the new session's polls
    renew the lease (the agent would have ended it, and removed its directory, at 5 s)."""
    facts = crash_host(
        state_dir,
        SHORT_LEASE,
        {"host": HOSTS[0], "commands": ["echo up; sleep 10; echo done"]},
        env={"JOBTUI_SSH_CONFIG": server.config_file},
    )
    kill_ssh_master(str(facts["control"]))
    service = opened()
    (job,) = service.engine.jobs
    assert service.engine.wait_job([job], timeout=30) == [job]
    assert job.state is JobState.Completed, job.child_jobs[0].job_state_info.reason
    assert [line for _, line in service.engine.receive_job([job]).lines()] == ["up", "done"]


def test_a_job_still_queued_by_a_throttle_is_failed_as_never_started(
    state_dir: Path, server: SshServer, opened: Callable[[], LocalService]
) -> None:
    script = (
        "from jobtui.engine.ssh import ensure_location, parse_host\n"
        "where = ensure_location(engine, parse_host(args['host']))\n"
        "engine._set_limit('BackgroundJob', 1, where)\n"
        "first = engine.start_job('echo up; sleep 30', location=where)\n"
        "queued = engine.start_job('echo never', location=where)\n"
        "wait_for(lambda: first.child_jobs[0].output.line_count >= 1)\n"
        "assert queued.state.name == 'NotStarted'\n"
        "facts['control'] = engine.backend(where).agent.transport.control_path\n"
    )
    facts = crash_host(
        state_dir, script, {"host": HOSTS[0]}, env={"JOBTUI_SSH_CONFIG": server.config_file}
    )
    kill_ssh_master(str(facts["control"]))
    service = opened()
    first, queued = service.engine.jobs
    assert first.state is JobState.Running
    assert queued.state is JobState.Failed
    assert str(queued.child_jobs[0].job_state_info.reason) == NOT_STARTED
    service.engine.stop_job([first])
    assert server.wait_no_user_processes() == []
