"""A named SSH location (``[locations.NAME]``) on the real sshd: its user, port and identity
file are what reach the host, since the client config here knows nothing of it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobtui.commands import CommandSession
from jobtui.data.settings import SshLocation
from jobtui.engine import JobEngine
from tests.services.sshd import SshServer
from tests.unit.commands.support import errors, output, run


@pytest.fixture
def session(
    server: SshServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CommandSession]:
    """A session whose settings name the server ``box``; ssh's config only trusts its key."""
    from jobtui.engine.ssh.transport import CONFIG_VARIABLE

    config = tmp_path / "ssh_config"
    config.write_text(
        "Host 127.0.0.1\n"
        f"    UserKnownHostsFile {os.path.join(server.directory, 'known_hosts')}\n"
        "    GlobalKnownHostsFile /dev/null\n"
        "    IdentitiesOnly yes\n"
    )
    config.chmod(0o600)
    monkeypatch.setenv(CONFIG_VARIABLE, str(config))
    box = SshLocation(
        "box",
        "127.0.0.1",
        user=server.user,
        port=server.port,
        identity_file=Path(server.directory) / "id",
    )
    engine = JobEngine(grace=1.0, guardian=False)
    try:
        yield CommandSession(engine, width=120, locations=(box,))
    finally:
        engine.shutdown()


def test_start_job_at_a_named_location_runs_there_and_completes_with_its_output(
    session: CommandSession,
) -> None:
    started = run(session, "$j = Start-Job -Location box {echo hi from $(whoami)}")
    assert errors(started) == []
    result = run(session, "Wait-Job $j -Timeout 30 | Out-Null; $j.State; $j.Location")
    assert output(result) == ["Completed", "box"]
    assert output(run(session, "Receive-Job $j")) == ["hi from jobtui-ssh-test"]


def test_invoke_command_host_name_of_a_named_location_returns_its_output(
    session: CommandSession,
) -> None:
    assert output(run(session, "Invoke-Command -HostName box {echo one; whoami}")) == [
        "one",
        "jobtui-ssh-test",
    ]
