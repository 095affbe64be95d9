"""The monitors' fork server, over real processes: a forked monitor keeps every guarantee."""

from __future__ import annotations

import os
import signal
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from jobtui.engine import JobState, Stream
from jobtui.engine.local import jobmonitor, processes
from jobtui.engine.local.forkserver import ForkServer
from jobtui.engine.local.jobfiles import JobFiles, MonitorInfo, MonitorStartError
from jobtui.service import LocalService

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")

OPTIONS = {"grace": 0.5, "guardian": False, "shell": "/bin/sh"}


def wait_for(condition: Callable[[], object], timeout: float = 30.0) -> None:
    """Wait until ``condition()`` holds; fail (not hang) when it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {condition}")
        time.sleep(0.02)


def alive(pid: int) -> bool:
    return jobmonitor.process_state(pid) not in (None, "Z", "X")


def environ(pid: int) -> list[bytes]:
    with open(f"/proc/{pid}/environ", "rb") as file:
        return file.read().split(b"\0")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ForkServer]:
    """A fork server; every monitor and job it left running is killed after the test."""
    forks = ForkServer()
    forks.start()
    yield forks
    forks.close()
    for job_dir in tmp_path.glob("jobs/*"):
        info = JobFiles(job_dir).monitor_info()
        if info is None:
            continue
        table = processes.process_table()
        for pid in table.job_pids(info.job_pid, info.pgid, info.tag) | {info.monitor_pid}:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def start(server: ForkServer, tmp_path: Path, script: str, tag: str = "a-tag") -> MonitorInfo:
    return server.start_monitor(
        tmp_path / "jobs" / tag, ["/bin/sh", "-c", script], cwd=str(tmp_path), tag=tag
    )


def test_a_forked_monitor_and_its_job_each_have_a_session_and_the_job_its_tag(
    server: ForkServer, tmp_path: Path
) -> None:
    (tmp_path / "input").write_bytes(b"given\n")
    info = server.start_monitor(
        tmp_path / "jobs" / "t1",
        ["/bin/sh", "-c", "read line; echo $line $JOBTUI_SESSION; pwd; sleep 30"],
        cwd=str(tmp_path),
        tag="t1",
        env={**os.environ, "JOBTUI_SESSION": "the-session"},
        stdin=tmp_path / "input",
    )
    assert os.getsid(info.monitor_pid) == info.monitor_pid  # not the host's session
    assert os.getsid(info.job_pid) == info.job_pid == info.pgid
    assert psutil.Process(info.monitor_pid).ppid() == server.pid
    assert b"JOBTUI_JOB=t1" in environ(info.job_pid)
    files = JobFiles(tmp_path / "jobs" / "t1")
    wait_for(lambda: files.stream_bytes(Stream.Output).count(b"\n") == 2)
    assert files.stream_bytes(Stream.Output) == f"given the-session\n{tmp_path}\n".encode()
    # Nothing of the host's or the server's: no socket, no pipe but the job's and its own.
    held = [os.readlink(f"/proc/{info.monitor_pid}/fd/{fd}") for fd in os.listdir(
        f"/proc/{info.monitor_pid}/fd")]  # fmt: skip
    assert not [target for target in held if target.startswith("socket:")]
    job_held = [os.readlink(f"/proc/{info.job_pid}/fd/{fd}") for fd in os.listdir(
        f"/proc/{info.job_pid}/fd")]  # fmt: skip
    assert len(job_held) == 3  # stdin, stdout, stderr
    # No ignored signal of the monitor's (glibc's posix_spawn leaves its own 32 and 33 so).
    with open(f"/proc/{info.job_pid}/status") as status:
        ignored = next(line for line in status if line.startswith("SigIgn:"))
    assert int(ignored.split()[1], 16) & 0x7FFFFFFF == 0, ignored


def test_a_command_that_cannot_start_is_one_clear_line(server: ForkServer, tmp_path: Path) -> None:
    with pytest.raises(MonitorStartError, match="working directory"):
        server.start_monitor(
            tmp_path / "jobs" / "t2", ["/bin/sh", "-c", "true"], cwd=str(tmp_path / "nowhere")
        )
    with pytest.raises(MonitorStartError, match="no-such-program"):
        server.start_monitor(tmp_path / "jobs" / "t3", ["no-such-program"], cwd=str(tmp_path))


def test_a_command_is_looked_for_on_the_requests_path(server: ForkServer, tmp_path: Path) -> None:
    # The monitor keeps the server's own environment but for PATH: the request's is searched.
    env = {**os.environ, "PATH": "/nonexistent"}
    with pytest.raises(MonitorStartError, match="true"):
        server.start_monitor(tmp_path / "jobs" / "p1", ["true"], cwd=str(tmp_path), env=env)
    info = server.start_monitor(
        tmp_path / "jobs" / "p2", ["true"], cwd=str(tmp_path), env={**env, "PATH": "/bin"}
    )
    files = JobFiles(tmp_path / "jobs" / "p2")
    wait_for(lambda: files.exit_status() is not None)
    status = files.exit_status()
    assert status is not None and status.exit_code == 0 and info.job_pid


def test_a_killed_monitor_stops_its_job(server: ForkServer, tmp_path: Path) -> None:
    info = start(server, tmp_path, "sleep 30 & sleep 30; wait")
    wait_for(lambda: len(processes.tagged_pids(processes.JOB_TAG, "a-tag")) >= 2)
    pids = processes.tagged_pids(processes.JOB_TAG, "a-tag")
    os.kill(info.monitor_pid, signal.SIGKILL)
    wait_for(lambda: not any(alive(pid) for pid in pids), timeout=10)


def keeper_of(server: ForkServer) -> psutil.Process:
    """The server's keeper: its child that is in a session of its own and runs no job."""
    assert server.pid is not None
    kept = []
    for child in psutil.Process(server.pid).children():
        try:
            if not child.children() and os.getsid(child.pid) == child.pid:
                kept.append(child)
        except (psutil.NoSuchProcess, ProcessLookupError):
            continue  # a monitor whose job has just ended
    assert len(kept) == 1, kept
    return kept[0]


def test_a_forked_monitor_forks_no_sentinel_of_its_own(server: ForkServer, tmp_path: Path) -> None:
    info = start(server, tmp_path, "sleep 30", tag=f"t-{uuid.uuid4()}")
    assert [c.pid for c in psutil.Process(info.monitor_pid).children()] == [info.job_pid]
    keeper = keeper_of(server)
    assert os.getsid(keeper.pid) == keeper.pid  # a signal to a job's group does not reach it
    held = [os.readlink(f"/proc/{keeper.pid}/fd/{fd}") for fd in os.listdir(
        f"/proc/{keeper.pid}/fd")]  # fmt: skip
    assert [t for t in held if t.startswith("pipe:")]  # the monitor's sentinel pipe


def test_the_keeper_ends_a_job_whose_monitor_is_killed_after_the_server_is_gone(
    server: ForkServer, tmp_path: Path
) -> None:
    tag = f"t-{uuid.uuid4()}"  # no other test's sweep may take it
    info = start(server, tmp_path, "sleep 30 & sleep 30; wait", tag=tag)
    wait_for(lambda: len(processes.tagged_pids(processes.JOB_TAG, tag)) >= 2)
    pids = processes.tagged_pids(processes.JOB_TAG, tag)
    keeper = keeper_of(server)
    old = server.pid
    assert old is not None
    os.kill(old, signal.SIGKILL)
    wait_for(lambda: not alive(old))
    assert keeper.is_running()  # it outlives the server, for the monitors it watches
    os.kill(info.monitor_pid, signal.SIGKILL)
    wait_for(lambda: not any(alive(pid) for pid in pids), timeout=10)
    wait_for(lambda: not alive(keeper.pid), timeout=10)  # nothing left to watch


def test_a_monitor_started_after_its_keeper_died_is_still_watched(
    server: ForkServer, tmp_path: Path
) -> None:
    start(server, tmp_path, "true", tag=f"t-{uuid.uuid4()}")  # the keeper starts with it
    keeper = keeper_of(server)
    keeper.kill()
    wait_for(lambda: not alive(keeper.pid))
    tag = f"t-{uuid.uuid4()}"
    info = start(server, tmp_path, "sleep 30 & sleep 30; wait", tag=tag)
    wait_for(lambda: len(processes.tagged_pids(processes.JOB_TAG, tag)) >= 2)
    pids = processes.tagged_pids(processes.JOB_TAG, tag)
    os.kill(info.monitor_pid, signal.SIGKILL)
    wait_for(lambda: not any(alive(pid) for pid in pids), timeout=10)


def test_a_running_job_whose_keeper_dies_gets_a_sentinel_of_its_own(
    server: ForkServer, tmp_path: Path
) -> None:
    """The keeper watches every forked monitor's job: when it dies, each monitor still running
    forks a sentinel of its own at once, so a monitor killed after that still takes its job."""
    tag = f"t-{uuid.uuid4()}"
    info = start(server, tmp_path, "sleep 30 & sleep 30; wait", tag=tag)
    wait_for(lambda: len(processes.tagged_pids(processes.JOB_TAG, tag)) >= 2)
    pids = processes.tagged_pids(processes.JOB_TAG, tag)
    keeper = keeper_of(server)
    keeper.kill()
    wait_for(lambda: not alive(keeper.pid))
    monitor = psutil.Process(info.monitor_pid)
    wait_for(lambda: any(child.pid != info.job_pid for child in monitor.children()))
    os.kill(info.monitor_pid, signal.SIGKILL)
    wait_for(lambda: not any(alive(pid) for pid in pids), timeout=10)


def test_a_killed_server_leaves_its_monitors_running_and_is_replaced(
    server: ForkServer, tmp_path: Path
) -> None:
    first = start(server, tmp_path, "sleep 1; echo done", tag="first")
    old = server.pid
    assert old is not None
    os.kill(old, signal.SIGKILL)
    wait_for(lambda: not alive(old))
    assert alive(first.monitor_pid) and alive(first.job_pid)
    second = start(server, tmp_path, "echo again", tag="second")  # a new server forks it
    assert server.pid not in (None, old)
    files = JobFiles(tmp_path / "jobs" / "first")
    wait_for(lambda: files.exit_status() is not None)
    status = files.exit_status()
    assert status is not None and status.exit_code == 0
    assert files.stream_bytes(Stream.Output) == b"done\n"
    assert second.job_pid != first.job_pid


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    path = tmp_path / "state" / "jobtui"
    yield path
    for info in (JobFiles(d).monitor_info() for d in (path / "jobs").glob("*")):
        if info is None:
            continue
        table = processes.process_table()
        for pid in table.job_pids(info.job_pid, info.pgid, info.tag) | {info.monitor_pid}:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def fork_server_pid(service: LocalService) -> int | None:
    forks = service.engine._local._fork_server
    return forks.pid if forks is not None else None


def test_the_host_follows_its_jobs_after_the_fork_server_is_killed(state_dir: Path) -> None:
    service = LocalService.persistent(state_dir, **OPTIONS)
    try:
        job = service.engine.start_job("for i in 1 2 3 4 5; do echo $i; sleep 0.2; done")
        pid = fork_server_pid(service)
        assert pid is not None
        info = getattr(job.executing_job.runner, "info", None)
        assert info is not None and psutil.Process(info.monitor_pid).ppid() == pid
        os.kill(pid, signal.SIGKILL)
        assert job.finished.wait(20)
        assert job.state is JobState.Completed
        assert job.transcript is not None
        assert job.transcript.stream_bytes(Stream.Output) == b"1\n2\n3\n4\n5\n"
        again = service.engine.start_job("echo after")
        assert again.finished.wait(20)
        assert again.state is JobState.Completed
    finally:
        service.shutdown()


def test_ending_the_session_leaves_no_process(state_dir: Path) -> None:
    # Other suites' daemons (sshd, Slurm, tmux) may be this process's children too: only what
    # came after them counts.
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    service = LocalService.persistent(state_dir, **OPTIONS)
    jobs = [service.engine.start_job("sleep 30 & sleep 30") for _ in range(3)]
    quick = [service.engine.start_job("true") for _ in range(5)]
    wait_for(lambda: all(job.finished.is_set() for job in quick))
    pid = fork_server_pid(service)
    assert pid is not None
    service.shutdown()
    assert all(job.state is JobState.Stopped for job in jobs)
    wait_for(
        lambda: not {p.pid for p in psutil.Process().children(recursive=True)} - before,
        timeout=10,
    )
    assert not alive(pid)
    for job in jobs:
        tag = str(job.executing_job.instance_id)
        assert not [p for p in processes.tagged_pids(processes.JOB_TAG, tag) if alive(p)]


def test_a_job_whose_shell_cannot_start_fails_with_the_reason(state_dir: Path) -> None:
    service = LocalService.persistent(state_dir, **{**OPTIONS, "shell": "/no/such/shell"})
    try:
        job = service.engine.start_job("true")
        assert job.finished.wait(20)
        assert job.state is JobState.Failed
        assert "could not be started" in str(job.reason)
        assert "/no/such/shell" in str(job.reason)
    finally:
        service.shutdown()
