"""jobtui's session cmdlets: Set-Location (cd), Get-Location (pwd), Start-Sleep, and
Send-JobInput (jobtui's own, not PowerShell's)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from jobtui.commands import CommandSession
from jobtui.commands.parser import parse
from jobtui.commands.syntax import ShellCommand
from jobtui.engine import JobEngine, JobState
from tests.unit.commands.support import errors, infos, output, run, wait_until

# -- Set-Location and Get-Location ------------------------------------------------------------


def _location(session: CommandSession) -> str:
    return output(run(session, "(Get-Location).Path"))[0]


def test_cd_sets_where_later_jobs_start_and_starts_no_job(
    session: CommandSession, engine: JobEngine, tmp_path: Path
) -> None:
    (tmp_path / "src").mkdir()

    moved = run(session, "cd src")
    shown = run(session, "pwd")
    started = run(session, "Start-Job {pwd} | Wait-Job | Receive-Job")

    assert moved.succeeded and moved.lines == [] and moved.jobs == []
    assert engine.working_directory == str(tmp_path / "src")
    assert output(shown) == ["Path", "----", str(tmp_path / "src")]
    assert output(started)[-1] == str(tmp_path / "src")


def test_a_missing_path_is_powershells_error(session: CommandSession, tmp_path: Path) -> None:
    absolute = run(session, "cd /nope")
    relative = run(session, "Set-Location nope")

    assert absolute.errors == ["Set-Location: Cannot find path '/nope' because it does not exist."]
    assert relative.errors == [
        f"Set-Location: Cannot find path '{tmp_path / 'nope'}' because it does not exist."
    ]
    assert _location(session) == str(tmp_path)


def test_home_relative_paths_and_going_back(
    session: CommandSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / "projects").mkdir(parents=True)
    (tmp_path / "a" / "b").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))

    run(session, "sl a/b")
    assert _location(session) == str(tmp_path / "a" / "b")
    run(session, "chdir ..")
    assert _location(session) == str(tmp_path / "a")
    run(session, "cd ~/projects")
    assert _location(session) == str(home / "projects")
    run(session, "cd")
    assert _location(session) == str(home)
    run(session, "cd -")
    assert _location(session) == str(home / "projects")
    run(session, "cd +")
    assert _location(session) == str(home)
    assert output(run(session, "gl")) == ["Path", "----", str(home)]
    assert output(run(session, '"$pwd"')) == [str(home)]


def test_passthru_and_a_file(session: CommandSession, tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x")

    shown = run(session, f"cd {tmp_path} -PassThru")
    refused = run(session, "cd file.txt")

    assert output(shown) == ["Path", "----", str(tmp_path)]
    assert refused.errors == [
        f"Set-Location: Cannot find path '{tmp_path / 'file.txt'}' because it does not exist."
    ]


def test_relative_files_are_taken_against_the_location(
    session: CommandSession, tmp_path: Path
) -> None:
    (tmp_path / "out").mkdir()

    result = run(session, "cd out; Get-Location > where.txt; Get-Job | Out-File jobs.txt")

    assert result.succeeded
    assert (tmp_path / "out" / "where.txt").read_text().splitlines()[-1] == str(tmp_path / "out")
    assert (tmp_path / "out" / "jobs.txt").exists()


@pytest.mark.parametrize(
    "line",
    [
        "cd src && make",
        "cd /tmp || exit 1",
        "(cd /tmp; ls)",
        "for d in a b; do cd $d; pwd; cd ..; done",
        "make; cd src",
        "pwd -P &",
    ],
)
def test_cd_and_pwd_in_shell_text_are_the_shells(line: str) -> None:
    (statement,) = parse(line).statements

    assert isinstance(statement.body, ShellCommand)


def test_cd_then_a_shell_command(session: CommandSession, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()

    result = run(session, "cd src; pwd -P &")

    assert result.succeeded
    assert errors(result) == []
    (job,) = result.jobs
    assert job.command == "pwd -P"
    run(session, "Wait-Job 1")
    assert output(run(session, "Receive-Job 1")) == [str((tmp_path / "src").resolve())]


# -- Start-Sleep ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "seconds"),
    [
        ("Start-Sleep -Seconds 0.3", 0.3),
        ("Start-Sleep 0.2", 0.2),
        ("Start-Sleep -Milliseconds 250", 0.25),
        ("Start-Sleep -ms 100", 0.1),
    ],
)
def test_start_sleep_pauses_the_session_and_starts_no_job(
    session: CommandSession, engine: JobEngine, line: str, seconds: float
) -> None:
    began = time.monotonic()
    result = run(session, line)
    took = time.monotonic() - began

    assert result.succeeded and result.lines == []
    assert engine.jobs == []
    assert seconds <= took < seconds + 2


def test_start_sleep_ends_at_cancel_and_the_rest_of_the_line_does_not_run(
    session: CommandSession,
) -> None:
    cancel = threading.Event()
    timer = threading.Timer(0.2, cancel.set)
    timer.start()
    began = time.monotonic()
    try:
        result = session.execute("Start-Sleep 30; Get-Job", cancel=cancel)
    finally:
        timer.cancel()

    assert time.monotonic() - began < 5
    assert infos(result) == ["Start-Sleep: cancelled; the jobs go on running."]
    assert output(result) == []


def test_start_sleep_checks_its_values(session: CommandSession, engine: JobEngine) -> None:
    negative = run(session, "Start-Sleep -1")
    word = run(session, "Start-Sleep soon")

    assert negative.errors == [
        "Start-Sleep: Cannot validate argument on parameter 'Seconds'. The -1 argument is less "
        "than the minimum allowed range of 0. Supply an argument that is greater than or equal "
        "to 0 and then try the command again."
    ]
    assert word.errors == [
        "Start-Sleep: Cannot bind parameter 'Seconds'. Cannot convert value \"soon\" to type "
        '"System.Double".'
    ]
    assert engine.jobs == []


def test_start_sleep_in_the_background_or_in_braces_is_a_job(session: CommandSession) -> None:
    background = run(session, "Start-Sleep 1 &")
    braces = run(session, "Start-Job {Start-Sleep 1}")

    assert [job.command for job in background.jobs] == ["Start-Sleep 1"]
    assert [job.command for job in braces.jobs] == ["Start-Sleep 1"]


# -- Send-JobInput ----------------------------------------------------------------------------


def test_send_job_input_writes_lines_to_a_job(session: CommandSession) -> None:
    run(session, '$job = Start-Job {read a; read b; echo "got $a and $b"}')

    sent = run(session, "Send-JobInput $job.Id first, 'second line'")
    run(session, "Wait-Job $job -Timeout 10")

    assert sent.succeeded and sent.lines == []
    assert output(run(session, "Receive-Job $job")) == ["got first and second line"]


def test_send_job_input_close_ends_the_input(session: CommandSession) -> None:
    run(session, "Start-Job {cat; echo end} -Name reader; Start-Job {cat}")

    both = run(session, "Get-Job reader | Send-JobInput -InputObject a, b -Close")
    alone = run(session, "Send-JobInput 3 -Close")
    run(session, "Wait-Job 1, 3 -Timeout 10")

    assert both.succeeded and alone.succeeded
    assert output(run(session, "Receive-Job reader")) == ["a", "b", "end"]
    assert [job.state for job in session.engine.jobs] == [JobState.Completed] * 2


def test_send_job_input_errors(session: CommandSession) -> None:
    run(session, "Start-Job {cat} | Out-Null")
    run(session, "Send-JobInput 1 -Close; Wait-Job 1 -Timeout 10")

    missing = run(session, "Send-JobInput 42 x")
    by_name = run(session, "Send-JobInput -Name nosuch x")
    closed = run(session, "Send-JobInput 1 more")
    nothing = run(session, "Send-JobInput 1")

    assert missing.errors == [
        "Send-JobInput: The command cannot find a job with the job ID 42. Verify the value of "
        "the Id parameter and then try the command again."
    ]
    assert by_name.errors[0].startswith(
        "Send-JobInput: The command cannot find the job because the job name nosuch was not found."
    )
    assert closed.errors == ["Send-JobInput: The job with the job ID 1 does not accept input."]
    assert nothing.errors[0].startswith(
        "Send-JobInput: Cannot process command because of one or more missing mandatory "
        "parameters: InputObject."
    )


def test_wait_job_on_a_blocked_job_points_to_send_job_input(
    session: CommandSession, engine: JobEngine
) -> None:
    run(session, 'Start-Job {read line; echo "got $line"}')
    job = engine.jobs[0]
    wait_until(lambda: job.state is JobState.Blocked)

    result = run(session, "Wait-Job 1")

    assert result.errors == [
        "Wait-Job: The Wait-Job cmdlet cannot finish working, because one or more jobs are "
        "blocked waiting for user interaction.  Process interactive job output by using the "
        "Receive-Job cmdlet, and then try again."
    ]
    assert infos(result) == [
        "jobtui: Job 1 is waiting for input: send a line with Send-JobInput 1 'text', or end "
        "the input with Send-JobInput 1 -Close (jobtui's own cmdlet; in the app, the i key on "
        "the job)."
    ]
    run(session, "Send-JobInput 1 hello; Wait-Job 1 -Timeout 10")
    assert output(run(session, "Receive-Job 1")) == ["got hello"]


def test_send_job_input_completes_like_the_job_cmdlets(session: CommandSession) -> None:
    run(session, "Start-Job {cat} -Name reader")

    assert session.complete("Send-J") == ["Send-JobInput"]
    assert session.complete("Send-JobInput -C") == ["Send-JobInput -Close"]
    assert session.complete("Send-JobInput r") == ["Send-JobInput reader"]
    assert session.complete("Send-JobInput -Id ") == ["Send-JobInput -Id 1"]
