"""The session's own cmdlets: Set-Location (cd) and Get-Location (pwd)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobtui.commands import CommandSession
from jobtui.commands.parser import parse
from jobtui.commands.syntax import ShellCommand
from jobtui.engine import JobEngine
from tests.unit.commands.support import errors, output, run

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
