"""The remote agent through the real ssh client: start, poll by byte offset, stop, remove."""

from __future__ import annotations

import time

import pytest

from jobtui.engine.ssh.agent import Agent, AgentError, JobStatus
from jobtui.engine.ssh.target import parse_host
from jobtui.engine.ssh.transport import Transport, TransportError
from tests.services.sshd import REFUSED_HOST, UNKNOWN_KEY_HOST, SshServer


def _agent(host: str = "sshtest1") -> Agent:
    return Agent(Transport(parse_host(host)))


def _poll_until_done(agent: Agent, name: str) -> tuple[str, bytes, bytes]:
    out, err = b"", b""
    for _ in range(200):
        (status,) = agent.poll([(name, len(out), len(err))], 1 << 20)
        out += status.out
        err += status.err
        if status.status is not None and not status.more:
            return status.status, out, err
        time.sleep(0.05)
    raise AssertionError("the job did not end")


def test_a_job_runs_detached_and_its_output_reads_by_offset(server: SshServer) -> None:
    agent = _agent()
    try:
        (started,) = agent.start(
            [{"name": "t1", "command": "echo one; echo two >&2; exit 3", "cwd": ""}], 0
        )
        assert started.get("pid"), started
        status, out, err = _poll_until_done(agent, "t1")
        assert (status, out, err) == ("exit 3", b"one\n", b"two\n")
        # From an offset: only what follows it.
        (again,) = agent.poll([("t1", 2, 0)], 1 << 20)
        assert again.out == b"e\n"
        agent.remove(["t1"])
        (gone,) = agent.poll([("t1", 0, 0)], 1 << 20)
        assert gone.missing
    finally:
        agent.transport.close()


def test_stop_ends_the_tree_and_a_setsid_escapee(server: SshServer) -> None:
    agent = _agent()
    try:
        agent.start(
            [{"name": "t2", "command": "setsid sleep 300 & sleep 300 & wait", "cwd": ""}], 0
        )
        deadline = time.monotonic() + 10
        while server.user_process_names().count("sleep") < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.user_process_names().count("sleep") == 2
        agent.stop(["t2"], 1.0)
        status, _, _ = _poll_until_done(agent, "t2")
        assert status == "signal 15"
        agent.remove(["t2"])
        assert server.wait_no_user_processes() == []
    finally:
        agent.transport.close()


def test_an_unknown_host_key_fails_in_one_line(server: SshServer) -> None:
    transport = Transport(parse_host(UNKNOWN_KEY_HOST))
    with pytest.raises(TransportError) as caught:
        transport.run(["true"])
    assert str(caught.value) == "Host key verification failed."
    transport.close()


def test_a_refused_connection_fails_in_ssh_words(server: SshServer) -> None:
    transport = Transport(parse_host(REFUSED_HOST))
    with pytest.raises(TransportError) as caught:
        transport.run(["true"])
    message = str(caught.value)
    assert message.startswith("ssh: connect to host 127.0.0.1 port ")
    assert message.endswith(": Connection refused")
    assert "\n" not in message
    transport.close()


def test_no_python3_is_said(server: SshServer, monkeypatch: pytest.MonkeyPatch) -> None:
    agent = _agent()
    monkeypatch.setattr("jobtui.engine.ssh.agent._loader", lambda: "x")
    real_run = agent.transport.run
    monkeypatch.setattr(
        agent.transport,
        "run",
        lambda words, **kw: real_run(["no-such-python3", *words[1:]], **kw),
    )
    with pytest.raises(AgentError, match="python3 was not found on sshtest1"):
        agent.poll([], 1)
    agent.transport.close()


def test_a_polls_output_comes_in_pieces_byte_exact(
    server: SshServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A poll hands its output on as it reads it, never more than PIECE bytes at a time."""
    monkeypatch.setattr("jobtui.engine.ssh.agent.PIECE", 1000)
    agent = _agent()
    try:
        agent.start([{"name": "t4", "command": "seq 3000; seq 500 >&2", "cwd": ""}], 0)
        _poll_until_done(agent, "t4")
        pieces: list[tuple[int, JobStatus]] = []
        statuses = agent.poll([("t4", 0, 0)], 10_000, take=lambda i, s: pieces.append((i, s)))
        expected = "".join(f"{i}\n" for i in range(1, 3001)).encode()
        assert b"".join(s.out for _, s in pieces) == expected[:10_000]
        assert (
            b"".join(s.err for _, s in pieces) == "".join(f"{i}\n" for i in range(1, 501)).encode()
        )
        assert all(len(s.out) + len(s.err) <= 1000 for _, s in pieces)
        assert all(s.more and s.status is None for _, s in pieces[:-1])
        assert pieces[-1][1] == statuses[0] and statuses[0].status == "exit 0"
        assert statuses[0].more  # 3000 lines are more than the limit
    finally:
        agent.remove(["t4"])
        agent.transport.close()
