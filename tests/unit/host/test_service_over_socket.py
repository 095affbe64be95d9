"""The host's handlers, through HostService: every JobService method over a real socket, to a
host served on a thread of this process (its own runtime and state directories)."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobtui.commands import LineKind, OutputLine, WaitEnd, WaitStarted
from jobtui.engine import JobState
from jobtui.host.client import HostLost, HostService
from jobtui.service import JobService
from tests.hosting import Host


@pytest.fixture
def host() -> Iterator[Host]:
    # A short directory: a Unix socket's path has room for about 100 bytes.
    with tempfile.TemporaryDirectory(prefix="jh-") as root:
        served = Host(Path(root))
        try:
            yield served
        finally:
            served.stop()


def _until(predicate: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_host_service_is_a_job_service(host: Host) -> None:
    service: JobService = host.connect()  # mypy holds HostService to the protocol here
    assert service.grace == 0.5


def test_changes_snapshots_and_a_transcript_read_by_ranges(host: Host) -> None:
    client = host.connect()
    result = client.execute("Start-Job -Name count {seq 1 1000} | Wait-Job")
    assert result.succeeded and len(result.job_ids) == 1
    job_id = result.job_ids[0]

    changes = client.changes(-1)
    assert [job.name for job in changes.changed] == ["count"]
    assert changes.changed[0].state is JobState.Completed
    assert client.changes(changes.version).changed == ()  # nothing moved: no snapshot
    snapshot = client.snapshot(job_id)
    assert snapshot is not None and snapshot.executing_job.output is not None
    assert client.snapshot(999) is None

    source = client.transcript(job_id)
    assert source is not None and source.line_count == 1000 and source.unread_from() == 0
    assert source.lines(0, 3) == [("output", "1"), ("output", "2"), ("output", "3")]
    assert source.lines(254, 258) == [("output", str(n)) for n in range(255, 259)]
    assert source.lines(998, 2000) == [("output", "999"), ("output", "1000")]
    assert client.transcript(999) is None

    client.receive_through(job_id, 999)
    _until(lambda: source.unread_from() == 1000)
    after = client.changes(changes.version)
    assert [job.id for job in after.changed] == [job_id]  # the receive moved the job


def test_execute_streams_its_output_and_its_wait_and_cancel_ends_the_wait(host: Host) -> None:
    client = host.connect()
    client.execute("Start-Job -Name slow {sleep 1000}")
    printed: list[OutputLine] = []
    waits: list[WaitStarted] = []
    cancel = threading.Event()
    results = []
    worker = threading.Thread(
        target=lambda: results.append(
            client.execute(
                "Write-Output before; Wait-Job slow",
                on_output=printed.extend,
                on_wait=waits.append,
                cancel=cancel,
            )
        )
    )
    worker.start()
    _until(lambda: bool(waits))
    assert OutputLine("before", LineKind.OUTPUT) in printed
    # The same client's other requests are answered while its line waits.
    assert client.is_complete("Get-Job {") is False
    assert "Get-Job" in client.complete("Get-J")
    cancel.set()
    client.wake_waiters()
    worker.join(10)
    assert not worker.is_alive()
    (result,) = results
    assert result.wait is not None and result.wait.end is WaitEnd.CANCELLED


def test_the_width_goes_with_each_line(host: Host) -> None:
    client = host.connect()
    client.execute("Start-Job -Name w {echo x}")
    client.width = 60
    narrow = client.execute("Get-Job")
    client.width = 200
    wide = client.execute("Get-Job")
    assert max(len(line.text) for line in narrow.lines) <= 60
    assert max(len(line.text) for line in wide.lines) > 60


def test_a_pushed_change_wakes_subscribers(host: Host) -> None:
    client = host.connect()
    woken = threading.Event()
    client.subscribe(woken.set)
    client.execute("Start-Job {echo hi}")
    assert woken.wait(10)


def test_leaving_with_others_attached_detaches_and_the_last_ends_the_session(
    host: Host,
) -> None:
    first, second = host.connect(), host.connect()
    first.execute("Start-Job -Name long {sleep 1000}")
    assert first.leave() == []  # the other client is still attached
    assert host.server.attached_count() == 1
    assert second.changes(-1).changed[0].state is JobState.Running
    assert second.leave() == ["long"]  # the last one: the session ended, its job stopped
    host.thread.join(10)
    assert host.reason == ["its last client left"]


def test_a_disconnected_client_leaves_the_session_running(host: Host) -> None:
    client = host.connect()
    client.execute("Start-Job -Name long {sleep 1000}")
    result = client.execute("Disconnect-PSSession")
    assert result.disconnected and result.succeeded
    client.close()
    _until(lambda: host.server.connection_count() == 0)
    again = host.connect()
    (info,) = again.execute("Get-PSSession").lines[:1] or [None]
    assert info is not None
    jobs = again.changes(-1).changed
    assert [(job.name, job.state) for job in jobs] == [("long", JobState.Running)]


def test_a_host_that_ends_gives_one_line_not_a_hang(host: Host) -> None:
    client = host.connect(kind="")
    lost: list[str] = []
    client.on_lost = lost.append
    host.server.end_session("stopped by the test")
    _until(lambda: bool(lost))
    with pytest.raises(HostLost, match="host"):
        client.execute("Get-Job")
    assert client.changes(5).changed == ()  # a pull after the loss finds nothing, quietly


def test_an_idle_host_with_no_client_exits_after_its_timeout() -> None:
    with tempfile.TemporaryDirectory(prefix="jh-") as root:
        host = Host(Path(root), idle_timeout=0.3)
        try:
            host.thread.join(10)
            assert not host.thread.is_alive()
            assert host.reason and host.reason[0].startswith("idle for 0.3 s")
        finally:
            host.stop()


def test_a_host_whose_values_differ_is_refused_with_what_to_do(tmp_path: Path) -> None:
    from jobtui.host.listener import Listener
    from jobtui.host.wire import PROTOCOL, Hello

    with tempfile.TemporaryDirectory(prefix="jh-") as root:
        runtime = Path(root) / "jobtui"
        listener = Listener(
            runtime,
            {"snapshot": lambda request: [1, "a snapshot of other fields"]},
            hello=Hello(PROTOCOL, "0.0.1", 1, "not-our-fields"),
        )
        listener.start()
        thread = threading.Thread(target=listener.serve_forever, daemon=True)
        thread.start()
        try:
            client = HostService.connect(runtime / "host.sock")
            assert client.snapshot(1) is None  # the first value to decode finds out
            assert "restart the host" in (client.lost or "")
            with pytest.raises(HostLost, match="restart the host"):
                client.execute("Get-Job")
        finally:
            listener.close()
            thread.join(10)
