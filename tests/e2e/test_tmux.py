"""Start jobtui in tmux, type into the command bar, read the result from the screen."""

from __future__ import annotations

import re
import shlex
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tmux import Pane, jobtui_command, running

#: The prefix of the e2e tests' tmux servers (one per test).
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


@pytest.fixture
def tmux_animated(tmp_path: Path) -> Iterator[Pane]:
    """jobtui with animations on, as in a user's terminal."""
    command = jobtui_command(tmp_path / "state", animations=True)
    with running(SERVER, "jobtui-e2e", command + '; echo "jobtui exited with $?"; sleep 5') as pane:
        yield pane


def last_tick(screen: str) -> int:
    """The highest ``tick N`` on the screen."""
    ticks = [int(word) for word in re.findall(r"\btick (\d+)", screen)]
    return max(ticks, default=0)


def test_end_in_the_output_pane_follows_a_job_still_writing(tmux_animated: Pane) -> None:
    """Issue: End animated towards where the end was while the end moved, and the pane froze
    there. Now it jumps, follows, and the pane's title says so."""
    tmux = tmux_animated
    tmux.wait_for("Jobs 0")
    tmux.type_line(
        "Start-Job -Name ticker {i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.01; done}"
    )
    tmux.wait_for("Running")
    tmux.send("Escape")
    tmux.wait_for("r Receive")
    tmux.send("c")  # the Output pane (the line's result put the Console up)
    tmux.wait_for("ticker (Id 1)")
    tmux.wait_for("tick 60")  # more than a pane of lines
    tmux.send("Tab")
    time.sleep(0.3)
    tmux.send("PageUp")
    tmux.send("PageUp")
    time.sleep(1)
    scrolled = last_tick(tmux.screen())
    time.sleep(1)
    assert last_tick(tmux.screen()) == scrolled  # reading: not dragged down
    tmux.send("End")
    time.sleep(0.5)
    before = last_tick(tmux.screen())
    assert before > scrolled + 5
    time.sleep(1.5)
    screen = tmux.screen()
    assert last_tick(screen) > before + 5  # still following: new lines come into view
    assert "following" in screen and "scrolled up" not in screen  # and the title says so
    assert "End Follow" in screen  # the key bar shows the pane's keys
    tmux.send("Escape")  # back to the table
    tmux.wait_for("r Receive")


def test_a_bracketed_paste_of_three_lines_runs_two_and_keeps_the_third(tmux: Pane) -> None:
    tmux.wait_for("Jobs 0")
    tmux.paste("Start-Job -Name p1 {echo pasted-1}\nStart-Job -Name p2 {echo pasted-2}\nGet-Jo")
    screen = tmux.wait_for("PS> Start-Job -Name p2 {echo pasted-2}")
    assert "PS> Start-Job -Name p1 {echo pasted-1}" in screen
    assert screen.index("{echo pasted-1}") < screen.index("{echo pasted-2}")
    tmux.wait_for("Jobs 2")
    assert tmux.screen().splitlines()[0].rstrip().endswith("PS> Get-Jo")  # unfinished: kept


def test_up_twice_in_one_burst_then_down_steps_back_through_history(tmux: Pane) -> None:
    """Key repeat on Up: the bar's own changes arrive late; history must still step."""
    tmux.wait_for("Jobs 0")
    lines = ["Get-Job -State Running", "Get-Job -State Failed", "Get-Job -State Stopped"]
    for line in lines:
        tmux.type_line(line)
        tmux.wait_for(f"PS> {line}")
    bar = lambda: tmux.screen().splitlines()[0]  # noqa: E731
    tmux.send("Up", "Up", "Up", "Down")  # one burst: a single write to the terminal
    deadline = time.monotonic() + 10
    while "-State Failed" not in bar() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "-State Failed" in bar()
    tmux.send("Up")
    deadline = time.monotonic() + 10
    while "-State Running" not in bar() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "-State Running" in bar()  # the next older entry, not the newest


def test_a_hundred_kilobytes_typed_as_keys_arrive_whole_and_quickly(tmux: Pane) -> None:
    """An unbracketed paste of 100 kB, as keys: it took about 9.5 minutes and 5 GB."""
    tmux.wait_for("Jobs 0")
    payload = "abcdefghij" * 10_000
    tmux.type_long(f"printf %s {payload} | wc -c")
    tmux.wait_for("| wc -c", timeout=120)
    tmux.send("Enter")
    tmux.wait_for("✓ Completed", timeout=30)
    tmux.send("Escape")
    tmux.wait_for("r Receive")
    tmux.send("c")
    tmux.wait_for("100000", timeout=10)  # wc counted every character typed
    peak = peak_rss_kb(tmux)
    if peak is not None:
        assert peak < 400_000  # it was 5.1 GB, never given back


def peak_rss_kb(pane: Pane) -> int | None:
    """The peak resident size of the program the pane's shell runs (Linux), in kB."""
    pid = pane.flag("pane_pid")
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if not children.exists() or not children.read_text().split():
        return None
    child = children.read_text().split()[0]
    for line in Path(f"/proc/{child}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


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
