"""The Input dialog: lines into a Blocked job's stdin, Ctrl+D closes it, errors on one line."""

from __future__ import annotations

from textual.widgets import Input, Static

from jobtui.engine import JobEngine, JobState
from jobtui.ui.palette import JobCommands
from jobtui.ui.screens.input_dialog import InputDialog

from .conftest import AppRunner, main_screen, until


def transcript(job: object) -> list[str]:
    store = job.transcript  # type: ignore[attr-defined]
    return [text for _, text in store.lines(0, store.line_count)]


async def test_a_blocked_job_gets_lines_and_the_end_of_its_input(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("read line; echo got:$line; cat; echo eof-seen")
    async with run_app() as (app, pilot):
        await until(pilot, lambda: job.state is JobState.Blocked)
        await pilot.press("escape")
        keys = {b.binding.key for b in main_screen(app).active_bindings.values() if b.binding.show}
        assert "i" in keys  # in the footer while the table has the focus
        await pilot.press("i")
        assert isinstance(app.screen, InputDialog)
        await pilot.press(*"hello", "enter")
        await until(pilot, lambda: "got:hello" in transcript(job))
        dialog = app.screen
        assert dialog.query_one("#input-line", Input).value == ""
        status = dialog.query_one("#input-status", Static)
        await until(pilot, lambda: "Sent 6 bytes" in str(status.render()))  # from its worker
        assert f"PS> Send-JobInput -Id {job.id} 'hello'" in main_screen(app).console.texts()
        assert not any("hello" in line for line in main_screen(app).history.entries)  # no secret
        await pilot.press(*"more", "enter")
        await until(pilot, lambda: "more" in transcript(job))
        await pilot.press("ctrl+d")  # on an empty line: the end of file
        await until(pilot, lambda: job.state is JobState.Completed)
        assert transcript(job)[-1] == "eof-seen"
        # Input to a closed stdin: one line, in the error colour.
        await pilot.press(*"late", "enter")
        await until(pilot, lambda: status.has_class("-error"))
        assert "does not accept input" in str(status.render())
        assert status.region.height == 1
        await pilot.press("escape")
        assert not isinstance(app.screen, InputDialog)


async def test_ctrl_d_with_text_deletes_and_the_close_button_closes(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("cat; echo closed")
    async with run_app() as (app, pilot):
        await until(pilot, lambda: main_screen(app).query_one("#jobs").row_count == 1)  # type: ignore[attr-defined]
        await pilot.press("escape", "i")
        dialog = app.screen
        assert isinstance(dialog, InputDialog)
        await pilot.press(*"ab", "left", "ctrl+d")
        assert dialog.query_one("#input-line", Input).value == "a"
        assert job.state is not JobState.Completed
        await pilot.click("#input-close")
        await until(pilot, lambda: job.state is JobState.Completed)
        assert transcript(job) == ["closed"]


async def test_the_key_and_the_palette_only_offer_input_to_jobs_that_read_it(
    run_app: AppRunner, engine: JobEngine
) -> None:
    done = engine.start_job("true", name="done")
    reader = engine.start_job("cat", name="reader")
    engine.wait_job([done])
    async with run_app() as (app, pilot):
        titles = [title for title, _, _ in JobCommands(app.screen)._commands()]
        assert any(t.startswith("Send input to reader ") for t in titles)
        assert not any(t.startswith("Send input to done ") for t in titles)
        await pilot.press("escape", "i")  # the finished job is highlighted
        assert not isinstance(app.screen, InputDialog)
        assert any("does not read input" in n.message for n in app._notifications)
        assert reader.state is not JobState.Completed
