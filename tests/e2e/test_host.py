"""The session host end to end: real ``jobtui`` processes, a real host, real sockets.

Each test has its own host (its own XDG_RUNTIME_DIR and XDG_STATE_HOME), stopped at teardown,
and checks that no process of it is left.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

import jobtui
from jobtui.data.paths import HostPaths
from jobtui.host.client import HostService

ROOT = Path(jobtui.__file__).resolve().parents[1]


class HostEnv:
    """The environment of one test's host, and ways to run jobtui in it."""

    def __init__(self, root: Path) -> None:
        (root / "run").mkdir()
        self.env = {k: v for k, v in os.environ.items() if k != "JOBTUI_NO_HOST"}
        self.env.update(
            XDG_RUNTIME_DIR=str(root / "run"),
            XDG_STATE_HOME=str(root / "state"),
            PYTHONPATH=str(ROOT),
            COLUMNS="120",
        )
        self.paths = HostPaths.from_environ(self.env)
        self.pids: set[int] = set()

    def run(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "jobtui", *args],
            input=input,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=60,
        )
        self.note_host()
        return done

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "jobtui", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
        )

    def host_pid(self) -> int | None:
        try:
            text = self.paths.lock.read_text().strip()
        except FileNotFoundError:
            return None
        return int(text) if text.isdigit() else None

    def note_host(self) -> None:
        """Remember the host that holds the lock now (a `jobtui host` process, not this one:
        a test may hold the lock itself with a stand-in)."""
        pid = self.host_pid()
        if pid is None or pid == os.getpid():
            return
        try:
            command = psutil.Process(pid).cmdline()
        except psutil.NoSuchProcess:
            return
        if command[-2:] == ["jobtui", "host"]:
            self.pids.add(pid)

    def client(self, kind: str = "") -> HostService:
        return HostService.connect(self.paths.socket, kind=kind)

    def wait_until(self, predicate: object, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():  # type: ignore[operator]
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.05)


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.fixture
def host_env() -> Iterator[HostEnv]:
    with tempfile.TemporaryDirectory(prefix="jh-") as root:  # a socket path must be short
        env = HostEnv(Path(root))
        try:
            yield env
        finally:
            env.note_host()
            if env.paths.socket.exists():
                subprocess.run(
                    [sys.executable, "-m", "jobtui", "host", "stop"],
                    env=env.env,
                    capture_output=True,
                    timeout=60,
                )
            for pid in env.pids:
                deadline = time.monotonic() + 15
                while not _gone(pid) and time.monotonic() < deadline:
                    time.sleep(0.05)
                if not _gone(pid):
                    psutil.Process(pid).kill()
                    pytest.fail(f"the host (pid {pid}) was still running after the test")


def _job_pid(env: HostEnv, name: str) -> int:
    with env.client() as client:
        job = next(j for j in client.changes(-1).changed if j.name == name)
        env.wait_until(lambda: (client.snapshot(job.id) or job).pid is not None)
        snapshot = client.snapshot(job.id)
        assert snapshot is not None and snapshot.pid is not None
        return snapshot.pid


def test_c_starts_a_job_and_a_later_c_receives_its_output(host_env: HostEnv) -> None:
    started = host_env.run("-c", "Start-Job -Name build {sleep 1; echo done}")
    assert started.returncode == 0, started.stderr
    assert "build" in started.stdout and "Running" in started.stdout

    received = host_env.run("-c", "Receive-Job build -Wait")
    assert received.returncode == 0, received.stderr
    assert received.stdout.splitlines() == ["done"]

    failed = host_env.run("-c", "Get-Job -Id 9")
    assert failed.returncode == 1 and "job ID 9" in failed.stderr


def test_two_clients_see_the_same_jobs(host_env: HostEnv) -> None:
    first = host_env.popen("--plain")
    assert first.stdin is not None
    first.stdin.write("Start-Job -Name shared {sleep 1000}\n")
    first.stdin.flush()
    host_env.wait_until(lambda: host_env.paths.socket.exists())
    host_env.note_host()
    with host_env.client(kind="app") as second:
        host_env.wait_until(lambda: [j.name for j in second.changes(-1).changed] == ["shared"])
        first.stdin.close()  # the first leaves; the second is still attached: only detaches
        assert first.wait(30) == 0
        assert first.stderr is not None and "stopping" not in first.stderr.read()
        (job,) = second.changes(-1).changed
        assert not job.state.is_finished
        pid = _job_pid(host_env, "shared")
        assert second.leave() == ["shared"]  # the last attached client: the session ends
    host_env.wait_until(lambda: _gone(pid))
    assert first.stdout is not None
    first.stdout.close()
    first.stderr.close()


def test_the_last_client_killed_ends_its_jobs_and_the_host(host_env: HostEnv) -> None:
    client = host_env.popen("--plain")
    assert client.stdin is not None
    client.stdin.write("Start-Job -Name orphan {sleep 1000}\n")
    client.stdin.flush()
    host_env.wait_until(lambda: host_env.paths.socket.exists())
    host_env.note_host()
    host_env.wait_until(lambda: bool(host_env.run("-c", "Get-Job orphan").stdout))
    pid = _job_pid(host_env, "orphan")
    host = host_env.host_pid()
    assert host is not None

    client.kill()  # SIGKILL: no goodbye, only the socket closing
    client.wait(10)
    client.stdin.close()

    host_env.wait_until(lambda: _gone(pid))  # no orphan
    host_env.wait_until(lambda: _gone(host))
    assert not host_env.paths.socket.exists()
    assert client.stdout is not None and client.stderr is not None
    client.stdout.close()
    client.stderr.close()


def test_disconnect_then_reconnect_sees_the_job_and_what_it_wrote_meanwhile(
    host_env: HostEnv,
) -> None:
    script = "Start-Job -Name late {echo early; sleep 1; echo meanwhile}\nDisconnect-PSSession\n"
    first = host_env.run("--plain", input=script)
    assert first.returncode == 0, first.stderr
    assert "Disconnected" in first.stderr and "stopping" not in first.stderr
    status = host_env.run("host", "status")
    assert "Disconnected" in status.stdout

    time.sleep(1.5)
    again = host_env.run("--plain", input="Get-PSSession\nReceive-Job late -Wait\nexit\n")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-2:] == ["early", "meanwhile"]
    assert "State        : Opened" in again.stdout


def test_host_status_and_host_stop(host_env: HostEnv) -> None:
    assert host_env.run("host", "status").returncode == 1  # none yet
    host_env.run("-c", "Start-Job -Name s {sleep 1000}")
    pid = _job_pid(host_env, "s")

    status = host_env.run("host", "status")
    assert status.returncode == 0
    lines = dict(line.split(None, 1) for line in status.stdout.splitlines())
    assert int(lines["pid"]) == host_env.host_pid()
    assert lines["version"] == jobtui.__version__
    assert lines["jobs"] == "1 (1 running)" and lines["state"] == "Disconnected"
    assert "uptime" in lines and "clients" in lines

    stopped = host_env.run("host", "stop")
    assert stopped.returncode == 0 and "1 running job with it" in stopped.stdout
    assert _gone(pid) and not host_env.paths.socket.exists()
    assert host_env.run("host", "status").returncode == 1


def test_a_host_of_another_protocol_gets_what_to_do(host_env: HostEnv) -> None:
    from jobtui.host.listener import Listener
    from jobtui.host.wire import PROTOCOL, Hello

    listener = Listener(host_env.paths.runtime, {}, hello=Hello(PROTOCOL + 1, "9.9.9", 1))
    host_env.paths.runtime.mkdir(exist_ok=True)
    listener.start()
    import threading

    thread = threading.Thread(target=listener.serve_forever, daemon=True)
    thread.start()
    try:
        done = host_env.run("-c", "Get-Job")
    finally:
        listener.close()
        thread.join(10)
    assert done.returncode == 1
    assert "cannot talk to the running host (9.9.9" in done.stderr
    assert "restart the host when its jobs finish" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_two_clients_starting_hosts_at_once_share_one(host_env: HostEnv) -> None:
    runs = [host_env.popen("-c", "Start-Job {sleep 1000}") for _ in range(2)]
    for run in runs:
        _out, err = run.communicate(timeout=60)
        assert run.returncode == 0, err
    host_env.note_host()
    with host_env.client() as client:
        assert len(client.changes(-1).changed) == 2  # both jobs in the one session


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become another user")
def test_another_user_is_refused(host_env: HostEnv) -> None:
    host_env.run("-c", "Get-Job")
    socket_path = str(host_env.paths.socket)
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through its exit status
        status = 3
        try:
            os.setgid(65534)
            os.setuid(65534)
            HostService.connect(Path(socket_path))
            status = 0
        except (OSError, Exception):
            status = 1
        os._exit(status)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 1  # it could not connect


def test_a_client_whose_host_goes_says_so_in_one_line(host_env: HostEnv) -> None:
    client = host_env.popen("--plain")
    assert client.stdin is not None and client.stderr is not None
    client.stdin.write("Start-Job -Name s {sleep 1000}\n")
    client.stdin.flush()
    host_env.wait_until(lambda: host_env.paths.socket.exists())
    host_env.note_host()
    host_env.wait_until(lambda: "s" in host_env.run("-c", "Get-Job s").stdout)
    client.stdin.write("Wait-Job s\n")  # blocks until the host goes
    client.stdin.flush()

    assert host_env.run("host", "stop").returncode == 0

    assert client.wait(30) == 1
    errors = client.stderr.read().strip().splitlines()
    assert len(errors) == 1 and "host" in errors[0] and "Traceback" not in errors[0]
    client.stdin.close()
    assert client.stdout is not None
    client.stdout.close()
    client.stderr.close()


def test_the_app_in_a_terminal_is_a_client_and_disconnects(host_env: HostEnv) -> None:
    from tests.tmux import jobtui_command, running

    command = jobtui_command(Path(host_env.env["XDG_STATE_HOME"]))
    command = (
        f"export XDG_RUNTIME_DIR={host_env.env['XDG_RUNTIME_DIR']}; unset JOBTUI_NO_HOST; "
        f'{command}; echo "jobtui exited with $?"; sleep 5'
    )
    with running("jobtui-host-e2e", "host", command) as pane:
        pane.wait_for("PS>")
        host_env.wait_until(lambda: host_env.paths.socket.exists())
        host_env.note_host()
        assert host_env.run("-c", "Start-Job -Name fromc {sleep 1000}").returncode == 0
        pane.wait_for("fromc")  # a job another client started shows in the app
        pane.type_line("Disconnect-PSSession")
        pane.wait_for("jobtui exited with 0")
    status = host_env.run("host", "status")
    assert "Disconnected" in status.stdout and "1 (1 running)" in status.stdout


def test_a_host_killed_while_jobs_write_loses_no_job_and_no_byte(host_env: HostEnv) -> None:
    """SIGKILL the host: its jobs go on under their monitors, the next host adopts them, the
    transcripts are whole, and a job that ended meanwhile has its own exit code."""
    writer = "Start-Job -Name w {for i in $(seq 1 40); do echo line$i; sleep 0.05; done; exit 3}"
    assert host_env.run("-c", writer).returncode == 0
    assert host_env.run("-c", "Start-Job -Name long {sleep 1000}").returncode == 0
    long_pid = _job_pid(host_env, "long")
    host = host_env.host_pid()
    assert host is not None

    os.kill(host, 9)
    host_env.wait_until(lambda: _gone(host))
    time.sleep(2.5)  # w ends while no host runs

    listed = host_env.run("-c", "Get-Job")  # starts a new host, which adopts both
    assert listed.returncode == 0, listed.stderr
    assert host_env.host_pid() not in (None, host)
    with host_env.client() as client:
        jobs = {job.name: job for job in client.changes(-1).changed}
        assert jobs["w"].state.name == "Failed" and jobs["long"].state.name == "Running"
        assert jobs["long"].pid == long_pid and not _gone(long_pid)
        w = client.snapshot(jobs["w"].child_jobs[0].id)
        assert w is not None and w.exit_code == 3
    received = host_env.run("-c", "Receive-Job w -Keep")
    assert received.stdout.splitlines() == [f"line{i}" for i in range(1, 41)]

    assert host_env.run("host", "stop").returncode == 0
    host_env.wait_until(lambda: _gone(long_pid))  # stopping the host stops the adopted job
