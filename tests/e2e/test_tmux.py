"""Start jobtui in tmux, type into the command bar, read the result from the screen."""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tmux import Pane, jobtui_command, running

#: The e2e tests' own tmux server.
SERVER = "jobtui-e2e"


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Pane]:
    """The installed ``jobtui`` entry point beside the tests' interpreter (else the package)
    in a tmux pane; "; sleep" keeps the pane readable for a moment if jobtui dies."""
    script = Path(sys.executable).parent / "jobtui"
    program = shlex.quote(str(script)) if script.exists() else None
    command = jobtui_command(tmp_path / "state", program)
    with running(SERVER, "jobtui-e2e", command + '; echo "jobtui exited with $?"; sleep 5') as pane:
        yield pane


def test_a_typed_command_runs_and_its_job_and_output_show(tmux: Pane) -> None:
    tmux.wait_for("PS>")
    tmux.wait_for("Jobs 0")
    tmux.type("Start-Job -Name greet {echo hello-from-e2e}")
    tmux.send("Enter")
    # The table has the job, the console has Start-Job's own table.
    tmux.wait_for("PS> Start-Job -Name greet {echo hello-from-e2e}")
    screen = tmux.wait_for("✓ Completed")
    row = next(line for line in screen.splitlines() if "✓ Completed" in line)
    assert "greet" in row and "BackgroundJob" in row
    # To the table, then the job's output in the Output pane ("c" leaves the Console).
    tmux.send("Escape")
    tmux.wait_for("r Receive")  # the footer shows the table's keys: the bar has let go
    tmux.send("c")
    screen = tmux.wait_for("greet (Id 1)")
    output = screen[screen.index("greet (Id 1)") :]
    assert "hello-from-e2e" in output.splitlines()[1]
    # An error stays on one line under the bar, with the text kept.
    tmux.send(":")
    tmux.wait_for("tab Complete")
    tmux.type("Receive-Job -Id 42")
    tmux.send("Enter")
    # The line leaves the bar at once, and comes back (selected) when it has failed.
    screen = tmux.wait_for(" Receive-Job: The command cannot find a job with the job ID 42.")
    lines = screen.splitlines()
    assert lines[0].startswith("PS> Receive-Job -Id 42")
    assert "Receive-Job" in lines[1] and "42" in lines[1]
    # Quit with nothing running: no question.
    tmux.send("Escape")
    tmux.wait_for("q Quit")
    tmux.send("q")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "Jobs 1" in tmux.screen():
        time.sleep(0.1)
    assert "Jobs 1" not in tmux.screen()


def test_input_that_is_not_utf8_does_no_harm(tmux: Pane) -> None:
    tmux.wait_for("Jobs 0")
    tmux.type("echo ")
    tmux.send_bytes(b"\xc3\x28")  # a lead byte with no continuation: invalid UTF-8
    tmux.type(" odd")
    screen = tmux.wait_for("odd")
    assert screen.splitlines()[0].startswith("PS> echo \ufffd( odd")
    # Still alive and answering keys; quitting gives a zero exit status.
    tmux.send("C-u")
    tmux.type("Get-Job")
    tmux.send("Enter")
    tmux.wait_for("PS> Get-Job")
    tmux.send("Escape")
    tmux.wait_for("q Quit")
    tmux.send("q")
    tmux.wait_for("jobtui exited with 0")


def test_plain_mode_on_a_terminal_continues_lines_cancels_and_exits(tmp_path: Path) -> None:
    command = jobtui_command(tmp_path / "state", f"{shlex.quote(sys.executable)} -m jobtui --plain")
    with running(
        SERVER, "jobtui-plain", command + '; echo "plain exited with $?"; sleep 5'
    ) as pane:
        pane.wait_for("jobtui>")
        pane.type_line("Start-Job {echo continued-$((6*7))} `")
        pane.wait_for("\n>>")
        pane.type_line("  | Receive-Job -Wait")
        pane.wait_for("continued-42")
        pane.type("Get-Job -Nam")
        pane.send("C-c")  # at the prompt: what was typed goes, as in PowerShell
        pane.type_line("Start-Sleep 30")
        time.sleep(0.5)
        pane.send("C-c")
        pane.wait_for("Start-Sleep: cancelled; the jobs go on running.")
        pane.type_line('$w = "cancel"; "after the $w"')
        screen = pane.wait_for("after the cancel")
        assert "Traceback" not in screen and "KeyboardInterrupt" not in screen
        pane.type_line("exit 4")
        screen = pane.wait_for("plain exited with 4")
        assert "Get-Job -Nam" not in screen.split("Start-Sleep 30")[-1]
