"""The app as a client of a session host: the table, the bar and Disconnect-PSSession through
the socket (a host served on a thread, with its own directories)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobtui.engine import JobState
from jobtui.ui.app import JobApp
from tests.hosting import Host

from .conftest import SIZE, submit, until


@pytest.fixture
def host() -> Iterator[Host]:
    with tempfile.TemporaryDirectory(prefix="jh-") as root:  # a socket path must be short
        served = Host(Path(root))
        try:
            yield served
        finally:
            served.stop()


async def test_the_table_and_the_bar_work_through_the_host(host: Host, tmp_path: Path) -> None:
    other = host.connect(kind="")  # connected, not attached: it cannot keep the session
    other.execute("Start-Job -Name before {echo hi}")
    service = host.connect(kind="app")
    app = JobApp(service=service, history_path=tmp_path / "history")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await until(pilot, lambda: {j.name for j in screen.pull.jobs.values()} == {"before"})  # type: ignore[attr-defined]
        await submit(pilot, "Start-Job -Name typed {sleep 1000}")
        await until(pilot, lambda: len(screen.pull.jobs) == 2)  # type: ignore[attr-defined]
        (typed,) = [j for j in other.changes(-1).changed if j.name == "typed"]
        assert typed.state is JobState.Running  # it runs in the host, seen by the other client

        await submit(pilot, "Disconnect-PSSession")
        await until(pilot, lambda: app.return_code == 0)
    service.shutdown()  # after a disconnect: no leave, the session stays
    assert host.server.attached_count() == 0
    assert not host.thread.join(0.5) and host.thread.is_alive()  # the host goes on
    assert [j.state for j in other.changes(-1).changed if j.name == "typed"] == [JobState.Running]
