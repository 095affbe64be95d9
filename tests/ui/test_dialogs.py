"""Wait, confirmations, stop, suspend, help, the command palette and notifications."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from textual.widgets import Button, Input, RadioButton
from textual.widgets._toast import Toast

from jobtui.engine import JobEngine, JobState
from jobtui.ui.palette import JobCommands
from jobtui.ui.screens.confirm import ConfirmDialog
from jobtui.ui.screens.help import HelpScreen
from jobtui.ui.screens.wait_dialog import WaitDialog

from .conftest import AppRunner, main_screen, submit, table, until


async def test_wait_key_opens_the_dialog_and_reports_the_finished_job(
    run_app: AppRunner, engine: JobEngine, tmp_path: Path
) -> None:
    # The job ends only when the test says so: on a loaded machine a timed job could end
    # before the dialog opens.
    gate = tmp_path / "go"
    job = engine.start_job(f"while [ ! -e {gate} ]; do sleep 0.05; done")
    async with run_app() as (app, pilot):
        await pilot.press("escape", "w")
        assert isinstance(app.screen, WaitDialog)
        assert not app.screen.started  # opened from a key: Any/All and timeout first
        await pilot.press("enter")  # Enter in the timeout box starts: a Wait-Job line runs
        dialog = app.screen
        await until(pilot, lambda: dialog.started)
        assert job.state is JobState.Running
        gate.touch()
        await until(pilot, lambda: not isinstance(app.screen, WaitDialog))
        assert job.state is JobState.Completed
        texts = main_screen(app).console.texts()
        assert f"PS> Wait-Job -Id {job.id}" in texts
        assert any(line.startswith(str(job.id)) and "Completed" in line for line in texts)


async def test_a_wait_in_its_dialog_is_not_said_again_under_the_bar(
    run_app: AppRunner, engine: JobEngine
) -> None:
    """The dialog says the wait runs and that Esc cancels it; the bar's status said it again
    ("Running “Wait-Job -Id 1”… Esc cancels.") behind the dialog."""
    from jobtui.ui.widgets.command_line import RUNNING_HINT_DELAY

    engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        await pilot.press("escape", "w", "enter")
        dialog = app.screen
        assert isinstance(dialog, WaitDialog)
        await until(pilot, lambda: dialog.started)
        await pilot.pause(RUNNING_HINT_DELAY + 0.4)
        assert "Esc cancels" in str(dialog.query_one("#wait-countdown").render())
        assert "Running" not in main_screen(app).command_line.status_text
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, WaitDialog))


async def test_digits_typed_in_the_wait_dialog_set_its_timeout(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        await pilot.press("escape", "w")
        assert isinstance(app.screen, WaitDialog)
        dialog = app.screen
        await pilot.press("1", "enter")
        await until(pilot, lambda: dialog.started)
        assert dialog.timeout == 1
        await until(pilot, lambda: not isinstance(app.screen, WaitDialog))
        # The cmdlet's own words, as plain mode prints them.
        notice = "Wait-Job: timed out after 1 s; 0 of 1 job finished."
        await until(pilot, lambda: notice in main_screen(app).console.texts())
        assert f"PS> Wait-Job -Id {job.id} -Timeout 1" in main_screen(app).console.texts()
        assert any(n.message == notice for n in app._notifications)
        assert job.state is JobState.Running


async def test_wait_from_the_bar_times_out_with_a_countdown(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        await submit(pilot, f"Wait-Job -Id {job.id} -Timeout 1")
        assert isinstance(app.screen, WaitDialog)
        dialog = app.screen
        assert dialog.started and dialog.timeout == 1
        await pilot.pause(0.3)
        assert "s of 1 s left" in str(dialog.query_one("#wait-countdown").render())
        await until(pilot, lambda: not isinstance(app.screen, WaitDialog))
        notice = "Wait-Job: timed out after 1 s; 0 of 1 job finished."
        await until(pilot, lambda: notice in main_screen(app).console.texts())
        assert job.state is JobState.Running


async def test_a_typed_wait_shows_its_own_mode_and_timeout(
    run_app: AppRunner, engine: JobEngine
) -> None:
    """The dialog is the view of the typed line: ``-Any -Timeout 30`` shows Any chosen and 30
    in the timeout box (it showed All and an empty, invalid box when the wait began to block
    before the dialog was mounted)."""
    job = engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        await submit(pilot, f"Wait-Job -Id {job.id} -Any -Timeout 30")
        assert isinstance(app.screen, WaitDialog)
        dialog = app.screen
        await pilot.pause(0.2)
        assert dialog.query_one("#wait-any", RadioButton).value
        assert not dialog.query_one("#wait-all", RadioButton).value
        assert "✓" in str(dialog.query_one("#wait-any", RadioButton).label)
        assert dialog.query_one("#wait-timeout", Input).value == "30"
        assert dialog.query_one("#wait-timeout", Input).disabled
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, WaitDialog))


async def test_wait_any_returns_with_the_first_job_done(
    run_app: AppRunner, engine: JobEngine
) -> None:
    slow = engine.start_job("sleep 30")
    fast = engine.start_job("sleep 1.5")
    async with run_app() as (app, pilot):
        await submit(pilot, f"Wait-Job -Id {slow.id},{fast.id} -Any")
        assert isinstance(app.screen, WaitDialog) and app.screen.any
        await until(pilot, lambda: not isinstance(app.screen, WaitDialog))
        texts = main_screen(app).console.texts()
        assert "Wait-Job: finished" not in texts
        assert any(line.startswith(str(fast.id)) and "Completed" in line for line in texts)
        assert slow.state is JobState.Running


async def test_escape_cancels_a_wait_and_the_jobs_go_on(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        await submit(pilot, f"Wait-Job -Id {job.id}")
        assert isinstance(app.screen, WaitDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, WaitDialog)  # at once, before the line has ended
        notice = "Wait-Job: cancelled; the jobs go on running."
        await until(pilot, lambda: notice in main_screen(app).console.texts())
        assert job.state is JobState.Running
        await until(pilot, lambda: main_screen(app).command_line.running_line is None)
        await pilot.pause(0.5)  # the waiting thread ended: no second report
        assert main_screen(app).console.texts().count(notice) == 1


async def test_wait_dialog_with_any_chosen_by_the_user(
    run_app: AppRunner, engine: JobEngine
) -> None:
    slow = engine.start_job("sleep 30")
    fast = engine.start_job("sleep 1.5")
    async with run_app() as (app, pilot):
        await pilot.press("escape", "space", "space", "w")
        dialog = app.screen
        assert isinstance(dialog, WaitDialog) and dialog.job_ids == [slow.id, fast.id]
        await pilot.click("#wait-any")
        await pilot.click("#wait-start")
        assert dialog.any
        await until(pilot, lambda: not isinstance(app.screen, WaitDialog))
        assert slow.state is JobState.Running


async def test_the_wait_dialog_says_any_once_chosen_and_enter_starts_from_the_mode(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        await pilot.press("escape", "w")
        dialog = app.screen
        assert isinstance(dialog, WaitDialog)

        def labels() -> list[str]:
            return [str(button.label) for button in dialog.query(RadioButton)]

        def text() -> str:
            return str(dialog.query_one("#wait-countdown").render())

        assert labels() == ["All ✓", "Any"]  # the choice reads without colour
        assert "wait for all 1 job" in text()
        await pilot.press("shift+tab", "down")  # from the timeout box to Any in the mode
        await pilot.press("enter")  # Enter in the mode chooses Any and starts
        await until(pilot, lambda: dialog.started)
        assert dialog.any and dialog.line == f"Wait-Job -Id {job.id} -Any"
        assert labels() == ["All", "Any ✓"]
        assert "Waiting for any one of 1 job" in text()
        assert f"PS> Wait-Job -Id {job.id} -Any" in main_screen(app).console.texts()
        await pilot.press("escape")
        await until(pilot, lambda: main_screen(app).command_line.running_line is None)


async def test_enter_on_the_wait_button_starts_and_a_choice_changes_the_text_at_once(
    run_app: AppRunner, engine: JobEngine
) -> None:
    engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        await pilot.press("escape", "w")
        dialog = app.screen
        assert isinstance(dialog, WaitDialog)
        await pilot.click("#wait-any")
        assert "any one of" in str(dialog.query_one("#wait-countdown").render())
        dialog.query_one("#wait-start").focus()
        await pilot.press("enter")
        await until(pilot, lambda: dialog.started)
        assert dialog.any
        await pilot.press("escape")


async def test_removing_a_running_job_asks_to_force_it(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        await pilot.press("escape", "x")
        assert isinstance(app.screen, ConfirmDialog)
        assert "SIGTERM" in str(app.screen.query_one("#confirm-detail").render())
        await pilot.press("enter")  # Cancel has the focus
        assert not isinstance(app.screen, ConfirmDialog)
        assert job in engine.jobs
        await pilot.press("x", "y")
        await until(pilot, lambda: job not in engine.jobs)
        await until(pilot, lambda: table(app).row_count == 0)
        assert job.state is JobState.Stopped


async def test_removing_a_finished_job_needs_no_question(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("true")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        await pilot.press("escape", "delete")
        assert not isinstance(app.screen, ConfirmDialog)
        await until(pilot, lambda: table(app).row_count == 0)
        assert job not in engine.jobs


async def test_stop_and_suspend_resume_keys(run_app: AppRunner, engine: JobEngine) -> None:
    job = engine.start_job("sleep 30")
    other = engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        await pilot.press("escape", "p")
        await until(pilot, lambda: job.state is JobState.Suspended)
        await pilot.press("p")
        await until(pilot, lambda: job.state is JobState.Running)
        await pilot.press("s")
        await until(pilot, lambda: job.state is JobState.Stopped)
        assert other.state is JobState.Running
        assert f"PS> Stop-Job -Id {job.id}" in main_screen(app).console.texts()


async def test_quitting_with_running_jobs_asks_to_stop_them(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        await pilot.press("escape", "q")
        assert isinstance(app.screen, ConfirmDialog)
        # The dialog says which keys answer it.
        keys = str(app.screen.query_one("#confirm-keys").render())
        assert "y" in keys and "n" in keys and "Esc" in keys and "Enter" in keys
        buttons = [str(button.label) for button in app.screen.query(Button)]
        assert buttons == ["Stop jobs and quit (y)", "Cancel (n, Esc)"]
        await pilot.press("escape")
        assert app.is_running and job.state is JobState.Running
        await pilot.press("ctrl+q")  # works from anywhere, the bar included
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await until(pilot, lambda: job.state.is_finished)
    assert app.return_code == 0


async def test_quitting_with_nothing_running_just_quits(
    run_app: AppRunner, engine: JobEngine
) -> None:
    async with run_app() as (app, pilot):
        await pilot.press("escape", "q")
        await pilot.pause()
        assert not app.is_running


async def test_help_lists_keys_and_the_language(run_app: AppRunner) -> None:
    async with run_app() as (app, pilot):
        await pilot.press("f1")  # works from the bar too
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one("#help-text").source  # type: ignore[attr-defined]
        for word in ("Receive-Job", "Wait-Job", "keep", "`/`", "`w`", "`Ctrl+P`"):
            assert word in text
        await pilot.press("question_mark")
        assert not isinstance(app.screen, HelpScreen)


async def test_the_command_palette_carries_the_job_actions(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("sleep 30", name="server")
    async with run_app() as (_app, pilot):
        await pilot.press("ctrl+p")
        await pilot.press(*"stop server")
        await pilot.pause(0.5)  # the palette searches in the background
        await pilot.press("enter")
        await until(pilot, lambda: job.state is JobState.Stopped)


async def test_the_palette_offers_only_the_actions_that_fit_each_jobs_state(
    run_app: AppRunner, engine: JobEngine
) -> None:
    done = engine.start_job("echo hi", name="done")
    running = engine.start_job("sleep 30", name="busy")
    paused = engine.start_job("sleep 30", name="paused")
    engine.wait_job([done])
    engine.suspend_job([paused])
    async with run_app() as (app, _pilot):
        titles = [title for title, _, _ in JobCommands(app.screen)._commands()]

        def offered(name: str) -> set[str]:
            return {title.split(f" {name} ")[0] for title in titles if f" {name} (" in title}

        assert offered("done") == {"Show details of", "Receive output of", "Restart", "Remove"}
        common = {
            "Show details of", "Receive output of", "Restart", "Remove", "Stop", "Send input to",
        }  # fmt: skip
        assert offered("busy") == common | {"Wait for", "Suspend"}
        assert offered("paused") == common | {"Resume"}  # Wait-Job would return at once
        assert running.state is JobState.Running
        assert " done (" in titles[0]  # the highlighted job's actions come first


async def test_notifications_when_jobs_complete_or_fail(
    run_app: AppRunner, engine: JobEngine
) -> None:
    async with run_app() as (app, pilot):
        await submit(pilot, "Start-Job -Name ok {true}")
        await submit(pilot, "Start-Job -Name bad {echo broken >&2; exit 9}")
        await until(pilot, lambda: len(app._notifications) >= 2)
        messages = {(n.message, n.severity) for n in app._notifications}
        assert ("ok completed: true", "information") in messages
        assert ("bad failed: Exit code 9: broken", "error") in messages


async def test_a_notification_is_one_short_line_clear_of_the_job_table(
    run_app: AppRunner, engine: JobEngine
) -> None:
    long_command = "true " + "x" * 5000  # completes: the toast quotes the command
    async with run_app() as (app, pilot):
        engine.start_job(long_command, name="long")
        await until(pilot, lambda: app.screen.query(Toast))
        await pilot.pause()
        (toast,) = app.screen.query(Toast)
        assert toast.region.height == 1
        assert toast.region.width <= app.size.width // 2
        assert len(app._notifications) == 1
        (notification,) = app._notifications
        assert "\n" not in notification.message and len(notification.message) < 300
        assert notification.message.endswith("…")
        # Over the lower pane's right half, above the key bar: not over the job table's
        # right-hand columns (the Command and Progress of the jobs it is about).
        screen = main_screen(app)
        panes, jobs = screen.query_one("#panes"), screen.query_one("#jobs")
        assert not toast.region.overlaps(jobs.region)
        assert panes.region.y <= toast.region.y and toast.region.bottom <= panes.region.bottom
        assert toast.region.right >= app.size.width - 2  # at the right, half the width at most
        assert notification.timeout <= 6


async def test_brackets_in_names_commands_and_filters_are_text_not_markup(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("echo '[/]' '[bold]x'; exit 1", name="[b]odd[/b]")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 1)
        await pilot.press("escape", "slash", "left_square_bracket", "enter")
        assert table(app).row_count == 1
        assert "[" in str(table(app).border_subtitle)
        await pilot.press("escape", "enter")  # the detail screen
        await pilot.pause()
        assert "[b]odd[/b]" in str(app.screen.query_one("#detail-title").render())
        await pilot.press("escape", "x", "y")  # it has unread output: x asks first
        await until(pilot, lambda: table(app).row_count == 0)
        # A failed job's notification with brackets in its reason, from the bar.
        await submit(pilot, "Start-Job {echo '[/red]' >&2; exit 2}")
        await until(
            pilot, lambda: any("[/red]" in n.message for n in app._notifications), timeout=8
        )


def _blocked_in(function: str) -> bool:
    """Whether some thread is inside ``function`` right now."""
    for frame in sys._current_frames().values():
        while frame is not None:
            if frame.f_code.co_name == function:
                return True
            frame = frame.f_back  # type: ignore[assignment]
    return False


async def _ends_soon(function: str) -> bool:
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        if not _blocked_in(function):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_quitting_during_a_wait_ends_the_waiting_thread(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        await submit(pilot, f"Wait-Job -Id {job.id} -Timeout 25")
        assert isinstance(app.screen, WaitDialog)
        await pilot.pause(0.2)
        assert _blocked_in("wait_job")
        app.exit()
    # A thread left blocked here would keep the process alive at exit for 25 s.
    assert await _ends_soon("wait_job")


async def test_quitting_during_a_blocking_line_ends_its_thread(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        await submit(pilot, f"Receive-Job -Id {job.id} -Wait")
        await pilot.pause(0.3)
        assert _blocked_in("receive_job_wait")
        app.exit()
    assert await _ends_soon("receive_job_wait")


async def test_a_typed_wait_job_is_echoed_once(run_app: AppRunner, engine: JobEngine) -> None:
    job = engine.start_job("sleep 1")
    async with run_app() as (app, pilot):
        await submit(pilot, f"wjb -Id {job.id}")
        await until(pilot, lambda: not isinstance(app.screen, WaitDialog))
        await until(pilot, lambda: main_screen(app).command_line.running_line is None)
        echoes = [line for line in main_screen(app).console.texts() if line.startswith("PS>")]
        assert echoes == [f"PS> wjb -Id {job.id}"]  # as typed, not normalised a second time
