"""A real session host for each test: ``python -m jobtui host`` in private directories.

The host runs in the foreground of a child process, so a test knows its pid and can count its
threads and open files; every host is stopped at teardown, and a host that outlives its stop
fails the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

import jobtui
from jobtui.data.paths import HostPaths
from jobtui.host.client import HostService

ROOT = Path(jobtui.__file__).resolve().parents[1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if f"{os.sep}host{os.sep}" in str(item.fspath) and "unit" not in str(item.fspath):
            item.add_marker(pytest.mark.reliability)


def wait_for(condition: Callable[[], object], timeout: float = 20.0) -> None:
    """Wait until ``condition()`` holds; fail (not hang) when it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {condition}")
        time.sleep(0.02)


def gone(pid: int) -> bool:
    """Whether a process has ended (a zombie counts: it runs nothing)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


class RealHost:
    """One ``jobtui host`` process and ways to reach it: clients in this process, or
    ``jobtui`` commands as processes of their own."""

    def __init__(self, root: Path, *, start: bool = True) -> None:
        (root / "run").mkdir(exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if k != "JOBTUI_NO_HOST"}
        self.env.update(
            XDG_RUNTIME_DIR=str(root / "run"),
            XDG_STATE_HOME=str(root / "state"),
            PYTHONPATH=str(ROOT),
            COLUMNS="120",
        )
        self.paths = HostPaths.from_environ(self.env)
        self.log = root / "host.out"
        self.clients: list[HostService] = []
        if start:
            self.start()

    def start(self) -> None:
        """Start the host process (again, after one was killed) and wait until it answers."""
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jobtui", "host"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                start_new_session=True,
            )
        self.pid = self.process.pid
        wait_for(self._answers, 30)

    def _answers(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()
        try:
            with HostService.connect(self.paths.socket) as client:
                client.status()
        except OSError:
            return False
        return True

    def client(self, kind: str = "") -> HostService:
        """A client in this process (attached as ``kind``, if given), closed at the end."""
        service = HostService.connect(self.paths.socket, kind=kind)
        self.clients.append(service)
        return service

    def run(
        self, *args: str, input: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """``jobtui ARGS`` as a process of its own (``input`` its standard input)."""
        return subprocess.run(
            [sys.executable, "-m", "jobtui", *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            input=input if input is not None else "",
        )

    def python(self, code: str, *args: str) -> subprocess.Popen[str]:
        """A Python child in the host's environment (a client that can be killed)."""
        return subprocess.Popen(
            [sys.executable, "-c", code, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
        )

    def threads(self) -> int:
        """The host's threads now."""
        return psutil.Process(self.pid).num_threads()

    def fds(self) -> int:
        """The host's open file descriptors now."""
        return psutil.Process(self.pid).num_fds()

    def settled(self) -> tuple[int, int]:
        """Threads and fds once they stop changing (a pull's thread may be finishing)."""
        last = (-1, -1)
        for _ in range(100):
            now = (self.threads(), self.fds())
            if now == last:
                return now
            last = now
            time.sleep(0.1)
        return last

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        if self.process.poll() is None:
            self.run("host", "stop")
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"the host (pid {self.pid}) was still running after jobtui host stop")


@pytest.fixture
def host_root() -> Iterator[Path]:
    """A private directory for a host not started yet (a socket path must be short)."""
    with tempfile.TemporaryDirectory(prefix="jr-") as root:
        yield Path(root)


@pytest.fixture
def host() -> Iterator[RealHost]:
    """A running host in private directories; stopped (and its jobs with it) at the end."""
    with tempfile.TemporaryDirectory(prefix="jr-") as root:  # a socket path must be short
        started = RealHost(Path(root))
        try:
            yield started
        finally:
            started.stop()
