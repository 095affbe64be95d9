"""The SSH Location in the engine: remote jobs with child jobs, Reasons, stop, suspend, ends."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psutil
import pytest

from jobtui.engine import Job, JobEngine, JobState
from jobtui.engine.output import Stream
from jobtui.engine.ssh.backend import SshBackend
from jobtui.engine.ssh.target import parse_host
from tests.services.sshd import HOSTS, REFUSED_HOST, UNKNOWN_KEY_HOST, SshServer


def _add(engine: JobEngine, host: str, **kwargs: float) -> str:
    target = parse_host(host)
    engine.add_backend(lambda hooks: SshBackend(hooks, target, **kwargs))
    return target.key


@pytest.fixture
def engine(server: SshServer) -> Iterator[JobEngine]:
    with JobEngine(guardian=False) as engine:
        yield engine


def _wait(engine: JobEngine, job: Job, timeout: float = 20) -> None:
    assert engine.wait_job([job], timeout=timeout) == [job], job.state


def _text(engine: JobEngine, job: Job, *, keep: bool = False) -> list[tuple[Stream, str]]:
    return list(engine.receive_job([job], keep=keep).lines())


def _until(predicate: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_job_on_one_host_completes_with_its_output(engine: JobEngine) -> None:
    where = _add(engine, HOSTS[0])
    job = engine.start_job_on("echo hello; echo oops >&2", [where])
    _wait(engine, job)
    assert job.state is JobState.Completed
    assert job.ps_job_type_name == "RemoteJob"
    assert job.location == HOSTS[0]
    assert [c.location for c in job.child_jobs] == [HOSTS[0]]
    assert sorted(_text(engine, job, keep=True)) == [
        (Stream.Output, "hello"),
        (Stream.Error, "oops"),
    ]
    # -Keep left the cursor; a plain receive takes it all once, then nothing.
    assert len(_text(engine, job)) == 2
    assert _text(engine, job) == []


def test_two_hosts_make_a_child_job_each(engine: JobEngine) -> None:
    places = [_add(engine, host) for host in HOSTS]
    job = engine.start_job_on("hostname >/dev/null; echo $0 done", places)
    _wait(engine, job)
    assert job.location == ",".join(HOSTS)
    assert [c.location for c in job.child_jobs] == list(HOSTS)
    assert [c.state for c in job.child_jobs] == [JobState.Completed] * 2
    assert [line for _, line in _text(engine, job)] == ["sh done", "sh done"]


def test_a_failed_remote_command_has_its_exit_code_as_reason(engine: JobEngine) -> None:
    where = _add(engine, HOSTS[0])
    job = engine.start_job_on("echo broken >&2; exit 3", [where])
    _wait(engine, job)
    assert job.state is JobState.Failed
    child = job.child_jobs[0]
    assert str(child.job_state_info.reason) == "Exit code 3: broken"
    assert child.process.exit_code == 3


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        (REFUSED_HOST, r"ssh: connect to host 127\.0\.0\.1 port \d+: Connection refused"),
        (UNKNOWN_KEY_HOST, r"Host key verification failed\."),
    ],
)
def test_an_unreachable_host_fails_the_job_with_sshs_line(
    engine: JobEngine, host: str, reason: str
) -> None:
    where = _add(engine, host)
    job = engine.start_job_on("true", [where])
    _wait(engine, job)
    assert job.state is JobState.Failed
    text = str(job.child_jobs[0].job_state_info.reason)
    assert "\n" not in text
    import re

    assert re.fullmatch(reason, text), text


def test_stop_ends_the_remote_tree_and_leaves_nothing(engine: JobEngine, server: SshServer) -> None:
    where = _add(engine, HOSTS[0])
    job = engine.start_job_on("setsid sleep 300 & sleep 300; echo never", [where])
    _until(lambda: job.child_jobs[0].process.pid is not None)
    _until(lambda: "sleep" in server.user_process_names())
    engine.stop_job([job])
    assert job.state is JobState.Stopped
    assert job.child_jobs[0].state is JobState.Stopped
    assert server.wait_no_user_processes() == []


def test_suspend_and_resume_pause_the_remote_group(engine: JobEngine, server: SshServer) -> None:
    where = _add(engine, HOSTS[0])
    job = engine.start_job_on("sleep 300", [where])
    _until(lambda: "sleep" in server.user_process_names())
    (sleeper,) = server.user_processes_named("sleep")
    assert engine.suspend_job([job]) == [job]
    assert job.state is JobState.Suspended
    _until(lambda: sleeper.status() == "stopped")
    assert engine.resume_job([job]) == [job]
    assert job.state is JobState.Running
    _until(lambda: sleeper.status() != "stopped")
    engine.stop_job([job])


def test_the_end_of_the_session_leaves_nothing_on_the_host(server: SshServer) -> None:
    before = set(server.remote_job_directories())
    with JobEngine(guardian=False) as engine:
        places = [_add(engine, host) for host in HOSTS]
        done = engine.start_job_on("echo finished", places[:1])
        _wait(engine, done)
        job = engine.start_job_on("sleep 300", places)
        _until(lambda: server.user_process_names().count("sleep") == 2)
        masters = _ssh_masters()
        assert len(masters) == 2  # one shared connection per host
    assert job.state is JobState.Stopped
    assert server.wait_no_user_processes() == []
    # Neither the finished job's directory nor the stopped ones' stay.
    assert set(server.remote_job_directories()) - before == set()
    _until(lambda: not _ssh_masters() & masters)  # and none left here


def _ssh_masters() -> set[int]:
    """This machine's ssh master connections of jobtui's (their control sockets' directory)."""
    found = set()
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["name"] == "ssh" and "-M" in cmdline and "jobtui-ssh-" in " ".join(cmdline):
            found.add(proc.pid)
    return found


def test_a_job_outlives_its_session_only_for_its_lease(server: SshServer) -> None:
    """jobtui gone without stopping its jobs (killed): the agent ends them after the lease."""
    engine = JobEngine(guardian=False)
    where = _add(engine, HOSTS[0], lease=1.0)
    job = engine.start_job_on("sleep 300", [where])
    _until(lambda: "sleep" in server.user_process_names())
    backend = engine._backends[where]
    assert isinstance(backend, SshBackend)
    before = server.remote_job_directories()
    assert job.child_jobs[0].runner.remote_name in before  # type: ignore[union-attr]
    backend.close(1.0)  # no more polls, as if the process had died; the job was not stopped
    assert job.state is JobState.Running
    assert server.wait_no_user_processes(timeout=10) == []
    assert job.child_jobs[0].runner.remote_name not in server.remote_job_directories()  # type: ignore[union-attr]


def test_a_dropped_connection_makes_the_job_disconnected_then_back(
    engine: JobEngine, server: SshServer
) -> None:
    where = _add(engine, HOSTS[0])
    job = engine.start_job_on("for i in 1 2 3 4 5 6; do echo $i; sleep 0.5; done", [where])
    child = job.child_jobs[0]
    _until(lambda: child.process.pid is not None)
    backend = engine._backends[where]
    assert isinstance(backend, SshBackend)
    transport = backend.agent.transport
    real_run = transport.run

    def unreachable(*args: object, **kwargs: object) -> object:
        from jobtui.engine.ssh.transport import TransportError

        raise TransportError("ssh: connect to host 127.0.0.1 port 22: Network is unreachable")

    transport.run = unreachable  # type: ignore[method-assign]
    _until(lambda: child.state is JobState.Disconnected)
    assert job.state is JobState.Disconnected
    assert "Network is unreachable" in child.status_message
    transport.run = real_run  # type: ignore[method-assign]
    # Disconnected is persistent (Wait-Job ends on it); -Force waits through it.
    assert engine.wait_job([job], timeout=20, force=True) == [job]
    assert job.state is JobState.Completed
    assert [line for _, line in _text(engine, job)] == ["1", "2", "3", "4", "5", "6"]


def test_a_killed_connection_loses_no_output(engine: JobEngine, server: SshServer) -> None:
    """The shared connection really dies (its sshd session is killed): the job runs on."""
    where = _add(engine, HOSTS[0])
    job = engine.start_job_on("for i in $(seq 1 20); do echo line$i; sleep 0.1; done", [where])
    child = job.child_jobs[0]
    _until(lambda: child.process.pid is not None)
    sessions = [
        p for p in psutil.process_iter(["name", "username"]) if p.info["username"] == server.user
    ]
    for proc in sessions:
        if proc.info["name"] == "sshd":
            proc.kill()
    assert engine.wait_job([job], timeout=20, force=True) == [job]
    assert job.state is JobState.Completed
    assert [line for _, line in _text(engine, job)] == [f"line{i}" for i in range(1, 21)]


def test_stopping_a_disconnected_job_does_not_wait_for_the_host(engine: JobEngine) -> None:
    where = _add(engine, HOSTS[0])
    job = engine.start_job_on("sleep 300", [where])
    child = job.child_jobs[0]
    _until(lambda: child.process.pid is not None)
    backend = engine._backends[where]
    assert isinstance(backend, SshBackend)
    transport = backend.agent.transport
    real_run = transport.run
    operations: list[str] = []

    def unreachable(words: list[str], **kwargs: object) -> object:
        from jobtui.engine.ssh.transport import TransportError

        operations.append(words[-1])
        raise TransportError("ssh: connect to host 127.0.0.1 port 22: Connection timed out")

    transport.run = unreachable  # type: ignore[method-assign]
    _until(lambda: child.state is JobState.Disconnected)
    engine.stop_job([job])
    transport.run = real_run  # type: ignore[method-assign]
    assert job.state is JobState.Stopped
    assert "stop" not in operations and "poll" in operations
    assert "when its lease of 30 s runs out" in child.status_message
    backend.agent.stop([job.child_jobs[0].runner.remote_name], 1.0)  # type: ignore[union-attr]


def test_cpu_and_memory_come_from_the_agent(engine: JobEngine) -> None:
    where = _add(engine, HOSTS[0])
    job = engine.start_job_on("sh -c 'while :; do :; done' & wait", [where])
    info = job.child_jobs[0].process
    _until(lambda: (info.cpu_percent or 0) > 10, timeout=20)
    assert info.memory_rss is not None and info.memory_rss > 0
    assert info.process_count == 2
    engine.stop_job([job])


def test_a_flood_is_read_with_the_larger_limit_byte_exact(
    engine: JobEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a poll that came back full, the next one asks for BEHIND_LIMIT; nothing is lost."""
    monkeypatch.setattr("jobtui.engine.ssh.backend.POLL_LIMIT", 20_000)
    monkeypatch.setattr("jobtui.engine.ssh.backend.BEHIND_LIMIT", 200_000)
    monkeypatch.setattr("jobtui.engine.ssh.agent.PIECE", 4096)
    where = _add(engine, HOSTS[0])
    job = engine.start_job_on("sleep 0.3; seq 100000", [where])
    backend = engine._backends[where]
    assert isinstance(backend, SshBackend)
    limits: list[int] = []
    real_poll = backend.agent.poll

    def poll(jobs: list[tuple[str, int, int]], limit: int, **kwargs: object) -> object:
        limits.append(limit)
        return real_poll(jobs, limit, **kwargs)  # type: ignore[arg-type]

    backend.agent.poll = poll  # type: ignore[method-assign]
    _wait(engine, job)
    assert job.state is JobState.Completed
    assert [line for _, line in _text(engine, job)] == [str(i) for i in range(1, 100001)]
    assert 200_000 in limits
    assert limits.count(200_000) <= 4  # 588,895 bytes: 20,000 then 200,000 at a time
