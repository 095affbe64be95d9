"""The command bar: running lines, inline errors, history kept between runs, completion."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input
from textual.widgets.input import Selection

from jobtui.engine import JobEngine, JobState
from jobtui.ui.app import JobApp
from jobtui.ui.screens.main import MainScreen
from jobtui.ui.widgets import command_bar as command_bar_module
from jobtui.ui.widgets.output_view import OutputView

from .conftest import AppRunner, bar, main_screen, submit, table, until


def console_text(screen: MainScreen) -> str:
    return "\n".join(screen.console.texts())


async def test_a_line_starts_a_job_and_its_result_shows_in_the_console(
    run_app: AppRunner, engine: JobEngine
) -> None:
    async with run_app() as (app, pilot):
        await submit(pilot, "Start-Job -Name hello {echo hello-from-job}")
        await until(pilot, lambda: engine.jobs and engine.jobs[0].state is JobState.Completed)
        await until(pilot, lambda: table(app).row_count == 1)
        screen = main_screen(app)
        assert bar(app).value == ""  # a line that ran is cleared from the bar
        assert "PS> Start-Job -Name hello {echo hello-from-job}" in console_text(screen)
        assert "hello" in console_text(screen)  # the job table Start-Job prints
        assert screen.query_one("#panes").active == "console-tab"  # type: ignore[attr-defined]
        assert table(app).highlighted_job_id == engine.jobs[0].id


async def test_typing_letters_in_the_bar_never_fires_job_keys(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 1)
        assert app.focused is bar(app)
        await pilot.press("s", "x", "q", "w", "r", "k", "p", "c", "question_mark", "colon", "slash")
        await pilot.pause(0.2)
        assert bar(app).value == "sxqwrkpc?:/"
        assert job.state is JobState.Running
        assert len(app.screen_stack) == 1  # no dialog or help screen was opened
        assert main_screen(app).keep is True


async def test_an_error_shows_inline_on_one_line_and_keeps_the_text(
    run_app: AppRunner, engine: JobEngine
) -> None:
    async with run_app() as (app, pilot):
        await submit(pilot, "Receive-Job -Id 77")
        screen = main_screen(app)
        status = screen.query_one("#bar-status")
        await until(pilot, lambda: status.has_class("-error"))
        assert "77" in str(status.render())
        assert 1 <= status.region.height <= 2  # under the bar, wrapped if it is long
        assert bar(app).value == "Receive-Job -Id 77"
        assert engine.jobs == []
        # Editing the line clears the error.
        await pilot.press("backspace")
        await pilot.pause()
        assert not status.has_class("-error")


async def test_a_syntax_error_is_reported_without_starting_anything(
    run_app: AppRunner, engine: JobEngine
) -> None:
    """An open brace continues the statement (PowerShell's ``>>``); an empty line ends the
    continuation, and the unfinished statement gets its error with nothing started."""
    async with run_app() as (app, pilot):
        await submit(pilot, "Start-Job {echo unbalanced")
        assert main_screen(app).command_line.continued == ["Start-Job {echo unbalanced"]
        await submit(pilot, "")
        status = main_screen(app).query_one("#bar-status")
        await until(pilot, lambda: status.has_class("-error"))
        assert bar(app).value == "Start-Job {echo unbalanced"
        assert engine.jobs == []


async def test_history_with_up_and_down_is_kept_between_runs(
    run_app: AppRunner, history_path: Path, engine: JobEngine
) -> None:
    async with run_app() as (app, pilot):
        await submit(pilot, "Get-Job")
        await submit(pilot, "Get-Job -State Running")
        await until(pilot, lambda: main_screen(app).command_line.running_line is None)
        command_bar = bar(app)
        command_bar.value = "draft"
        await pilot.press("up")
        assert command_bar.value == "Get-Job -State Running"
        await pilot.press("up")
        assert command_bar.value == "Get-Job"
        await pilot.press("up")  # the oldest stays
        assert command_bar.value == "Get-Job"
        await pilot.press("down", "down")
        assert command_bar.value == "draft"
    assert history_path.read_text().splitlines() == ["Get-Job", "Get-Job -State Running"]
    async with run_app() as (app, pilot):
        await pilot.press("up")
        assert bar(app).value == "Get-Job -State Running"


async def test_tab_completes_cmdlets_and_cycles_through_candidates(run_app: AppRunner) -> None:
    async with run_app() as (app, pilot):
        command_bar = bar(app)
        command_bar.value = "Receive-J"
        command_bar.cursor_position = len(command_bar.value)
        await pilot.press("tab")
        assert command_bar.value.lower() == "receive-job"
        command_bar.value = "Get-Job -"
        command_bar.cursor_position = len(command_bar.value)
        await pilot.press("tab")
        await pilot.pause()
        status = main_screen(app).query_one("#bar-status")
        offered = str(status.render())
        assert "-State" in offered and "-Name" in offered
        await pilot.press("tab")
        first = command_bar.value
        await pilot.press("tab")
        second = command_bar.value
        assert first.startswith("Get-Job -") and second.startswith("Get-Job -")
        assert first != second


async def test_tab_completes_job_names(run_app: AppRunner, engine: JobEngine) -> None:
    engine.start_job("true", name="builder")
    async with run_app() as (app, pilot):
        command_bar = bar(app)
        command_bar.value = "Get-Job -Name bui"
        command_bar.cursor_position = len(command_bar.value)
        await pilot.press("tab")
        assert command_bar.value == "Get-Job -Name builder"


async def test_escape_leaves_the_bar_and_colon_comes_back(run_app: AppRunner) -> None:
    async with run_app() as (app, pilot):
        assert app.focused is bar(app)
        await pilot.press("escape")
        assert app.focused is table(app)
        await pilot.press("colon")
        assert app.focused is bar(app)


async def test_a_blocking_line_streams_and_escape_cancels_it(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("echo first; sleep 30")
    async with run_app() as (app, pilot):
        screen = main_screen(app)
        await submit(pilot, f"Receive-Job -Id {job.id} -Wait")
        await until(pilot, lambda: "first" in screen.console.texts())
        assert screen.command_line.running_line is not None
        bar(app).focus()
        await pilot.press("escape")
        await until(pilot, lambda: screen.command_line.running_line is None)
        assert job.state is JobState.Running  # cancelling the wait leaves the job alone
        console = screen.query_one("#console", OutputView)
        assert console.line_count >= 2


async def test_typing_while_a_line_runs_goes_to_the_next_line_and_is_never_lost(
    run_app: AppRunner, engine: JobEngine
) -> None:
    engine.start_job("sleep 1.5; echo three-done", name="three")
    async with run_app() as (app, pilot):
        screen = main_screen(app)
        await submit(pilot, "Receive-Job -Name three -Wait")
        assert screen.command_line.running_line == "Receive-Job -Name three -Wait"
        assert bar(app).value == ""  # the line left the bar at once (it is in the console)
        assert "PS> Receive-Job -Name three -Wait" in screen.console.texts()
        await pilot.press(*"Get-Job")
        assert bar(app).value == "Get-Job"
        await until(pilot, lambda: screen.command_line.running_line is None)
        await pilot.pause()
        assert "three-done" in screen.console.texts()
        assert bar(app).value == "Get-Job"  # the end of the line left the new typing alone


async def test_a_line_entered_while_another_runs_is_queued_and_runs_after_it(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("sleep 1; echo first-done")
    async with run_app() as (app, pilot):
        screen = main_screen(app)
        await submit(pilot, f"Receive-Job -Id {job.id} -Wait")
        await submit(pilot, "Start-Job -Name second {echo second}")
        assert bar(app).value == ""
        status = str(screen.query_one("#bar-status").render())
        assert "Queued" in status and "Start-Job -Name second" in status
        assert len(engine.jobs) == 1  # not yet: it waits for the running line
        await until(pilot, lambda: len(engine.jobs) == 2)
        await until(pilot, lambda: screen.command_line.running_line is None)
        texts = screen.console.texts()
        assert texts.index("first-done") < texts.index("PS> Start-Job -Name second {echo second}")
        assert engine.jobs[1].name == "second"


async def test_twenty_quick_lines_make_twenty_jobs(run_app: AppRunner, engine: JobEngine) -> None:
    async with run_app() as (app, pilot):
        command_bar = bar(app)
        for _ in range(20):
            # Twenty Enters in a row, all before the first line has run.
            command_bar.post_message(Input.Submitted(command_bar, "sleep 30 &"))
        await until(pilot, lambda: len(engine.jobs) >= 20, timeout=15)
        await until(pilot, lambda: main_screen(app).command_line.running_line is None)
        assert len(engine.jobs) == 20
        assert command_bar.value == ""


async def test_after_an_error_the_text_is_kept_selected_so_typing_replaces_it(
    run_app: AppRunner, engine: JobEngine
) -> None:
    async with run_app() as (app, pilot):
        command_bar = bar(app)
        status = main_screen(app).query_one("#bar-status")
        await submit(pilot, "Wait-Job -Id 1")  # no such job: an error before anything runs
        await until(pilot, lambda: status.has_class("-error"))
        assert command_bar.value == "Wait-Job -Id 1"
        assert command_bar.selection == Selection(0, len("Wait-Job -Id 1"))
        await pilot.press(*"Get-Job")
        assert command_bar.value == "Get-Job"
        # An error from a line that ran: kept and selected too; End edits it instead.
        await submit(pilot, "Receive-Job -Id 77")
        await until(pilot, lambda: command_bar.value == "Receive-Job -Id 77")
        await pilot.pause()
        assert command_bar.selection == Selection(0, len("Receive-Job -Id 77"))
        assert status.has_class("-error")
        await pilot.press("end", "8")
        assert command_bar.value == "Receive-Job -Id 778"


async def test_an_error_never_overwrites_what_was_typed_meanwhile(
    run_app: AppRunner, engine: JobEngine
) -> None:
    engine.start_job("sleep 2", name="slow")
    async with run_app() as (app, pilot):
        screen = main_screen(app)
        await submit(pilot, "Receive-Job -Name slow -Wait; Receive-Job -Id 77")
        await pilot.press(*"Get-Job")
        assert screen.command_line.running_line is not None  # typed while the line ran
        await until(pilot, lambda: screen.command_line.running_line is None)
        await pilot.pause()
        assert bar(app).value == "Get-Job"
        assert screen.query_one("#bar-status").has_class("-error")


async def test_a_line_queued_behind_a_wait_job_runs_when_the_dialog_closes(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("sleep 1")
    async with run_app() as (app, pilot):
        screen = main_screen(app)
        command_bar = bar(app)
        # Typed ahead: the Wait-Job, then a line that needs it to have ended.
        command_bar.post_message(Input.Submitted(command_bar, f"Wait-Job -Id {job.id}"))
        command_bar.post_message(Input.Submitted(command_bar, f"Receive-Job -Id {job.id}"))
        await until(pilot, lambda: screen.command_line.queued)
        assert f"PS> Receive-Job -Id {job.id}" not in screen.console.texts()
        await until(pilot, lambda: job.state is JobState.Completed)
        await until(pilot, lambda: f"PS> Receive-Job -Id {job.id}" in screen.console.texts())
        await until(pilot, lambda: screen.command_line.running_line is None)
        assert not screen.command_line.queued


async def test_console_tables_fit_the_terminal_from_the_start_and_after_a_resize(
    run_app: AppRunner, engine: JobEngine
) -> None:
    engine.start_job("sleep 30", name="a-rather-long-job-name")
    async with run_app(size=(72, 30)) as (app, pilot):
        screen = main_screen(app)
        assert screen.service.width <= 72
        await submit(pilot, "Get-Job")
        await until(pilot, lambda: screen.command_line.running_line is None)
        texts = screen.console.texts()
        table = texts[texts.index("PS> Get-Job") + 1 :]
        assert table and all(len(line) < 72 for line in table)
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert 90 < screen.service.width < 100


async def test_the_cursor_stops_blinking_without_keys_and_blinks_again_at_a_key(
    run_app: AppRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(command_bar_module, "BLINK_TIMEOUT", 0.5)
    async with run_app() as (app, pilot):
        command_bar = bar(app)
        assert app.focused is command_bar
        timer = command_bar._blink_timer
        assert timer is not None
        await pilot.pause(1.3)  # past the timeout and the next tick of the blink
        assert not timer._active.is_set()  # no more redraws twice a second
        assert command_bar._cursor_visible  # the cursor stays on
        await pilot.press("a")
        assert timer._active.is_set()


def post_burst(app: JobApp, keys: list[str]) -> None:
    """Post ``keys`` to the app at once, as a burst from the terminal arrives (pilot.press waits
    for each key to be handled before it sends the next)."""
    characters = {"backspace": "\x7f", "enter": "\r", "ctrl+u": "\x15"}
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else characters.get(key)))


async def test_a_burst_of_keys_edits_the_bar_in_the_order_typed(
    run_app: AppRunner, engine: JobEngine
) -> None:
    """Keys that arrive together (a macro, a paste through tmux) are applied in order: the bar's
    own bindings (Backspace, Ctrl+U, Enter) do not wait behind the characters typed after them."""
    async with run_app() as (app, pilot):
        post_burst(app, [*"echo x", "ctrl+u", *"Get-Jo", "backspace", *"ob", "enter"])
        await until(pilot, lambda: "PS> Get-Job" in main_screen(app).console.texts())
        assert bar(app).value == ""
        assert main_screen(app).console.texts().count("PS> Get-Job") == 1


async def test_two_lines_in_one_burst_run_as_two_lines(
    run_app: AppRunner, engine: JobEngine
) -> None:
    """Enter takes the line out of the bar at once: keys typed right after it start the next
    line, they are not added to the one just entered (which would then run twice)."""
    async with run_app() as (app, pilot):
        post_burst(app, [*"Get-Job -Id 9", "enter", *"Get-Job", "enter"])
        texts = lambda: main_screen(app).console.texts()  # noqa: E731
        await until(pilot, lambda: "PS> Get-Job" in texts())
        await until(pilot, lambda: bar(app).value == "")
        echoes = [text for text in texts() if text.startswith("PS> ")]
        assert echoes == ["PS> Get-Job -Id 9", "PS> Get-Job"]


async def test_two_ups_in_one_burst_then_down_walk_the_history(
    run_app: AppRunner, engine: JobEngine
) -> None:
    """Key repeat sends Up twice before the bar has seen its first change: the bar still knows
    that both changes were its own, so Down steps back one entry (it used to think the user had
    typed, drop its place, and the next Up jumped to the newest entry)."""
    async with run_app() as (app, pilot):
        for line in ("Get-Job -Id 1", "Get-Job -Id 2", "Get-Job -Id 3"):
            await submit(pilot, line)
        await until(pilot, lambda: main_screen(app).command_line.running_line is None)
        command_bar = bar(app)
        post_burst(app, ["up", "up"])
        await until(pilot, lambda: command_bar.value == "Get-Job -Id 2")
        await pilot.pause()
        await pilot.press("down")
        assert command_bar.value == "Get-Job -Id 3"
        post_burst(app, ["up", "up", "up", "down"])
        await until(pilot, lambda: command_bar.value == "Get-Job -Id 2")
        await pilot.pause()
        await pilot.press("up")
        assert command_bar.value == "Get-Job -Id 1"


async def test_a_typed_change_after_browsing_ends_the_browsing(
    run_app: AppRunner, engine: JobEngine
) -> None:
    async with run_app() as (app, pilot):
        await submit(pilot, "Get-Job -Id 1")
        await submit(pilot, "Get-Job -Id 2")
        await until(pilot, lambda: main_screen(app).command_line.running_line is None)
        command_bar = bar(app)
        post_burst(app, ["up", "up", "backspace"])  # an edit in the same burst as the Ups
        await until(pilot, lambda: command_bar.value == "Get-Job -Id ")
        await pilot.pause()
        await pilot.press("up")  # from the newest again: the edited line is a new draft
        assert command_bar.value == "Get-Job -Id 2"
        await pilot.press("down")
        assert command_bar.value == "Get-Job -Id "


async def test_the_completion_row_goes_when_the_bar_is_cleared_or_changed(
    run_app: AppRunner,
) -> None:
    async with run_app() as (app, pilot):
        command_bar = bar(app)
        line = main_screen(app).command_line
        await pilot.press(*"Get-Job -", "tab")
        await pilot.pause()
        assert "-State" in line.status_text
        await pilot.press("tab")  # cycling keeps the row (it marks the candidate in the bar)
        await pilot.pause()
        assert "-State" in line.status_text and "[" in line.status_text
        await pilot.press("ctrl+u")
        await pilot.pause()
        assert command_bar.value == ""
        assert line.status_text == ""
        # Typed over: gone as well, and so is "No completions."
        await pilot.press(*"Get-Job -", "tab")
        await pilot.pause()
        assert "-State" in line.status_text
        await pilot.press("x")
        await pilot.pause()
        assert line.status_text == ""
        await pilot.press(*"yz", "tab")
        await pilot.pause()
        assert line.status_text == "No completions."
        await pilot.press("backspace")
        await pilot.pause()
        assert line.status_text == ""


async def test_a_pasted_line_ending_in_a_newline_runs_and_an_unfinished_one_stays(
    run_app: AppRunner, engine: JobEngine
) -> None:
    """Textual's Input keeps only the first line of a paste: the rest vanished without a word.
    Each line a paste ends runs as if Enter followed it; the text after the last stays."""
    async with run_app() as (app, pilot):
        screen = main_screen(app)
        command_bar = bar(app)
        await pilot.press(*"Start-Job -Name ")  # the first pasted line goes on what is typed
        text = (
            "one {echo A}\r\nStart-Job -Name two {echo B}\n\nStart-Job -Name three {echo C}\rGet-J"
        )
        app.post_message(events.Paste(text))
        await until(pilot, lambda: len(engine.jobs) == 3)
        await until(pilot, lambda: screen.command_line.running_line is None)
        assert [job.name for job in engine.jobs] == ["one", "two", "three"]
        echoes = [text for text in screen.console.texts() if text.startswith("PS> ")]
        assert echoes == [
            "PS> Start-Job -Name one {echo A}",
            "PS> Start-Job -Name two {echo B}",
            "PS> Start-Job -Name three {echo C}",
        ]
        assert command_bar.value == "Get-J"  # unfinished: left in the bar, cursor at its end
        assert command_bar.cursor_position == len("Get-J")
        assert app.history.entries[-3:] == [line[4:] for line in echoes]


async def test_a_long_error_wraps_under_the_bar_instead_of_being_cut(
    run_app: AppRunner, engine: JobEngine
) -> None:
    """The end of an error (the remoting error's hint about ssh) was cut at the edge."""
    async with run_app(size=(60, 30)) as (app, pilot):
        await submit(pilot, "Receive-Job -Id 77")
        status = main_screen(app).query_one("#bar-status")
        await until(pilot, lambda: status.has_class("-error"))
        await pilot.pause()
        message = str(status.render())
        assert len(message) > 60
        assert status.region.height >= 2
        shown = " ".join(
            "".join(segment.text for segment in status.render_line(y)).strip()
            for y in range(status.region.height)
        )
        assert " ".join(message.split()) == " ".join(shown.split())  # every word shown


async def test_an_open_statement_continues_at_a_double_prompt_and_runs_when_complete(
    run_app: AppRunner, engine: JobEngine
) -> None:
    """PowerShell's ``>>`` prompt: a trailing ``|`` (or an open brace) keeps the statement in
    the bar, and Enter on the line that completes it runs it all, once. Before, the first line
    ran alone and failed ("An empty pipe element is not allowed")."""
    async with run_app() as (app, pilot):
        screen = main_screen(app)
        command_line = screen.command_line
        prompt = command_line.query_one("#prompt")
        await submit(pilot, "Start-Job -Name one {echo A} |")
        await pilot.pause(0.1)
        assert command_line.continued == ["Start-Job -Name one {echo A} |"]
        assert str(prompt.render()) == ">>"
        assert engine.jobs == []  # nothing ran yet
        await submit(pilot, "Wait-Job")
        await until(pilot, lambda: command_line.running_line is None and len(engine.jobs) == 1)
        assert str(prompt.render()) == "PS>"
        assert command_line.continued == []
        echoes = [t for t in screen.console.texts() if t.startswith(("PS> ", ">> "))]
        assert echoes[-2:] == ["PS> Start-Job -Name one {echo A} |", ">> Wait-Job"]
        assert "ParserError" not in console_text(screen)
        assert app.history.entries[-2:] == ["Start-Job -Name one {echo A} |", "Wait-Job"]


async def test_a_pasted_multi_line_statement_runs_as_one(
    run_app: AppRunner, engine: JobEngine
) -> None:
    """A paste of a statement over several lines (an open brace) runs once it is complete."""
    async with run_app() as (app, pilot):
        screen = main_screen(app)
        app.post_message(events.Paste("Start-Job -Name multi {\necho one\necho two\n}\n"))
        await until(pilot, lambda: len(engine.jobs) == 1)
        await until(pilot, lambda: engine.jobs[0].state.is_finished)
        assert engine.jobs[0].name == "multi"
        assert screen.command_line.continued == []


async def test_escape_drops_an_open_statement(run_app: AppRunner, engine: JobEngine) -> None:
    async with run_app() as (app, pilot):
        command_line = main_screen(app).command_line
        await submit(pilot, "Get-Job |")
        await pilot.pause(0.1)
        assert command_line.continued
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert command_line.continued == []
        assert str(command_line.query_one("#prompt").render()) == "PS>"
        assert "dropped" in command_line.status_text


async def test_exit_in_the_bar_quits_as_q_does(run_app: AppRunner, engine: JobEngine) -> None:
    """``exit`` ends the session: with no job running, the app quits at once."""
    async with run_app() as (app, pilot):
        await submit(pilot, "exit")
        await until(pilot, lambda: app.return_code is not None or not app.is_running)
