"""The queue in the app: time left, progress, the queue's order and dependencies in the table;
Restart as a key and a palette action; the Wait dialog's -Match; the detail's attempts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Input

from jobtui.data.config import LoadedConfig, load_config
from jobtui.engine import JobEngine, JobState
from jobtui.ui.actions import JobAction
from jobtui.ui.messages import JobActionRequested
from jobtui.ui.palette import JobCommands
from jobtui.ui.screens.detail import JobDetailScreen
from jobtui.ui.screens.wait_dialog import WaitDialog
from jobtui.ui.widgets.queue_facts import QueueFacts

from .conftest import AppRunner, cell, main_screen, submit, table, until
from .test_jobs_table import row_text


def gated(gate: Path, then: str = "true") -> str:
    """A command that waits for the file ``gate`` to exist, then runs ``then``."""
    return f"while [ ! -e '{gate}' ]; do sleep 0.02; done; {then}"


# -- the table ---------------------------------------------------------------------------------


async def test_the_table_shows_time_left_progress_queue_places_and_whom_a_job_waits_for(
    run_app: AppRunner, engine: JobEngine, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    engine.background_throttle_limit = 1
    timed = engine.start_job(gated(gate, "echo"), timeout_sec=600, name="timed")
    queued = [engine.start_job("printf 'fetch  75%%\\r'", name=f"q{i}") for i in range(3)]
    after = engine.start_job("true", name="after", depends_on=[timed])
    async with run_app(size=(160, 30)) as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 5)
        await until(pilot, lambda: "Progress" in row_text(table(app), 0))
        assert "TimeLeft" in row_text(table(app), 0)
        assert cell(app, timed, "left").strip() in ("10:00", "9:59")
        assert [cell(app, job, "progress") for job in queued] == [
            "queued 1", "queued 2", "queued 3",
        ]  # fmt: skip
        assert cell(app, after, "progress") == "after timed"
        gate.touch()
        await until(pilot, lambda: all(job.state is JobState.Completed for job in queued))
        await until(pilot, lambda: cell(app, queued[2], "progress").endswith(" 75%"))
        assert cell(app, timed, "left").strip() == ""
        await until(pilot, lambda: cell(app, after, "progress") == "")


async def test_a_session_with_no_queue_keeps_the_room_for_the_command(
    run_app: AppRunner, engine: JobEngine
) -> None:
    engine.wait_job([engine.start_job("true")])
    async with run_app() as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 1)
        header = row_text(table(app), 0)
        assert "Command" in header and "TimeLeft" not in header and "Progress" not in header


# -- Restart -----------------------------------------------------------------------------------


async def test_shift_r_restarts_a_stopped_job_through_the_bar_echoed_and_kept(
    run_app: AppRunner, engine: JobEngine, tmp_path: Path
) -> None:
    job = engine.start_job("sleep 30", name="server", working_directory=str(tmp_path))
    engine.stop_job([job])
    async with run_app() as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 1)
        await pilot.press("escape", "R")
        await until(pilot, lambda: table(app).row_count == 2)
        screen = main_screen(app)
        assert f"PS> Restart-Job -Id {job.id}" in screen.console.texts()
        assert screen.history.entries[-1] == f"Restart-Job -Id {job.id}"
        again = max(engine.get_job(), key=lambda j: j.id)
        assert (again.name, again.command) == ("server", "sleep 30")
        assert again.id != job.id and again.recipe is not None
        assert again.recipe.working_directory == str(tmp_path)
        engine.stop_job([again])


async def test_the_palette_offers_restart_and_runs_the_same_line(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("true", name="once")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 1)
        main_screen(app).post_message(JobActionRequested(JobAction.RESTART, [job.id]))
        await until(pilot, lambda: table(app).row_count == 2)
        assert f"PS> Restart-Job -Id {job.id}" in main_screen(app).console.texts()
        titles = [title for title, _help, _message in JobCommands(app.screen)._commands()]
        assert f"Restart once (Id {job.id}, Completed)" in titles


# -- the Wait dialog's -Match ------------------------------------------------------------------


async def test_the_wait_dialog_waits_for_a_line_that_matches_its_pattern(
    run_app: AppRunner, engine: JobEngine, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    job = engine.start_job(gated(gate, "echo 'Listening on :8080'; sleep 30"))
    async with run_app() as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 1)
        await pilot.press("escape", "w")
        dialog = app.screen
        assert isinstance(dialog, WaitDialog)
        dialog.query_one("#wait-match", Input).value = "Listening on"
        await pilot.click("#wait-start")
        await until(pilot, lambda: dialog.started)
        assert dialog.line == f"Wait-Job -Id {job.id} -Match 'Listening on'"
        assert "matches 'Listening on'" in str(dialog.query_one("#wait-countdown").render())
        assert dialog.query_one("#wait-match", Input).disabled
        gate.touch()
        await until(pilot, lambda: not isinstance(app.screen, WaitDialog))
        texts = main_screen(app).console.texts()
        assert f"PS> Wait-Job -Id {job.id} -Match 'Listening on'" in texts
        assert any("Listening on :8080" in text for text in texts)
        assert job.state is JobState.Running  # it waited for the line, not the end
        engine.stop_job([job])


async def test_a_bad_pattern_in_the_wait_dialog_is_one_line_and_runs_nothing(
    run_app: AppRunner, engine: JobEngine
) -> None:
    engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 1)
        await pilot.press("escape", "w")
        dialog = app.screen
        assert isinstance(dialog, WaitDialog)
        dialog.query_one("#wait-match", Input).value = "(unclosed"
        await pilot.click("#wait-start")
        await pilot.pause()
        assert dialog.line is None and isinstance(app.screen, WaitDialog)
        said = str(dialog.query_one("#wait-countdown").render())
        assert said.startswith("The pattern is not a valid regular expression")


async def test_a_typed_wait_job_match_shows_its_pattern_in_the_dialog(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        await submit(pilot, f"Wait-Job -Id {job.id} -Match 'ready' -Timeout 1")
        await until(pilot, lambda: isinstance(app.screen, WaitDialog) and app.screen.started)
        dialog = app.screen
        assert isinstance(dialog, WaitDialog)
        assert dialog.query_one("#wait-match", Input).value == "ready"
        await until(pilot, lambda: not isinstance(app.screen, WaitDialog))
        engine.stop_job([job])


# -- the detail screen -------------------------------------------------------------------------


def facts(screen: JobDetailScreen) -> str:
    """The queue section's text ("" until the screen is composed)."""
    found = list(screen.query("#queue-facts").results(QueueFacts))
    return str(found[0].render()) if found else ""


async def test_the_detail_lists_the_attempts_in_order_with_their_exit_codes(
    run_app: AppRunner, engine: JobEngine, tmp_path: Path
) -> None:
    count = tmp_path / "count"
    script = (
        f"n=$(cat '{count}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '{count}'; "
        '[ "$n" -ge 3 ] || exit $((n+4))'
    )
    gate = tmp_path / "gate"
    first = engine.start_job("true", name="first")
    job = engine.start_job(
        gated(gate, script),
        name="flaky",
        depends_on=[first],
        maximum_retry_count=3,
        retry_interval_sec=0.05,
    )
    async with run_app() as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 2)
        main_screen(app).act(JobAction.DETAIL, [job.id])
        await until(pilot, lambda: isinstance(app.screen, JobDetailScreen))
        screen = app.screen
        assert isinstance(screen, JobDetailScreen)
        await until(pilot, lambda: f"DependsOn  first (Id {first.id}, Completed)" in facts(screen))
        gate.touch()  # it runs, fails twice and then succeeds: the attempts join as they come
        await until(pilot, lambda: job.state is JobState.Completed)
        await until(pilot, lambda: ": Completed, exit 0" in facts(screen))
        text = facts(screen)
        assert "Attempts   3 of up to 4:" in text
        ids = [child.id for child in job.child_jobs]
        assert f"1. Job {ids[0]}: Failed, exit 5" in text
        assert f"2. Job {ids[1]}: Failed, exit 6" in text
        assert f"3. Job {ids[2]}: Completed, exit 0" in text
        assert text.index("1. Job") < text.index("2. Job") < text.index("3. Job")
        # Every attempt has its own properties, those that came after the screen opened too.
        await until(pilot, lambda: len(screen.query(".child-props")) == 3)


async def test_the_detail_shows_the_time_limit_and_a_progress_bar(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job(r"printf 'pulling layer  50%%\r'; sleep 30", timeout_sec=600)
    async with run_app() as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 1)
        main_screen(app).act(JobAction.DETAIL, [job.id])
        await until(pilot, lambda: isinstance(app.screen, JobDetailScreen))
        screen = app.screen
        assert isinstance(screen, JobDetailScreen)
        await until(pilot, lambda: "Progress" in facts(screen))
        text = facts(screen)
        assert "█" * 15 + "░" * 15 + " 50%" in text and "pulling layer" in text
        assert "TimeoutSec 600 (10:00)" in text and "left" in text
        engine.stop_job([job])


async def test_a_job_the_queue_did_nothing_to_has_no_queue_section(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("true")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        await until(pilot, lambda: table(app).row_count == 1)
        main_screen(app).act(JobAction.DETAIL, [job.id])
        await until(pilot, lambda: isinstance(app.screen, JobDetailScreen))
        await until(pilot, lambda: app.screen.query("#queue-facts"))
        await pilot.pause(0.3)
        assert not app.screen.query_one("#queue-facts").display


# -- notifications -----------------------------------------------------------------------------


def config_with(tmp_path: Path, text: str) -> LoadedConfig:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return load_config({}, path)


def toasts(app: object) -> list[str]:
    return [n.message for n in app._notifications]  # type: ignore[attr-defined]


async def test_the_hook_gets_a_finished_jobs_record_as_json(
    run_app: AppRunner, engine: JobEngine, tmp_path: Path
) -> None:
    out = tmp_path / "hook.jsonl"
    config = config_with(tmp_path, f"notify_hook = \"cat >> '{out}'; echo >> '{out}'\"\n")
    async with run_app(config=config) as (app, pilot):
        job = engine.start_job("exit 4", name="bad")
        await until(pilot, lambda: out.exists() and out.read_text().strip(), timeout=10)
        record = json.loads(out.read_text().splitlines()[0])
        assert record["event"] == "failed" and record["job"]["id"] == job.id
        assert record["job"]["state"] == "Failed"
        assert any("bad failed" in text for text in toasts(app))  # the toast as before


async def test_a_failing_hook_is_a_one_line_notice(
    run_app: AppRunner, engine: JobEngine, tmp_path: Path
) -> None:
    config = config_with(tmp_path, "notify_hook = \"echo 'hook broke' >&2; exit 2\"\n")
    async with run_app(config=config) as (app, pilot):
        engine.start_job("true")
        notice = "The hook failed (exit code 2): hook broke"
        await until(pilot, lambda: notice in toasts(app), timeout=10)


async def test_the_bell_rings_only_while_the_app_is_not_focused(
    run_app: AppRunner, engine: JobEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with run_app() as (app, pilot):
        rings: list[bool] = []
        monkeypatch.setattr(app, "bell", lambda: rings.append(True))
        first = engine.start_job("true", name="early")
        await until(pilot, lambda: any("early completed" in t for t in toasts(app)))
        assert first.state is JobState.Completed
        assert rings == []  # focused: the toast is enough
        app.app_focus = False
        engine.start_job("exit 1", name="late")
        await until(pilot, lambda: rings == [True], timeout=10)


async def test_a_line_that_starts_several_jobs_says_once_when_all_have_finished(
    run_app: AppRunner, engine: JobEngine
) -> None:
    async with run_app() as (app, pilot):
        await submit(pilot, "Start-Job { true }; Start-Job { exit 3 }; Start-Job { true }")
        line = "Start-Job { true }; Start-Job { exit 3 }; Start-Job { true }"
        title = f"“{line}”: all 3 jobs finished"
        await until(pilot, lambda: any(title in t for t in toasts(app)), timeout=10)
        said = [t for t in toasts(app) if title in t]
        assert len(said) == 1 and "2 completed, 1 failed" in said[0]


async def test_a_dependency_chain_says_once_when_its_last_job_has_finished(
    run_app: AppRunner, engine: JobEngine, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    async with run_app() as (app, pilot):
        build = engine.start_job(gated(gate), name="build")
        test = engine.start_job("true", name="test", depends_on=[build])
        engine.start_job("true", name="deploy", depends_on=[test])
        await until(pilot, lambda: table(app).row_count == 3)
        gate.touch()
        await until(pilot, lambda: any("Chain: all 3 jobs" in t for t in toasts(app)), timeout=10)
        await pilot.pause(0.5)
        chain = [t for t in toasts(app) if "Chain" in t]
        assert len(chain) == 1 and "3 completed: build, test, deploy" in chain[0]
