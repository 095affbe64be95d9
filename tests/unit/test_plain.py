"""Plain mode through a real ``python -m jobtui --plain`` process."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

import psutil

import jobtui
from jobtui import plain
from jobtui.commands import CommandResult, LineKind, OutputLine
from jobtui.engine import JobEngine
from jobtui.service import JobService

ROOT = Path(jobtui.__file__).resolve().parents[1]


def _plain(script: str, cwd: Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="120")
    return subprocess.run(
        [sys.executable, "-m", "jobtui", "--plain"],
        input=script,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


def test_results_on_stdout_errors_on_stderr_exit_zero(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "# a comment, then a blank line",
            "",
            "$job = Start-Job {echo out; echo err >&2}",
            "$null = Wait-Job $job",
            "Receive-Job -Job $job",
            "Get-Job -Id 9",
            "Get-Job",
        ]
    )

    done = _plain(script, tmp_path)

    assert done.returncode == 0
    assert done.stdout.splitlines() == [
        "out",
        "Id     Name            PSJobTypeName   State         HasMoreData     Location             Command",  # noqa: E501
        "--     ----            -------------   -----         -----------     --------             -------",  # noqa: E501
        "1      Job1            BackgroundJob   Completed     False           localhost            echo out; echo err >&2",  # noqa: E501
    ]
    assert done.stderr.splitlines() == [
        "err",
        "Get-Job: The command cannot find a job with the job ID 9. Verify the value of the Id "
        "parameter and then try the command again.",
    ]
    assert "jobtui>" not in done.stdout  # no prompt when stdin is not a terminal
    assert "end of input" not in done.stderr  # no job was left running


def test_exit_status_is_one_when_the_last_line_failed(tmp_path: Path) -> None:
    done = _plain("Get-Job\nReceive-Job -Id 7\n", tmp_path)

    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("Receive-Job: The command cannot find a job with the job ID 7.")


def test_a_parse_error_on_the_last_line(tmp_path: Path) -> None:
    done = _plain("Get-Job -Bogus\n", tmp_path)

    assert done.returncode == 1
    assert done.stderr == (
        "Get-Job: A parameter cannot be found that matches parameter name 'Bogus'.\n"
    )


def test_a_script_block_may_span_lines(tmp_path: Path) -> None:
    done = _plain("Start-Job {\n  echo one\n  echo two\n} | Receive-Job -Wait\n", tmp_path)

    assert done.returncode == 0
    assert done.stdout.splitlines() == ["one", "two"]


def test_redirection_writes_in_the_current_directory(tmp_path: Path) -> None:
    done = _plain("Start-Job {echo saved} | Wait-Job | Receive-Job > results.txt\n", tmp_path)

    assert done.returncode == 0
    assert (tmp_path / "results.txt").read_text() == "saved\n"


def test_jobs_still_running_at_the_end_of_input_are_stopped(tmp_path: Path) -> None:
    done = _plain(
        "$job = sleep 1000 &\n$job.Pid\nStart-Job {true} | Wait-Job | Out-Null\n", tmp_path
    )

    assert done.returncode == 0
    assert done.stderr == "jobtui: end of input; stopping 1 running job (Job1).\n"
    pid = int(done.stdout.strip())
    survivor = _process(pid)
    assert survivor is None or "1000" not in " ".join(survivor.cmdline())


def _process(pid: int) -> psutil.Process | None:
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return process
    except psutil.NoSuchProcess:
        return None


def test_the_end_of_input_notice_names_every_running_job(tmp_path: Path) -> None:
    done = _plain("sleep 1000 &\nStart-Job {sleep 1000} -Name web\n", tmp_path)

    assert done.stderr == "jobtui: end of input; stopping 2 running jobs (Job1, web).\n"


class _SlowToCancel:
    """A session whose line sends Ctrl+C to this process, then goes on printing for a while
    after it saw the cancel: the line is over only then."""

    def __init__(self) -> None:
        self.engine = JobEngine(guardian=False)
        self.finished = threading.Event()

    def wake_waiters(self) -> None:
        self.engine.wake_waiters()

    def execute(
        self,
        line: str,
        *,
        on_output: Callable[[list[OutputLine]], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> CommandResult:
        assert cancel is not None and on_output is not None
        os.kill(os.getpid(), signal.SIGINT)
        assert cancel.wait(10)
        time.sleep(0.3)  # the cancelled line still winds down
        on_output([OutputLine("the cancelled line's last words", LineKind.INFO)])
        self.finished.set()
        return CommandResult()


def test_after_ctrl_c_the_line_is_over_before_the_next_starts() -> None:
    session = _SlowToCancel()
    out, err = io.StringIO(), io.StringIO()
    try:
        result = plain._run_line(cast(JobService, session), "Wait-Job 1", out, err)
    finally:
        session.engine.shutdown()

    assert session.finished.is_set()  # it returned only once the line was over
    assert result.succeeded
    assert err.getvalue() == "the cancelled line's last words\n"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored


def test_exit_ends_the_session_with_its_status(tmp_path: Path) -> None:
    done = _plain("Start-Job {sleep 1000} -Name web\nexit 3\nGet-Job\n", tmp_path)

    assert done.returncode == 3
    assert done.stdout.count("web") == 1  # the line after exit did not run
    assert done.stderr == "jobtui: exit; stopping 1 running job (web).\n"
    assert _plain("Get-Job -Id 9\nexit\n", tmp_path).returncode == 1
    assert _plain("Get-Job -Id 9\nGet-Job\nexit\n", tmp_path).returncode == 0
    assert _plain("Get-Job -Id 9 || exit 5\nGet-Job\n", tmp_path).returncode == 5


def test_a_statement_continues_on_the_next_lines(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "<# a block comment",
            "   over two lines #>",
            "Start-Job {echo one} -Name a `",
            "  | Wait-Job |",
            "  Receive-Job",
            "Get-Job -Name a &&",
            "  'chained'",
            "foreach ($j in Get-Job) {",
            "  Remove-Job $j",
            "}",
            "Get-Job | Format-List Name",
        ]
    )
    done = _plain(script + "\n", tmp_path)

    lines = done.stdout.splitlines()
    assert lines[0] == "one"
    assert lines[-2:] == ["chained", "Name : a"]  # the foreach ran nothing, Remove-Job included
    assert done.stderr.startswith("ParserError: The foreach loop is PowerShell's")
    assert done.returncode == 0
