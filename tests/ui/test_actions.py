"""Keys and palette actions are cmdlet lines; keep off receives only what the user could read;
typing at the table never fires a job key by chance."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from jobtui.engine import Job, JobEngine, JobState
from jobtui.engine.snapshot import snapshot_of
from jobtui.ui.actions import JobAction
from jobtui.ui.messages import JobActionRequested
from jobtui.ui.screens import output_pane
from jobtui.ui.screens.confirm import ConfirmDialog
from jobtui.ui.widgets.output_view import OutputView

from .conftest import AppRunner, bar, main_screen, submit, table, until


def unread(job: Job) -> int:
    return snapshot_of(job).unread_lines


# -- every key is a line ------------------------------------------------------------------------


async def test_a_key_runs_its_cmdlet_line_echoed_and_kept_in_the_history(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 1)
        await pilot.press("escape", "p")
        await until(pilot, lambda: job.state is JobState.Suspended)
        await pilot.press("p", "s")
        await until(pilot, lambda: job.state is JobState.Stopped)
        texts = main_screen(app).console.texts()
        lines = [f"Suspend-Job -Id {job.id}", f"Resume-Job -Id {job.id}", f"Stop-Job -Id {job.id}"]
        assert [t for t in texts if t.startswith("PS> ")] == [f"PS> {line}" for line in lines]
        # The cmdlet's own output: Suspend-Job and Resume-Job print the job, as in plain mode.
        assert any(t.startswith(str(job.id)) and "Suspended" in t for t in texts)
        assert main_screen(app).history.entries[-3:] == lines


async def test_r_receives_in_a_worker_as_a_typed_line_does(
    run_app: AppRunner, engine: JobEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = engine.start_job("seq 3")
    engine.wait_job([job])
    threads: list[str] = []
    receive = engine.receive_job

    def recording(*args: object, **kwargs: object) -> object:
        threads.append(threading.current_thread().name)
        return receive(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "receive_job", recording)
    async with run_app() as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 1)
        await pilot.press("escape", "r")
        await until(pilot, lambda: "3" in main_screen(app).console.texts())
        assert threads and threading.main_thread().name not in threads
        assert f"PS> Receive-Job -Id {job.id}" in main_screen(app).console.texts()
        assert not job.has_more_data


async def test_the_palette_acts_on_a_job_the_filter_hides_or_one_removed_meanwhile(
    run_app: AppRunner, engine: JobEngine
) -> None:
    hidden = engine.start_job("sleep 30", name="hidden")
    engine.start_job("sleep 30", name="shown")
    gone = engine.start_job("true", name="gone")
    engine.wait_job([gone])
    async with run_app() as (app, pilot):
        screen = main_screen(app)
        await until(pilot, lambda: table(app).row_count == 3)
        await pilot.press("escape", "slash", *"shown", "enter")
        await until(pilot, lambda: table(app).row_count == 1)
        screen.post_message(JobActionRequested(JobAction.STOP, [hidden.id]))
        await until(pilot, lambda: hidden.state is JobState.Stopped)
        engine.remove_job(gone)
        screen.post_message(JobActionRequested(JobAction.STOP, [gone.id]))
        screen.post_message(JobActionRequested(JobAction.DETAIL, [gone.id]))
        screen.post_message(JobActionRequested(JobAction.WAIT, [gone.id]))
        await until(pilot, lambda: screen.command_line.running_line is None and app.is_running)
        await pilot.pause(0.3)
        assert app.is_running
        texts = screen.console.texts()
        assert f"PS> Stop-Job -Id {gone.id}" in texts
        assert any("cannot find a job with the job ID" in text for text in texts)


# -- keep off receives only what the user had a chance to read -----------------------------------


async def test_arrowing_past_jobs_with_keep_off_consumes_nothing(
    run_app: AppRunner, engine: JobEngine
) -> None:
    jobs = [engine.start_job(f"echo out{i}") for i in range(4)]
    engine.wait_job(jobs)
    async with run_app() as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 4)
        await pilot.press("escape", "k")
        await pilot.press("down", "down", "down")  # each shown for a moment only
        await pilot.pause(0.5)
        assert [unread(job) for job in jobs[:3]] == [1, 1, 1]
        assert all(job.has_more_data for job in jobs[:3])
        # The last one stays selected: after a second it is read.
        await until(pilot, lambda: not jobs[3].has_more_data, timeout=5)
        assert all(job.has_more_data for job in jobs[:3])


async def test_scrolling_the_pane_with_keep_off_receives_at_once(
    run_app: AppRunner, engine: JobEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output_pane, "DWELL", 60.0)  # only the scroll can count
    job = engine.start_job("for i in 1 2 3 4 5; do seq $((i*100-99)) $((i*100)); sleep 0.4; done")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        view = main_screen(app).query_one("#output", OutputView)
        await until(pilot, lambda: view.line_count == 500)
        await pilot.press("escape", "k")
        await pilot.pause(0.5)
        assert unread(job) == 500  # shown (at its end), but not yet read
        await pilot.press("tab")  # into the pane, where the keys scroll it
        assert app.focused is view
        await pilot.press("pageup")  # the user scrolls: what is on screen now counts as read
        await until(pilot, lambda: unread(job) == 100)
        await pilot.press("end")
        await until(pilot, lambda: not job.has_more_data)


# -- losing output by accident --------------------------------------------------------------------


async def test_x_asks_before_removing_a_job_with_unread_output(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("seq 300")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 1)
        await pilot.press("escape", "x")
        assert isinstance(app.screen, ConfirmDialog)
        assert "300 unread lines" in str(app.screen.query_one("#confirm-message").render())
        await pilot.press("n")
        await pilot.pause(0.3)
        assert job in engine.jobs
        await pilot.press("x", "y")
        await until(pilot, lambda: job not in engine.jobs)
        assert f"PS> Remove-Job -Id {job.id}" in main_screen(app).console.texts()


async def test_letters_typed_at_the_table_go_to_the_bar_and_stop_nothing(
    run_app: AppRunner, engine: JobEngine, history_path: Path
) -> None:
    job = engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 1)
        await pilot.press("escape")
        assert app.focused is table(app)
        await pilot.press(*"Get")  # G is bound to nothing: it moves to the bar and types itself
        assert app.focused is bar(app)
        assert bar(app).value == "Get"
        await pilot.press(*"-Job", "enter")
        await until(pilot, lambda: main_screen(app).command_line.running_line is None)
        assert "PS> Get-Job" in main_screen(app).console.texts()
        assert job.state is JobState.Running  # no s, no x, no p fired on the way


async def test_a_wait_on_a_blocked_job_says_how_to_give_it_input(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("read line; echo $line")
    async with run_app() as (app, pilot):
        await until(pilot, lambda: job.state is JobState.Blocked)
        await submit(pilot, f"Wait-Job -Id {job.id}")
        await until(pilot, lambda: main_screen(app).command_line.running_line is None)
        hint = f"Send-JobInput {job.id} 'text'"
        assert any(hint in text for text in main_screen(app).console.texts())
        await until(pilot, lambda: any(hint in n.message for n in app._notifications))


def test_the_help_says_when_keep_off_receives_and_that_keys_are_lines() -> None:
    from jobtui.ui.screens.help import HELP_TEXT

    text = " ".join(HELP_TEXT.split())
    assert "stayed selected for a second" in text and "Arrowing past jobs consumes nothing" in text
    assert "`PS> Stop-Job -Id 3`" in text and "types itself" in text
