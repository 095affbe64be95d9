"""The SSH Location's tests share one real sshd on loopback (tests/services/sshd.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services.sshd import SshServer, sshd

__all__ = ["sshd"]


@pytest.fixture
def server(sshd: SshServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[SshServer]:
    """The server, with ssh pointed at its client config; nothing of a test outlives it."""
    from jobtui.engine.ssh.transport import CONFIG_VARIABLE

    monkeypatch.setenv(CONFIG_VARIABLE, sshd.config_file)
    yield sshd
    sshd.kill_user_processes()
