"""Clients that misbehave against a real host process: killed in the middle of a request, ten
at once, garbage, an oversized line, another version. The host answers each with one line at
most, keeps serving the others, and keeps nothing of a client that went (no thread, no open
file, no job beyond PowerShell's rules)."""

from __future__ import annotations

import contextlib
import json
import socket
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psutil
import pytest

from jobtui.host.wire import MAX_MESSAGE, PROTOCOL
from tests.host.conftest import RealHost, gone, wait_for

LINES = 1_000_000


def _finished(service: Any, name: str) -> Any:
    wait_for(lambda: _job(service, name).state.is_finished, 60)
    return _job(service, name)


def _job(service: Any, name: str) -> Any:
    return next(job for job in service.changes(-1).changed if job.name == name)


# A client that asks for a large transcript range over and over without reading the answers:
# the host is in the middle of sending when the client is killed.
_GREEDY = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from jobtui.host.wire import Client
    client = Client.connect(Path(sys.argv[1]))
    if sys.argv[3] == "attach":
        client.request("attach", kind="app")
    job = int(sys.argv[2])
    for n in range(300):
        start = n * 3000
        client.send_raw(
            ('{"id": %d, "op": "lines", "args": {"job": %d, "start": %d, "stop": %d}}\\n'
             % (100 + n, job, start, start + 5000)).encode()
        )
        if n == 20:  # the host is sending by now; the rest wait until it reads again
            print("sent", flush=True)
    sys.stdin.read()
    """
)


@pytest.mark.parametrize("how", ["attach", "connect"])
def test_a_client_killed_while_a_large_range_is_sent_leaves_nothing_behind(
    host: RealHost, how: str
) -> None:
    keeper = host.client("app")  # attached: a killed client that was attached only detaches
    keeper.execute("Start-Job -Name big {seq 1000000}")
    big = _finished(keeper, "big")
    child_id = big.child_jobs[0].id
    keeper.execute("Start-Job -Name long {sleep 1000}")
    long_job = _job(keeper, "long")
    baseline = host.settled()

    greedy = host.python(_GREEDY, str(host.paths.socket), str(child_id), how)
    assert greedy.stdout is not None and greedy.stdout.readline() == "sent\n"
    wait_for(lambda: host.threads() > baseline[0])  # its connection's thread, busy sending
    greedy.kill()
    greedy.wait(10)
    greedy.stdin.close()  # type: ignore[union-attr]
    greedy.stdout.close()
    greedy.stderr.close()  # type: ignore[union-attr]

    assert host.settled() == baseline  # no thread and no file of the killed client is left
    status = keeper.status()
    assert status["clients"] == 1 and status["running"] == 1
    assert not _job(keeper, "long").state.is_finished
    assert _job(keeper, "long").id == long_job.id
    source = keeper.transcript(child_id)
    assert source is not None and source.line_count == LINES
    assert [text for _, text in source.lines(LINES - 2, LINES)] == ["999999", "1000000"]


def test_a_client_killed_while_its_line_waits_leaves_no_thread_waiting(host: RealHost) -> None:
    keeper = host.client("app")
    keeper.execute("Start-Job -Name s {sleep 1000}")
    baseline = host.settled()

    waiting = host.python(
        "import sys, subprocess; sys.exit(subprocess.call([sys.executable, '-m', 'jobtui', '-c', "
        "'Wait-Job s']))"
    )
    # The line's thread in the host: one more than the baseline's, past the connection's own.
    wait_for(lambda: host.threads() >= baseline[0] + 2)
    for child in psutil.Process(waiting.pid).children():
        child.kill()  # the jobtui -c process itself: SIGKILL, no goodbye
    waiting.wait(10)
    for stream in (waiting.stdin, waiting.stdout, waiting.stderr):
        assert stream is not None
        stream.close()

    wait_for(lambda: keeper.status()["connections"] == 1)
    assert host.settled() == baseline  # the wait ended with its client
    assert not _job(keeper, "s").state.is_finished  # a -c client never ends the session's jobs
    result = keeper.execute("Wait-Job s -Timeout 0")
    assert result.succeeded


def test_the_last_attached_client_killed_while_its_line_waits_ends_the_session(
    host: RealHost,
) -> None:
    client = host.python(
        textwrap.dedent(
            """
            import sys
            from pathlib import Path
            from jobtui.host.client import HostService
            service = HostService.connect(Path(sys.argv[1]), kind="app")
            service.execute("Start-Job -Name s {sleep 1000}")
            print(service.snapshot(service.changes(-1).changed[0].child_jobs[0].id).pid, flush=True)
            service.execute("Wait-Job s")
            """
        ),
        str(host.paths.socket),
    )
    assert client.stdout is not None
    job_pid = int(client.stdout.readline())
    client.kill()
    client.wait(10)
    for stream in (client.stdin, client.stdout, client.stderr):
        assert stream is not None
        stream.close()
    wait_for(lambda: gone(job_pid))  # PowerShell: the session's jobs end with its last client
    host.process.wait(30)
    assert not host.paths.socket.exists()


def test_ten_clients_at_once_all_get_their_answers(host: RealHost) -> None:
    keeper = host.client("app")
    start = threading.Barrier(10)

    def in_process(n: int) -> list[str]:
        service = host.client()
        start.wait(30)
        started = service.execute(f"Start-Job -Name t{n} {{echo thread {n}}}")
        assert started.succeeded, started.errors
        names = {job.name for job in service.changes(-1).changed}
        assert f"t{n}" in names
        listed = service.execute(f"Get-Job t{n}")
        assert listed.succeeded and any(f"t{n}" in line.text for line in listed.lines)
        received = service.execute(f"Receive-Job t{n} -Wait")
        assert received.succeeded, received.errors
        return [line.text for line in received.lines]

    def as_process(n: int) -> list[str]:
        start.wait(30)
        started = host.run("-c", f"Start-Job -Name p{n} {{echo process {n}}}")
        assert started.returncode == 0, started.stderr
        listed = host.run("-c", f"Get-Job p{n}")
        assert listed.returncode == 0 and f"p{n}" in listed.stdout, listed.stderr
        received = host.run("-c", f"Receive-Job p{n} -Wait")
        assert received.returncode == 0, received.stderr
        return received.stdout.splitlines()

    with ThreadPoolExecutor(10) as pool:
        threads = [pool.submit(in_process, n) for n in range(5)]
        processes = [pool.submit(as_process, n) for n in range(5)]
        for n, future in enumerate(threads):
            assert future.result(timeout=120) == [f"thread {n}"]
        for n, future in enumerate(processes):
            assert future.result(timeout=120) == [f"process {n}"]

    jobs = keeper.changes(-1).changed
    assert sorted(job.name for job in jobs) == sorted(
        [f"t{n}" for n in range(5)] + [f"p{n}" for n in range(5)]
    )
    ids = [job.id for job in jobs] + [c.id for job in jobs for c in job.child_jobs]
    assert len(ids) == len(set(ids))  # no id given twice


def _raw(host: RealHost) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(20)
    sock.connect(str(host.paths.socket))
    return sock


def _hello(sock: socket.socket, protocol: int = PROTOCOL) -> dict[str, Any]:
    body = {"protocol": protocol, "version": "0.1.0", "pid": 1}
    sock.sendall(json.dumps({"hello": body}).encode() + b"\n")
    return _line(sock)


def _line(sock: socket.socket) -> dict[str, Any]:
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {data!r}")
        data += chunk
    assert data.count(b"\n") == 1, data  # one line
    message: dict[str, Any] = json.loads(data)
    return message


def _closed(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


GARBAGE = [
    (b"not json at all\n", "not JSON"),
    (b"[1, 2, 3]\n", "not a JSON object"),
    (b'{"id": "seven", "op": 3}\n', 'integer "id"'),
    (b"\xff\xfe\x00 bad bytes\n", "not JSON"),
    (b'{"a": ' + b"[" * 200_000 + b"\n", "nested"),
    (b'{"id": 1, "op": "lines", "args": {"job": "x"}}\n', "integer job"),
    (b'{"id": 1, "op": "no_such_op", "args": {}}\n', "no such request"),
]


@pytest.mark.parametrize(
    ("garbage", "says"),
    GARBAGE,
    ids=["text", "a list", "bad fields", "bad bytes", "deeply nested", "bad args", "unknown op"],
)
def test_garbage_gets_one_line_of_error_and_the_connection_goes_on(
    host: RealHost, garbage: bytes, says: str
) -> None:
    with _raw(host) as sock:
        assert "hello" in _hello(sock)
        sock.sendall(garbage)
        answer = _line(sock)
        assert says in answer["error"]["message"]
        assert "\n" not in answer["error"]["message"]
        sock.sendall(b'{"id": 2, "op": "ping", "args": {}}\n')
        assert _line(sock) == {"id": 2, "ok": "pong"}
    assert host.run("-c", "Get-Job").returncode == 0


@pytest.mark.parametrize(
    "hello",
    [b"GET / HTTP/1.1\n", b'{"hello": "yes"}\n', b'{"hello": {"protocol": "1"}}\n'],
)
def test_a_bad_hello_gets_one_line_and_is_hung_up_on(host: RealHost, hello: bytes) -> None:
    with _raw(host) as sock:
        sock.sendall(hello)
        answer = _line(sock)
        assert answer["error"]["kind"] == "bad_message"
        assert _closed(sock)
    assert host.run("-c", "Get-Job").returncode == 0


def test_an_oversized_line_is_refused_in_one_line_and_the_host_goes_on(host: RealHost) -> None:
    keeper = host.client("app")
    baseline = host.settled()
    with _raw(host) as sock:
        _hello(sock)
        # The host may hang up as soon as it has read past the cap.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(b'{"id": 1, "op": "ping", "args": {"x": "' + b"a" * (MAX_MESSAGE + 10))
        answer = _line(sock)
        assert answer["error"]["kind"] == "too_large"
        assert f"{MAX_MESSAGE} bytes" in answer["error"]["message"]
        assert _closed(sock)
    wait_for(lambda: keeper.status()["connections"] == 1)
    assert host.settled() == baseline
    assert host.run("-c", "Get-Job").returncode == 0


def test_a_client_of_another_protocol_is_told_what_to_do(host: RealHost) -> None:
    with _raw(host) as sock:
        answer = _hello(sock, protocol=PROTOCOL + 1)
        assert answer["error"]["kind"] == "version"
        assert "restart the host when its jobs finish" in answer["error"]["message"]
        assert _closed(sock)
    assert host.run("-c", "Get-Job").returncode == 0


def test_a_client_that_stops_reading_does_not_hold_up_the_others(host: RealHost) -> None:
    """A client that asks and never reads its answers (stopped with Ctrl-Z, say) fills its
    socket: the host's notices to everyone else must not wait behind it."""
    keeper = host.client("app")
    keeper.execute("Start-Job -Name big {seq 1000000}")
    child_id = _finished(keeper, "big").child_jobs[0].id
    with _raw(host) as sock:
        _hello(sock)
        sock.settimeout(None)

        def ask() -> None:
            with contextlib.suppress(OSError):  # closed at the end, in the middle of a send
                for n in range(300):  # far more than a socket's buffer holds; none read
                    start = n * 3000
                    request = {"id": n, "op": "lines", "args": {"job": child_id,
                               "start": start, "stop": start + 5000}}  # fmt: skip
                    sock.sendall(json.dumps(request).encode() + b"\n")

        threading.Thread(target=ask, daemon=True).start()
        time.sleep(1.0)  # the host is blocked sending to it by now
        other = host.client("app")
        seen = other.change_count
        started = host.run("-c", "Start-Job -Name after {echo after}")
        assert started.returncode == 0, started.stderr
        wait_for(lambda: other.change_count > seen, 10)  # the change was pushed to the others
        assert "after" in {job.name for job in other.changes(-1).changed}


def test_a_client_that_stops_reading_its_streamed_output_holds_up_no_other_line(
    host: RealHost,
) -> None:
    """A line whose output streams to a client that reads none of it (its socket fills and
    its thread waits) leaves every other client's lines to run."""
    keeper = host.client("app")
    keeper.execute("Start-Job -Name big {seq 1000000}")
    _finished(keeper, "big")
    keeper.execute("Start-Job -Name other {echo other}")
    _finished(keeper, "other")
    baseline = host.settled()
    with _raw(host) as sock:
        _hello(sock)
        request = {"id": 1, "op": "execute", "args": {"line": "Receive-Job big -Keep"}}
        sock.sendall(json.dumps(request).encode() + b"\n")
        time.sleep(1.0)  # its output fills the socket by now; nothing of it is read
        listed = host.run("-c", "Get-Job big", timeout=30)
        assert listed.returncode == 0 and "big" in listed.stdout, listed.stderr
        received = keeper.execute("Receive-Job other -Keep")
        assert [line.text for line in received.lines] == ["other"]
    wait_for(lambda: host.threads() == baseline[0])  # its line ended once it hung up
    assert host.settled() == baseline
