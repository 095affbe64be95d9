"""The socket wire over real Unix sockets and real processes."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from jobtui.host.listener import HostRunningError, Listener, Request
from jobtui.host.wire import (
    PROTOCOL,
    Client,
    ConnectionClosed,
    Hello,
    RefusedError,
    RequestError,
    VersionMismatchError,
    WireError,
)

from .conftest import ServeFactory

ROOT = Path(__file__).resolve().parents[3]


def wait_for(condition: Callable[[], object], timeout: float = 20.0) -> None:
    """Wait until ``condition()`` holds; fail (not hang) when it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {condition}")
        time.sleep(0.01)


def echo(request: Request) -> object:
    return {"args": request.args, "peer_version": request.peer.hello.version}


def test_a_round_trip_with_hello_and_ids(serve: ServeFactory) -> None:
    listener = serve({"echo": echo})
    with Client.connect(listener.socket_path) as client:
        assert client.host.protocol == PROTOCOL and client.host.pid == os.getpid()
        assert client.notice is None
        assert client.request("ping") == "pong"
        answer = client.request("echo", name="build", ids=[1, 2], text="ünï\n")
        assert answer == {
            "args": {"name": "build", "ids": [1, 2], "text": "ünï\n"},
            "peer_version": client.host.version,
        }


def test_the_socket_and_its_directory_are_private(serve: ServeFactory) -> None:
    listener = serve()
    assert stat.S_IMODE(listener.runtime.stat().st_mode) == 0o700
    assert stat.S_ISSOCK(listener.socket_path.stat().st_mode)
    assert stat.S_IMODE(listener.socket_path.stat().st_mode) == 0o600


def test_handler_errors_are_answers_and_the_connection_goes_on(serve: ServeFactory) -> None:
    def refuse(request: Request) -> object:
        raise RequestError("job_not_found", "Cannot find the job with the job id 9.")

    def crash(request: Request) -> object:
        return 1 // 0

    listener = serve({"refuse": refuse, "crash": crash})
    with Client.connect(listener.socket_path) as client:
        with pytest.raises(RequestError) as caught:
            client.request("refuse")
        assert caught.value.kind == "job_not_found"
        with pytest.raises(RequestError, match="ZeroDivisionError") as crashed:
            client.request("crash")
        assert crashed.value.kind == "internal"
        with pytest.raises(RequestError, match="no such request: nope"):
            client.request("nope")
        client.send_raw(b"this is not json\n")
        assert client.receive()["error"]["kind"] == "bad_message"
        client.send_raw(b'{"id": "x"}\n')
        assert client.receive()["error"]["kind"] == "bad_message"
        assert client.request("ping") == "pong"


def test_events_pushed_between_answers_are_kept_for_the_client(serve: ServeFactory) -> None:
    listener: Listener

    def change(request: Request) -> object:
        assert listener.broadcast("state", job=1, state="Completed") == 2
        return "changed"

    listener = serve({"change": change})
    with (
        Client.connect(listener.socket_path) as watcher,
        Client.connect(listener.socket_path) as client,
    ):
        assert watcher.request("ping") == "pong"  # both are past their hello
        assert client.request("change") == "changed"
        assert list(client.events) == [{"event": "state", "job": 1, "state": "Completed"}]
        assert watcher.receive() == {"event": "state", "job": 1, "state": "Completed"}


def test_a_client_that_never_says_hello_is_hung_up_on(serve: ServeFactory) -> None:
    listener = serve(hello_timeout=0.2)
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.settimeout(20)
    try:
        silent.connect(str(listener.socket_path))
        assert silent.recv(100) == b""  # closed by the host, not by our timeout
    finally:
        silent.close()
    with Client.connect(listener.socket_path) as client:
        assert client.request("ping") == "pong"


def test_another_protocol_is_refused_with_what_to_do(serve: ServeFactory) -> None:
    listener = serve()
    old = Hello(PROTOCOL + 1, "9.9.9", os.getpid())
    with pytest.raises(VersionMismatchError) as caught:
        Client.connect(listener.socket_path, hello=old)
    text = str(caught.value)
    assert "9.9.9" in text and "restart the host when its jobs finish" in text
    assert "\n" not in text
    with Client.connect(listener.socket_path) as client:  # the host goes on
        assert client.request("ping") == "pong"


def test_another_version_of_the_same_protocol_gets_a_notice(serve: ServeFactory) -> None:
    listener = serve(hello=Hello(PROTOCOL, "0.0.1", os.getpid()))
    with Client.connect(listener.socket_path) as client:
        assert client.notice is not None
        assert "0.0.1" in client.notice and "restart the host when its jobs finish" in client.notice
        assert client.request("ping") == "pong"


def test_an_oversize_message_is_refused_and_the_host_goes_on(serve: ServeFactory) -> None:
    listener = serve({"echo": echo}, max_message=64 * 1024)
    with Client.connect(listener.socket_path) as client:
        client.send_raw(b'{"id": 1, "op": "echo", "args": {"x": "' + b"a" * 100_000 + b'"}}\n')
        answer = client.receive()
        assert answer["error"]["kind"] == "too_large"
        assert "65536 bytes" in answer["error"]["message"]
        with pytest.raises(ConnectionClosed):
            client.receive()
    with Client.connect(listener.socket_path, max_message=64 * 1024) as client:
        assert client.request("echo", x="a" * 1000)["args"] == {"x": "a" * 1000}
        with pytest.raises(WireError, match="not sent"):
            client.request("echo", x="a" * 100_000)  # the client keeps to the cap as well


def test_ten_clients_at_once(serve: ServeFactory) -> None:
    listener = serve({"echo": echo})
    entered = threading.Barrier(10)
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with Client.connect(listener.socket_path) as client:
                entered.wait(10)  # all ten connected at the same time
                for i in range(100):
                    assert client.request("echo", n=n, i=i)["args"] == {"n": n, "i": i}
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures
    wait_for(lambda: listener.client_count == 0)


_CLIENT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from jobtui.host.wire import Client
    client = Client.connect(Path(sys.argv[1]))
    if sys.argv[2] == "partial":
        client.send_raw(b'{"id": 1, "op": "pi')
    else:
        client.send_raw(b'{"id": 1, "op": "block", "args": {}}\\n')
    print("sent", flush=True)
    sys.stdin.read()
    """
)


@pytest.mark.parametrize("how", ["waiting for its answer", "partial"])
def test_a_client_killed_mid_request_leaves_the_host_serving(serve: ServeFactory, how: str) -> None:
    entered, release = threading.Event(), threading.Event()

    def block(request: Request) -> object:
        entered.set()
        release.wait(30)
        return "late"

    listener = serve({"block": block})
    child = subprocess.Popen(
        [sys.executable, "-c", _CLIENT, str(listener.socket_path), how],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == b"sent\n"
        if how != "partial":
            assert entered.wait(20)
        child.kill()
        child.wait()
        release.set()  # the answer goes to a dead peer
        wait_for(lambda: listener.client_count == 0)
        with Client.connect(listener.socket_path) as client:
            assert client.request("ping") == "pong"
    finally:
        release.set()
        if child.poll() is None:
            child.kill()
            child.wait()


_HOST = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from jobtui.host.listener import HostRunningError, Listener
    listener = Listener(Path(sys.argv[1]), {})
    print("ready", flush=True)
    go = Path(sys.argv[2])
    while not go.exists():
        time.sleep(0.001)
    try:
        listener.start()
    except HostRunningError as exc:
        print(f"lost {exc.pid} {exc}", flush=True)
        sys.exit(3)
    print(f"won {os.getpid()}", flush=True)
    listener.serve_forever()
    """
)


def start_host(runtime: Path, go: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _HOST, str(runtime), str(go)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_two_hosts_started_at_once_one_wins_the_other_names_it(
    runtime: Path, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    hosts = [start_host(runtime, go) for _ in range(2)]
    try:
        for host in hosts:
            assert host.stdout is not None and host.stdout.readline() == "ready\n"
        go.touch()  # both race for the lock from here
        said = [host.stdout.readline().split() for host in hosts if host.stdout is not None]
        assert sorted(words[0] for words in said) == ["lost", "won"]
        winner = next(int(w[1]) for w in said if w[0] == "won")
        loser = next(w for w in said if w[0] == "lost")
        assert int(loser[1]) == winner
        assert f"(pid {winner})" in " ".join(loser)
        assert next(h for h in hosts if h.pid != winner).wait(20) == 3
        with Client.connect(runtime / "host.sock") as client:
            assert client.host.pid == winner
            assert client.request("ping") == "pong"
    finally:
        for host in hosts:
            if host.poll() is None:
                host.kill()
            host.wait()


def test_a_stale_socket_of_a_killed_host_is_replaced(runtime: Path, tmp_path: Path) -> None:
    go = tmp_path / "go"
    go.touch()
    dead = start_host(runtime, go)
    assert dead.stdout is not None
    dead.stdout.readline()
    assert dead.stdout.readline().startswith("won")
    dead.send_signal(signal.SIGKILL)
    dead.wait()
    sock = runtime / "host.sock"
    assert stat.S_ISSOCK(sock.stat().st_mode)  # left behind
    with pytest.raises(ConnectionRefusedError):
        Client.connect(sock)
    listener = Listener(runtime, {})
    listener.start()
    thread = threading.Thread(target=listener.serve_forever, daemon=True)
    thread.start()
    try:
        assert listener.replaced_stale
        with Client.connect(sock) as client:
            assert client.host.pid == os.getpid()
    finally:
        listener.close()
        thread.join(10)
    assert not sock.exists()  # a clean close leaves nothing


def test_a_live_host_without_the_lock_is_not_replaced(runtime: Path) -> None:
    runtime.mkdir(mode=0o700)
    squatter = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    squatter.bind(str(runtime / "host.sock"))
    squatter.listen(1)
    try:
        with pytest.raises(HostRunningError, match="already listening"):
            Listener(runtime, {}).start()
        assert (runtime / "host.sock").exists()
        Listener(runtime, {}).close()  # the failed start released its lock
        second = Listener(runtime, {})
        with pytest.raises(HostRunningError):
            second.start()
    finally:
        squatter.close()


def test_a_runtime_directory_of_another_user_is_refused(runtime: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("making a directory of another user needs root")
    runtime.mkdir(mode=0o700)
    os.chown(runtime, 65534, 65534)
    with pytest.raises(OSError, match="belongs to uid 65534"):
        Listener(runtime, {}).start()


def as_another_uid(listener: Listener, keep_file_access: bool) -> dict[str, object]:
    """Fork a child that becomes uid 65534 and says hello; what happened, as a dict.

    With ``keep_file_access`` it keeps root's file access (its fsuid stays 0, through the saved
    uid) but connects as uid 65534 (its euid, which SO_PEERCRED reports): then the host's check
    is what refuses it. Without, plain ``os.setuid``: the 0700 directory stops it first.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what happened as one JSON line, then leave at once
        result: dict[str, object]
        try:
            os.close(read_end)
            if keep_file_access:
                libc = ctypes.CDLL(None, use_errno=True)
                os.setresgid(65534, 65534, 0)
                os.setresuid(65534, 65534, 0)
                libc.setfsuid(0)
                libc.setfsgid(0)
            else:
                os.setgid(65534)
                os.setuid(65534)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(10)
            sock.connect(str(listener.socket_path))
            with contextlib.suppress(BrokenPipeError):  # the refusal may come first
                sock.sendall(b'{"hello": {"protocol": 1, "version": "x", "pid": 1}}\n')
            result = {"euid": os.geteuid(), "answer": sock.makefile("rb").readline().decode()}
        except BaseException as exc:
            result = {"euid": os.geteuid(), "error": type(exc).__name__}
        os.write(write_end, json.dumps(result).encode() + b"\n")
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        result = json.loads(reader.readline())
    os.waitpid(pid, 0)
    assert isinstance(result, dict)
    return result


@pytest.mark.skipif(
    os.geteuid() != 0 or not sys.platform.startswith("linux"),
    reason="connecting as another uid needs root on Linux",
)
def test_a_client_of_another_uid_is_refused(serve: ServeFactory) -> None:
    listener = serve()
    result = as_another_uid(listener, keep_file_access=True)
    assert result.get("euid") == 65534, result
    answer = json.loads(str(result["answer"]))
    assert answer["error"]["kind"] == "refused"
    assert "uid 65534 may not use it" in answer["error"]["message"]
    plain = as_another_uid(listener, keep_file_access=False)
    assert plain == {"euid": 65534, "error": "PermissionError"}  # the directory's 0700
    with Client.connect(listener.socket_path) as client:  # and the host goes on
        assert client.request("ping") == "pong"


def test_a_socket_owned_by_another_user_is_not_trusted(serve: ServeFactory) -> None:
    if os.geteuid() != 0:
        pytest.skip("changing a socket's owner needs root")
    listener = serve()
    os.chown(listener.socket_path, 65534, 65534)
    with pytest.raises(RefusedError, match="belongs to uid 65534"):
        Client.connect(listener.socket_path)
