"""The queue through command lines: -DependsOn, -TimeoutSec, -MaximumRetryCount, Restart-Job,
Start-Job -ThrottleLimit, Wait-Job -Match and -IfNotRunning, over real processes, and plain
mode."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import jobtui
from jobtui.commands import CommandResult, CommandSession, WaitStarted
from jobtui.engine import JobEngine, JobState

from .support import errors, infos, output, run, wait_until

ROOT = Path(jobtui.__file__).resolve().parents[1]


def gated(gate: str, then: str) -> str:
    """Shell text that waits for the file ``gate`` in the job's directory, then runs ``then``."""
    return f"while [ ! -e {gate} ]; do sleep 0.02; done; {then}"


def value(session: CommandSession, expression: str) -> list[str]:
    """What an expression prints, as lines."""
    return output(run(session, expression))


# -- -DependsOn -------------------------------------------------------------------------------


def test_a_failed_dependency_fails_the_job(session: CommandSession, tmp_path: Path) -> None:
    run(session, "$a = Start-Job { exit 3 }")
    run(session, "$b = Start-Job -DependsOn $a { touch ran }")
    run(session, "$null = Wait-Job $b")
    assert errors(run(session, "Receive-Job $b")) == ["Receive-Job: dependency Job1 failed"]
    assert value(session, "$b.State") == ["Failed"]
    assert not (tmp_path / "ran").exists()


def test_a_stopped_dependency_by_name(session: CommandSession, tmp_path: Path) -> None:
    run(session, "Start-Job -Name server { sleep 30 }")
    run(session, "$b = Start-Job -DependsOn server { touch ran }")
    assert value(session, "$b.State") == ["NotStarted"]
    assert value(session, "$b.StatusMessage") == ["Waiting for server"]
    run(session, "Stop-Job -Name server")
    run(session, "$null = Wait-Job $b")
    assert value(session, "$b.ChildJobs[0].JobStateInfo.Reason") == [
        "dependency server was stopped"
    ]
    assert not (tmp_path / "ran").exists()


def test_fan_in_by_ids_and_objects(session: CommandSession, tmp_path: Path) -> None:
    run(session, f"$a = Start-Job {{ {gated('go', 'echo a >> log')} }}")
    run(session, "$b = Start-Job { echo b >> log }")
    run(session, "$c = Start-Job -DependsOn 1,$b { echo joined >> log }")
    run(session, "$null = Wait-Job $b")
    assert value(session, "$c.State") == ["NotStarted"]
    (tmp_path / "go").touch()
    run(session, "$null = Wait-Job $c")
    assert value(session, "$c.State") == ["Completed"]
    assert (tmp_path / "log").read_text().split() == ["b", "a", "joined"]


def test_bad_dependencies_are_refused_with_one_line(session: CommandSession) -> None:
    run(session, "$done = Start-Job { true }")
    run(session, "$null = Wait-Job $done; Remove-Job $done")
    cases = {
        "Start-Job -Name build -DependsOn build { make }": (
            "Start-Job: Cannot validate argument on parameter 'DependsOn'. The dependencies form "
            "a cycle: build -> build. A job cannot depend on itself."
        ),
        "Start-Job -DependsOn 42 { make }": (
            "Start-Job: Cannot validate argument on parameter 'DependsOn'. The command cannot "
            "find a job with the job ID 42. Verify the value of the Id parameter and then try "
            "the command again."
        ),
        "Start-Job -DependsOn $done { make }": (
            "Start-Job: Cannot validate argument on parameter 'DependsOn'. The job Job1 (Id 1) "
            "has been removed from the session, so no job can wait for it."
        ),
        "Start-Job -DependsOn nosuch { make }": (
            "Start-Job: Cannot validate argument on parameter 'DependsOn'. The command cannot "
            "find the job because the job name nosuch was not found. Verify the value of the "
            "Name parameter, and then try the command again."
        ),
    }
    for line, message in cases.items():
        result = run(session, line)
        assert errors(result) == [message], line
        assert not result.succeeded
    assert output(run(session, "Get-Job")) == []  # nothing was started


# -- -TimeoutSec ------------------------------------------------------------------------------


def test_a_timeout_fails_a_job_that_ignores_sigterm(session: CommandSession) -> None:
    run(session, "$j = Start-Job -TimeoutSec 1 { trap '' TERM; echo up; sleep 30 }")
    run(session, "$null = Wait-Job $j")
    result = run(session, "Receive-Job $j")
    assert output(result) == ["up"]
    assert errors(result) == ["Receive-Job: timed out after 1 s"]
    assert value(session, "$j.ChildJobs[0].Signal") == ["SIGKILL"]


def test_time_left_is_a_property(session: CommandSession) -> None:
    run(session, "$j = Start-Job -TimeoutSec 600 { sleep 30 }")
    [left] = value(session, "$j.TimeLeft")
    assert left.startswith(("00:10:00", "00:09:5"))
    assert value(session, "$j.TimeoutSec") == ["600"]
    table = output(run(session, "Get-Job | Format-Table Id,TimeoutSec"))
    assert table[2].split() == ["1", "600"]


def test_negative_values_get_powershells_range_error(session: CommandSession) -> None:
    result = run(session, "Start-Job -TimeoutSec -5 { sleep 1 }")
    assert errors(result) == [
        "Start-Job: Cannot validate argument on parameter 'TimeoutSec'. The -5 argument is less "
        "than the minimum allowed range of 0. Supply an argument that is greater than or equal "
        "to 0 and then try the command again."
    ]
    result = run(session, "Start-Job -MaximumRetryCount -1 { true }")
    assert "less than the minimum allowed range of 0" in errors(result)[0]
    result = run(session, "Start-Job -RetryIntervalSec 3 { true }")
    assert errors(result) == [
        "Start-Job: The RetryIntervalSec parameter cannot be used without the MaximumRetryCount "
        "parameter (how many times a failed job runs again)."
    ]
    assert output(run(session, "Get-Job")) == []


# -- -MaximumRetryCount -----------------------------------------------------------------------

FAILS_TWICE = (
    'n=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > count; '
    'echo "attempt $n"; [ "$n" -ge 3 ] || exit "$n"'
)


def test_retries_until_it_succeeds(session: CommandSession) -> None:
    run(session, f"$j = Start-Job -MaximumRetryCount 3 -RetryIntervalSec 1 {{ {FAILS_TWICE} }}")
    wait_until(lambda: "doubles" in "".join(value(session, "$j.StatusMessage")))
    [status] = value(session, "$j.StatusMessage")
    assert status.startswith("Attempt 2 of 4 in 1 s: attempt 1 failed (Exit code 1")
    run(session, "$null = Wait-Job $j")
    assert value(session, "$j.State") == ["Completed"]
    table = output(run(session, "$j.ChildJobs | Format-Table Id,State,ExitCode"))
    assert [line.split() for line in table[2:]] == [
        ["2", "Failed", "1"],
        ["3", "Failed", "2"],
        ["4", "Completed", "0"],
    ]
    result = run(session, "Receive-Job $j")
    assert output(result) == ["attempt 1", "attempt 2", "attempt 3"]
    assert errors(result) == ["Receive-Job: Exit code 1.", "Receive-Job: Exit code 2."]


# -- Restart-Job ------------------------------------------------------------------------------


def test_restart_after_a_stopped_job(session: CommandSession, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    run(session, "$env:GREETING = 'hello'")
    run(session, "Start-Job -Name web -WorkingDirectory sub { echo $env:GREETING; pwd; sleep 30 }")
    run(session, "Stop-Job -Name web")
    result = run(session, "Restart-Job -Id 1")
    assert not errors(result)
    assert output(result)[2].split()[:4] == ["3", "web", "BackgroundJob", "Running"]
    run(session, "$null = Wait-Job -Id 3 -Match sub -Timeout 10")
    assert output(run(session, "Receive-Job -Id 3")) == ["hello", str(tmp_path / "sub")]
    # By pipeline, by name (the newest job of that name), and by a child's Id (its parent
    # restarts); each a new job, the running one stopped first.
    assert output(run(session, "Get-Job -Id 3 | Restart-Job"))[2].split()[0] == "5"
    assert [r.split()[0] for r in output(run(session, "Restart-Job -Name web"))[2:]] == ["7"]
    assert output(run(session, "Restart-Job -Id 8"))[2].split()[0] == "9"
    assert value(session, "(Get-Job -State Running).Count") == ["1"]


def test_restart_of_an_unknown_job(session: CommandSession) -> None:
    result = run(session, "Restart-Job -Id 9")
    assert errors(result) == [
        "Restart-Job: The command cannot find a job with the job ID 9. Verify the value of the "
        "Id parameter and then try the command again."
    ]


# -- Start-Job -ThrottleLimit -----------------------------------------------------------------


def test_a_throttled_queue_of_20(
    session: CommandSession, engine: JobEngine, tmp_path: Path
) -> None:
    step = gated("gate", "echo start $1 >> log; sleep 0.05; echo end $1 >> log")
    run(session, f"Start-Job -ThrottleLimit 3 -ArgumentList 0 {{ {step} }}")
    for i in range(1, 20):
        run(session, f"Start-Job -ArgumentList {i} {{ {step} }}")  # the limit is sticky
    assert engine.background_throttle_limit == 3
    table = output(run(session, "Get-Job | Format-Table Id,State,QueuePosition"))
    rows = [line.split() for line in table[2:]]
    assert rows[:3] == [["1", "Running"], ["3", "Running"], ["5", "Running"]]
    assert rows[3:] == [[str(7 + 2 * n), "NotStarted", str(n + 1)] for n in range(17)]
    (tmp_path / "gate").touch()
    run(session, "$null = Get-Job | Wait-Job")
    assert value(session, "(Get-Job -State Completed).Count") == ["20"]
    events = (tmp_path / "log").read_text().split("\n")
    began = [job.child_jobs[0].ps_begin_time for job in engine.jobs]
    assert began == sorted(began)  # each started in its turn: first in, first out
    running = peak = 0
    for event in events:
        running += 1 if event.startswith("start") else -1 if event.startswith("end") else 0
        peak = max(peak, running)
    assert peak <= 3


# -- Wait-Job -Match --------------------------------------------------------------------------


def test_wait_for_a_line_that_arrives_after_two_seconds(
    session: CommandSession, tmp_path: Path
) -> None:
    serve = gated("go", "echo Listening on :8080; sleep 30")
    run(session, f"Start-Job -Name srv {{ echo booting; {serve} }}")
    results: list[CommandResult] = []
    waiter = threading.Thread(
        target=lambda: results.append(run(session, "Wait-Job -Name srv -Match 'listening on'"))
    )
    waiter.start()
    waiter.join(2.0)
    assert waiter.is_alive()  # the gate is closed: the line cannot have come
    (tmp_path / "go").touch()
    waiter.join(30)
    [result] = results
    assert infos(result) == ["srv: Listening on :8080"]
    assert output(result)[2].split()[:4] == ["1", "srv", "BackgroundJob", "Running"]


def test_wait_for_a_line_that_never_comes(session: CommandSession) -> None:
    run(session, "Start-Job { echo booting; sleep 30 }")
    result = run(session, "Wait-Job -Id 1 -Match 'Listening' -Timeout 1")
    assert infos(result) == [
        "Wait-Job: timed out after 1 s; 0 of 1 job printed a line that matches 'Listening'."
    ]
    assert output(result) == []


def test_any_and_a_job_that_ends_without_the_line(session: CommandSession) -> None:
    run(session, "$quiet = Start-Job { echo nothing }")
    run(session, "$ready = Start-Job { sleep 0.3; echo 'ready: yes'; sleep 30 }")
    result = run(session, "Wait-Job $quiet,$ready -Any -Match '^ready' -Timeout 30")
    assert infos(result) == ["Job3: ready: yes"]
    assert output(result)[2].split()[0] == "3"
    result = run(session, "Wait-Job $quiet,$ready -Match '^ready' -Timeout 30")
    assert errors(result) == [
        "Wait-Job: The job Job1 (Id 1) ended (Completed) without a line that matches '^ready'."
    ]
    assert output(result) == []


def test_an_invalid_pattern_is_refused(session: CommandSession) -> None:
    run(session, "Start-Job { sleep 30 }")
    result = run(session, "Wait-Job -Id 1 -Match 'x('")
    assert errors(result) == [
        "Wait-Job: Cannot validate argument on parameter 'Match'. The string 'x(' is not a valid "
        "regular expression: missing ), unterminated subpattern at position 1."
    ]


def test_a_wait_for_a_line_tells_the_host_its_pattern(session: CommandSession) -> None:
    run(session, "Start-Job { sleep 30 }")
    heard: list[WaitStarted] = []

    matched = session.execute("Wait-Job -Id 1 -Match ready -Timeout 1", on_wait=heard.append)
    # The Wait dialog shows it with its pattern; how it ended is the line's own (its notices).
    assert [(h.match, h.timeout) for h in heard] == [("ready", 1.0)] and matched.wait is None
    assert heard[0].line() == "Wait-Job -Id 1 -Timeout 1 -Match 'ready'"
    waited = session.execute("Wait-Job -Id 1 -Timeout 1", on_wait=heard.append)
    assert len(heard) == 2 and heard[1].match is None and waited.wait is not None


def test_plain_mode_prints_the_matching_line(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "Start-Job -Name srv { echo booting; echo 'Listening on :8080'; sleep 30 } | Out-Null",
            "Wait-Job -Name srv -Match 'Listening' -Timeout 20 | Out-Null",
            "Get-Job -Name srv | Format-Table Name,State",
        ]
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="120")
    done = subprocess.run(
        [sys.executable, "-m", "jobtui", "--plain"],
        input=script,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert "srv: Listening on :8080" in done.stderr.splitlines()
    assert done.stdout.split("\n")[2].split() == ["srv", "Running"]


# -- -IfNotRunning ----------------------------------------------------------------------------


def test_if_not_running_returns_the_job_already_there(session: CommandSession) -> None:
    run(session, "Start-Job { sleep 30 }")
    result = run(session, "Start-Job -IfNotRunning { sleep 30 }")
    assert infos(result) == [
        "Start-Job: the job Job1 (Id 1) with the same command is already Running; -IfNotRunning "
        "returns it instead of starting another."
    ]
    assert output(result)[2].split()[0] == "1"
    run(session, "Start-Job -Name nightly { sleep 31 }")
    result = run(session, "Start-Job -Name nightly -IfNotRunning { other }")
    assert output(result)[2].split()[:2] == ["3", "nightly"]
    run(session, "Stop-Job -Id 1")
    result = run(session, "Start-Job -IfNotRunning { sleep 30 }")
    assert infos(result) == [] and output(result)[2].split()[0] == "5"
    assert JobState.Running.name in output(result)[2]


# -- Progress ---------------------------------------------------------------------------------


def test_progress_of_a_child_job(session: CommandSession) -> None:
    run(session, r"$j = Start-Job { printf 'fetch: 10%%\rfetch: 60%%' >&2; sleep 30 }")
    wait_until(lambda: value(session, "$j.ChildJobs[0].Progress.PercentComplete") == ["60"])
    assert value(session, "$j.ChildJobs[0].Progress.Activity") == ["fetch"]
    assert value(session, "$j.ChildJobs[0].Progress.StatusDescription") == ["60%"]
    assert value(session, "$j.Progress.Count") == ["0"]


def test_thread_jobs_take_dependencies_and_time_limits(session: CommandSession) -> None:
    run(session, "$a = Start-ThreadJob { exit 2 }")
    run(session, "$b = Start-ThreadJob -DependsOn $a { echo never }")
    run(session, "$c = Start-ThreadJob -TimeoutSec 1 { sleep 30 }")
    run(session, "$null = Wait-Job $b,$c")
    assert value(session, "$b.JobStateInfo.Reason") == ["dependency Job1 failed"]
    assert value(session, "$c.JobStateInfo.Reason") == ["timed out after 1 s"]
    result = run(session, "Start-ThreadJob -MaximumRetryCount 2 { true }")
    assert errors(result) == [
        "Start-ThreadJob: A parameter cannot be found that matches parameter name "
        "'MaximumRetryCount'."
    ]


def test_a_duration_prints_as_powershells_timespan() -> None:
    from datetime import timedelta

    from jobtui.commands.values import to_string, type_name

    assert to_string(timedelta(minutes=9, seconds=59)) == "00:09:59"
    assert to_string(timedelta(days=1, hours=2)) == "1.02:00:00"
    assert type_name(timedelta(0)) == "System.TimeSpan"


def test_completion_of_the_queues_parameters(session: CommandSession) -> None:
    run(session, "Start-Job -Name nightly { sleep 30 }")
    assert session.complete("Start-Job -Dep") == ["Start-Job -DependsOn"]
    assert session.complete("Start-Job -DependsOn n") == ["Start-Job -DependsOn nightly"]
    assert session.complete("Start-Job -DependsOn ") == [
        "Start-Job -DependsOn 1",
        "Start-Job -DependsOn nightly",
    ]
    assert session.complete("Restart-J") == ["Restart-Job"]
    assert session.complete("Wait-Job -Ma") == ["Wait-Job -Match"]
