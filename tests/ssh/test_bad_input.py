"""Bad input over SSH, against the real sshd: each a Failed job with one line of Reason, and
nothing left running, here or on the host.

The hosts are the fixture's aliases (tests/services/sshd.py): a key the server refuses, a host
key that changed, an unknown one under StrictHostKeyChecking=yes, a session whose PATH has no
python3, and one whose state directory is on a full tmpfs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import psutil
import pytest

from jobtui.commands import CommandSession
from jobtui.engine import JobEngine
from tests.services.sshd import (
    BAD_KEY_HOST,
    CHANGED_KEY_HOST,
    FULL_DISK_HOST,
    NO_PYTHON_HOST,
    UNKNOWN_KEY_HOST,
    SshServer,
    Unavailable,
)
from tests.unit.commands.support import errors, output, run


def ssh_processes() -> list[psutil.Process]:
    """This test's own ssh clients (a master left open would be one)."""
    me = psutil.Process()
    return [p for p in me.children(recursive=True) if p.name() == "ssh"]


def master_processes() -> list[psutil.Process]:
    """ssh masters of any jobtui session of this process (they are daemons, not children)."""
    found = []
    for proc in psutil.process_iter(["cmdline", "ppid"]):
        cmdline = proc.info["cmdline"] or []
        if "-M" in cmdline and any("jobtui-ssh-" in word for word in cmdline):
            found.append(proc)
    return found


@pytest.fixture
def session(server: SshServer) -> Iterator[CommandSession]:
    before = {p.pid for p in master_processes()}
    engine = JobEngine(grace=1.0, guardian=False)
    try:
        yield CommandSession(engine, width=200)
    finally:
        engine.shutdown()
    # Nothing of the session is left running here: no ssh client, no shared connection.
    assert ssh_processes() == []
    left = [p for p in master_processes() if p.pid not in before and p.is_running()]
    assert left == [], [p.info["cmdline"] for p in left]


def failed_reason(session: CommandSession, line: str) -> str:
    """Start ``line`` (an Invoke-Command -AsJob), wait for it; its child's Reason."""
    assert errors(run(session, f"$j = {line}")) == []
    run(session, "Wait-Job $j -Timeout 60")
    assert output(run(session, "$j.State; $j.ChildJobs[0].State")) == ["Failed", "Failed"]
    (reason,) = output(run(session, "$j.ChildJobs[0].JobStateInfo.Reason"))
    assert "\n" not in reason
    return reason


def test_a_key_the_server_refuses_fails_the_job_in_sshs_words(
    session: CommandSession, server: SshServer
) -> None:
    reason = failed_reason(session, f"Invoke-Command -HostName {BAD_KEY_HOST} {{true}} -AsJob")
    assert reason == f"{server.user}@127.0.0.1: Permission denied (publickey)."
    assert server.wait_no_user_processes() == []


def test_a_changed_host_key_fails_the_job_and_says_it_changed(
    session: CommandSession, server: SshServer
) -> None:
    reason = failed_reason(session, f"Invoke-Command -HostName {CHANGED_KEY_HOST} {{true}} -AsJob")
    assert re.fullmatch(
        r"Host key verification failed: Host key for \[127\.0\.0\.1\]:\d+ has changed and you "
        r"have requested strict checking\.",
        reason,
    ), reason
    assert server.wait_no_user_processes() == []


def test_an_unknown_host_key_under_strict_checking_fails_the_job(
    session: CommandSession, server: SshServer
) -> None:
    line = (
        f"Invoke-Command -HostName {UNKNOWN_KEY_HOST} {{true}} -AsJob "
        "-Options 'StrictHostKeyChecking=yes'"
    )
    reason = failed_reason(session, line)
    assert re.fullmatch(
        r"Host key verification failed: No \w+ host key is known for \[127\.0\.0\.1\]:\d+ and "
        r"you have requested strict checking\.",
        reason,
    ), reason
    assert server.wait_no_user_processes() == []


def test_a_host_with_no_python3_fails_the_job_and_says_so(
    session: CommandSession, server: SshServer
) -> None:
    reason = failed_reason(session, f"Invoke-Command -HostName {NO_PYTHON_HOST} {{true}} -AsJob")
    assert reason == f"python3 was not found on {NO_PYTHON_HOST}"
    # Without -AsJob: one line of error, named after the host as PowerShell does.
    result = run(session, f"Invoke-Command -HostName {NO_PYTHON_HOST} {{true}}")
    assert errors(result) == [f"[{NO_PYTHON_HOST}]: python3 was not found on {NO_PYTHON_HOST}"]
    assert server.wait_no_user_processes() == []


def test_a_full_remote_disk_fails_the_job_and_says_so(
    session: CommandSession, server: SshServer
) -> None:
    try:
        disk = server.full_disk()
        path = disk.__enter__()
    except Unavailable as why:
        pytest.skip(str(why))
    try:
        reason = failed_reason(
            session, f"Invoke-Command -HostName {FULL_DISK_HOST} {{echo hi}} -AsJob"
        )
    finally:
        disk.__exit__(None, None, None)
    assert reason == (
        f"The remote disk is full: the job's files cannot be made in {path}/jobtui/remote "
        "(No space left on device)."
    )
    assert server.wait_no_user_processes() == []
