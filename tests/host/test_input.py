"""Input to a job running in the host: Send-JobInput from any client reaches it while it runs,
and -Close gives it the end of file (the app's input dialog sends the same lines)."""

from __future__ import annotations

from jobtui.ui.actions import close_input_line, send_input_line
from tests.host.conftest import RealHost, wait_for


def test_input_sent_from_two_clients_reaches_a_running_job(host: RealHost) -> None:
    assert host.run("-c", "Start-Job -Name reader {cat; echo end}").returncode == 0
    client = host.client()
    (job,) = client.changes(-1).changed
    wait_for(lambda: (client.snapshot(job.id) or job).state.name == "Running")
    assert (client.snapshot(job.id) or job).accepts_input

    first = host.run("-c", send_input_line(job.id, "from a -c line"))
    assert first.returncode == 0, first.stderr
    second = client.execute(send_input_line(job.id, "from a client"))
    assert second.succeeded, second.errors
    closed = host.run("-c", close_input_line(job.id))
    assert closed.returncode == 0, closed.stderr

    received = host.run("-c", "Receive-Job reader -Wait")
    assert received.stdout.splitlines() == ["from a -c line", "from a client", "end"]
    late = host.run("-c", send_input_line(job.id, "too late"))
    assert late.returncode == 1 and "input" in late.stderr
