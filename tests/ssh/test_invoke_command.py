"""Invoke-Command -HostName, typed as a user types it, against the real sshd on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jobtui.commands import CommandSession
from jobtui.engine import JobEngine
from tests.services.sshd import HOSTS, REFUSED_HOST, SshServer
from tests.unit.commands.support import errors, output, run, wait_until


@pytest.fixture
def session(server: SshServer) -> Iterator[CommandSession]:
    engine = JobEngine(grace=1.0, guardian=False)
    try:
        yield CommandSession(engine, width=120)
    finally:
        engine.shutdown()


def test_as_job_makes_a_remote_job_with_a_child_per_host(session: CommandSession) -> None:
    hosts = ",".join(HOSTS)
    started = run(session, f"$j = Invoke-Command -HostName {hosts} -ScriptBlock {{echo hi}} -AsJob")
    assert errors(started) == []
    run(session, "Wait-Job $j")
    assert output(run(session, "$j.PSJobTypeName; $j.Location; $j.State")) == [
        "RemoteJob",
        hosts,
        "Completed",
    ]
    assert output(run(session, "$j.ChildJobs | ForEach-Object { $_.Location }")) == list(HOSTS)
    assert output(run(session, f"Receive-Job $j -Location {HOSTS[1]} -Keep")) == ["hi"]
    assert output(run(session, "Receive-Job $j")) == ["hi", "hi"]
    assert output(run(session, "Receive-Job $j")) == []
    run(session, "Remove-Job $j")
    assert output(run(session, "Get-Job")) == []


def test_without_as_job_it_returns_the_output(session: CommandSession) -> None:
    result = run(session, f"Invoke-Command -HostName {HOSTS[0]} {{echo one; echo two}}")
    assert output(result) == ["one", "two"]
    assert output(run(session, "Get-Job")) == []


def test_stop_job_stops_it_on_the_host(session: CommandSession, server: SshServer) -> None:
    run(session, f"$j = Invoke-Command -HostName {HOSTS[0]} {{sleep 300}} -AsJob")
    wait_until(lambda: "sleep" in server.user_process_names())
    run(session, "Stop-Job $j")
    assert output(run(session, "$j.State")) == ["Stopped"]
    assert server.wait_no_user_processes() == []


def test_an_unreachable_host_is_a_failed_job_with_reason(session: CommandSession) -> None:
    run(session, f"$j = Invoke-Command -HostName {REFUSED_HOST} {{true}} -AsJob")
    run(session, "Wait-Job $j")
    (reason,) = output(run(session, "$j.ChildJobs[0].JobStateInfo.Reason"))
    assert reason.startswith("ssh: connect to host 127.0.0.1 port ")
    assert reason.endswith(": Connection refused")


def test_a_bad_host_name_is_one_line_of_error(session: CommandSession) -> None:
    result = run(session, "Invoke-Command -HostName 'ssh://h:99999' {true} -AsJob")
    assert errors(result) == [
        "Invoke-Command: The port '99999' in 'ssh://h:99999' is not a port number."
    ]


def test_piped_objects_are_the_remote_jobs_input(session: CommandSession) -> None:
    run(session, f"$j = 'a', 'b' | Invoke-Command -HostName {HOSTS[0]} {{cat}} -AsJob")
    run(session, "Wait-Job $j")
    assert output(run(session, "Receive-Job $j")) == ["a", "b"]


def test_a_remote_job_killed_by_a_signal_says_which(session: CommandSession) -> None:
    run(session, f"$j = Invoke-Command -HostName {HOSTS[0]} {{echo bye >&2; kill -KILL $$}} -AsJob")
    run(session, "Wait-Job $j")
    assert output(run(session, "$j.State; $j.ChildJobs[0].JobStateInfo.Reason")) == [
        "Failed",
        "Terminated by SIGKILL: bye",
    ]
    assert output(run(session, "$j.ChildJobs[0].Signal")) == ["SIGKILL"]


def test_the_children_say_where_they_ran(session: CommandSession, server: SshServer) -> None:
    run(session, f"$j = Invoke-Command -HostName {','.join(HOSTS)} {{true}} -AsJob")
    run(session, "Wait-Job $j")
    home = f"/home/{server.user}"
    assert output(run(session, "$j.ChildJobs | ForEach-Object { $_.WorkingDirectory }")) == [
        home,
        home,
    ]
    assert output(run(session, "$j.ChildJobs[0].Shell")) == ["/bin/sh"]
    # Side by side, not attempts: no "Completed on attempt 2."
    assert output(run(session, "$j.StatusMessage")) == [""]


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("-HostName '' {true}", "'' is not a host name."),
        ("-HostName '-oProxyCommand=x' {true}", "'-oProxyCommand=x' is not a host name."),
        ("-HostName h -UserName '-x' {true}", "'-x' is not a user name."),
        (
            "-HostName h -Options 'BatchMode' {true}",
            "Cannot bind parameter 'Options': 'BatchMode' is not Name=Value, such as "
            "'StrictHostKeyChecking=accept-new'.",
        ),
        ("-HostName h -Options 'a b=c' {true}", "'a b' is not an ssh option name."),
    ],
)
def test_bad_input_is_one_line_and_starts_nothing(
    session: CommandSession, line: str, error: str
) -> None:
    result = run(session, f"Invoke-Command {line} -AsJob")
    assert errors(result) == [f"Invoke-Command: {error}"]
    assert output(run(session, "Get-Job")) == []


def test_options_reach_ssh(session: CommandSession, server: SshServer) -> None:
    """-Options are ssh's own -o: here a port that the host's config does not say."""
    run(
        session,
        f"$j = Invoke-Command -HostName {HOSTS[0]} -Options 'Port=1','ConnectTimeout=5' "
        "{true} -AsJob",
    )
    run(session, "Wait-Job $j")
    (reason,) = output(run(session, "$j.ChildJobs[0].JobStateInfo.Reason"))
    assert reason == "ssh: connect to host 127.0.0.1 port 1: Connection refused"


def test_send_job_input_reaches_a_remote_job(session: CommandSession) -> None:
    run(session, f"$j = Invoke-Command -HostName {HOSTS[0]} {{cat; echo end}} -AsJob")
    sent = run(session, "Send-JobInput $j 'one','two'")
    assert errors(sent) == []
    wait_until(lambda: output(run(session, "Receive-Job $j -Keep")) == ["one", "two"])
    assert output(run(session, "$j.State")) == ["Running"]
    assert errors(run(session, "Send-JobInput $j -Close")) == []
    run(session, "Wait-Job $j -Timeout 20")
    assert output(run(session, "$j.State")) == ["Completed"]
    assert output(run(session, "Receive-Job $j")) == ["one", "two", "end"]
    refused = run(session, "Send-JobInput $j 'late'")
    assert len(errors(refused)) == 1


def test_a_command_waited_for_reads_no_input(session: CommandSession) -> None:
    assert output(run(session, f"Invoke-Command -HostName {HOSTS[0]} {{cat; echo done}}")) == [
        "done"
    ]


def test_start_job_location_ssh_runs_on_the_host(session: CommandSession) -> None:
    started = run(
        session,
        f"$j = Start-Job -Location ssh://{HOSTS[0]} -InitializationScript {{X=hi}} "
        "{echo $X from $(whoami)}",
    )
    assert errors(started) == []
    run(session, "Wait-Job $j -Timeout 20")
    assert output(run(session, "$j.State; $j.Location; $j.ChildJobs[0].Location")) == [
        "Completed",
        HOSTS[0],
        HOSTS[0],
    ]
    assert output(run(session, "Receive-Job $j")) == ["hi from jobtui-ssh-test"]


def test_a_remote_working_directory_is_the_hosts(session: CommandSession) -> None:
    run(session, f"$j = Start-Job -Location ssh://{HOSTS[0]} -WorkingDirectory /tmp {{pwd}}")
    run(session, "Wait-Job $j -Timeout 20")
    assert output(run(session, "Receive-Job $j")) == ["/tmp"]
    run(session, f"$k = Start-Job -Location ssh://{HOSTS[0]} -WorkingDirectory /nowhere {{pwd}}")
    run(session, "Wait-Job $k -Timeout 20")
    assert output(run(session, "$k.State; $k.ChildJobs[0].JobStateInfo.Reason")) == [
        "Failed",
        "Cannot find the working directory '/nowhere' on the remote host.",
    ]
