"""A session host served on a thread of the test's process, and clients of it."""

from __future__ import annotations

import threading
from pathlib import Path

from jobtui.data.paths import HostPaths
from jobtui.data.settings import Settings
from jobtui.host.client import HostService
from jobtui.host.server import HostServer


class Host:
    """A host served on a thread, and a way to connect clients to it."""

    def __init__(self, root: Path, idle_timeout: float = 600.0) -> None:
        self.paths = HostPaths(root / "run", root / "state")
        (root / "run").mkdir()
        self.server = HostServer(Settings(grace=0.5), self.paths, idle_timeout=idle_timeout)
        self.server.start()
        self.reason: list[str] = []
        self.thread = threading.Thread(target=lambda: self.reason.append(self.server.serve()))
        self.thread.start()
        self.clients: list[HostService] = []

    def connect(self, kind: str = "app") -> HostService:
        client = HostService.connect(self.paths.socket, kind=kind)
        self.clients.append(client)
        return client

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        self.server.end_session("the test ended")
        self.thread.join(20)
        assert not self.thread.is_alive()
