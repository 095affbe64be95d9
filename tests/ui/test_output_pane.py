"""The output pane: stderr styled, ANSI kept, escapes removed, following, keep, big transcripts."""

from __future__ import annotations

import itertools
import time

import pytest
from rich.style import Style

from jobtui.engine import Job, JobEngine, JobState
from jobtui.engine.snapshot import snapshot_of
from jobtui.ui import pacing
from jobtui.ui.widgets.keep_toggle import KeepToggle
from jobtui.ui.widgets.output_view import OutputView

from .conftest import AppRunner, cell, main_screen, submit, until


def unread_lines(job: Job) -> int:
    """Lines a receive without -Keep would still return (read from the live job)."""
    return snapshot_of(job).unread_lines


def output_view(app: object) -> OutputView:
    return main_screen(app).query_one("#output", OutputView)  # type: ignore[arg-type]


def row_text(view: OutputView, y: int) -> str:
    return "".join(segment.text for segment in view.render_line(y))


def row_styles(view: OutputView, y: int) -> list[Style | None]:
    return [segment.style for segment in view.render_line(y) if segment.text.strip()]


async def test_stdout_and_stderr_are_shown_in_order_with_stderr_styled(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("echo out-1; sleep 0.1; echo err-1 >&2; sleep 0.1; echo out-2")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        view = output_view(app)
        await until(pilot, lambda: view.line_count == 3)
        assert [row_text(view, y).strip(" ▍") for y in range(3)] == ["out-1", "err-1", "out-2"]
        error_color = view.get_component_rich_style("output-view--error").color
        text_styles = row_styles(view, 1)[1:]  # after the gutter mark
        assert text_styles and all(s is not None and s.color == error_color for s in text_styles)
        assert all(s is None or s.color != error_color for s in row_styles(view, 0)[1:])


async def test_ansi_colours_render_and_other_escapes_never_reach_the_terminal(
    run_app: AppRunner, engine: JobEngine
) -> None:
    evil = (
        r"printf '\033[31mred\033[0m plain \033]0;stolen-title\007\033]52;c;aGk=\007"
        r"\033[2J\033[H\033[?1049h\007bell\033[5Aend\n'"
    )
    job = engine.start_job(evil)
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        view = output_view(app)
        await until(pilot, lambda: view.line_count == 1)
        strip = view.render_line(0)
        text = "".join(segment.text for segment in strip)
        assert text.strip(" ▍") == "red plain bellend"
        assert not any(ch in text for ch in "\x1b\x07\x9b")
        red = next(segment.style for segment in strip if segment.text == "red")
        assert red is not None and red.color is not None and red.color.number == 1


async def test_the_pane_follows_the_end_and_stays_put_when_scrolled_up(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("seq 1 200; sleep 0.8; seq 201 400; sleep 0.8; seq 401 600; sleep 30")
    async with run_app() as (app, pilot):
        view = output_view(app)
        await until(pilot, lambda: view.line_count == 200)
        await pilot.pause()
        assert view.is_vertical_scroll_end and view.scroll_y > 0
        view.scroll_to(y=10, animate=False, immediate=True)
        await until(pilot, lambda: view.line_count == 400)
        await pilot.pause(0.2)
        assert view.scroll_y == 10  # reading: not dragged down
        view.scroll_end(animate=False, immediate=True)
        await until(pilot, lambda: view.line_count == 600)
        await pilot.pause(0.2)
        assert view.is_vertical_scroll_end  # back at the bottom: following again
        assert row_text(view, view.size.height - 1).strip(" ▍") == "600"
        assert job.state is JobState.Running


async def test_selecting_a_finished_job_shows_the_end_of_its_output(
    run_app: AppRunner, engine: JobEngine
) -> None:
    short = engine.start_job("echo short")
    long = engine.start_job("seq 1 300")
    engine.wait_job([short, long])
    async with run_app() as (app, pilot):
        view = output_view(app)
        await until(pilot, lambda: view.line_count == 1)
        await pilot.press("escape", "down")  # from a pane with no scrollbar to a long output
        await until(pilot, lambda: view.line_count == 300)
        await pilot.pause()
        assert view.is_vertical_scroll_end and view.following
        assert row_text(view, view.size.height - 1).strip(" ▍") == "300"


async def test_keep_on_leaves_output_unread_and_keep_off_receives_it(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("echo a; echo b")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        screen = main_screen(app)
        await until(pilot, lambda: output_view(app).line_count == 2)
        await pilot.pause(0.3)
        assert screen.keep
        assert cell(app, job, "more") == "True +2"  # shown, yet unread
        assert job.has_more_data
        await pilot.press("escape", "k")  # keep off: the pane receives what it shows
        assert not screen.query_one("#keep", KeepToggle).value
        await until(pilot, lambda: cell(app, job, "more") == "False")
        assert not job.has_more_data
        assert output_view(app).line_count == 2  # nothing disappears from the view
        # Keep back on: new output of another job stays unread.
        await pilot.press("k")
        other = engine.start_job("echo c")
        engine.wait_job([other])
        await until(pilot, lambda: main_screen(app).query_one("#jobs").row_count == 2)  # type: ignore[attr-defined]
        await pilot.press("down")
        await until(pilot, lambda: output_view(app).line_count == 1)
        await pilot.pause(0.3)
        assert cell(app, other, "more") == "True +1"


async def test_the_keep_toggle_can_be_clicked(run_app: AppRunner, engine: JobEngine) -> None:
    job = engine.start_job("echo a")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        await pilot.click("#keep")
        await until(pilot, lambda: cell(app, job, "more") == "False")
        assert main_screen(app).keep is False


async def test_receive_key_consumes_into_the_console(run_app: AppRunner, engine: JobEngine) -> None:
    job = engine.start_job("echo one; echo two >&2")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        screen = main_screen(app)
        await pilot.press("escape", "r")
        await until(pilot, lambda: cell(app, job, "more") == "False")
        texts = screen.console.texts()
        assert f"PS> Receive-Job -Id {job.id}" in texts
        assert "one" in texts and "two" in texts
        panes = screen.query_one("#panes")
        # A key's line ends as a typed one does: its output is shown in the Console.
        await until(pilot, lambda: panes.active == "console-tab")  # type: ignore[attr-defined]
        await pilot.press("c")
        assert panes.active == "output-tab"  # type: ignore[attr-defined]
        await pilot.press("c")
        assert panes.active == "console-tab"  # type: ignore[attr-defined]


async def test_a_million_lines_scroll_without_holding_them_in_widgets(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("seq 1 1000000")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        view = output_view(app)
        await until(pilot, lambda: view.line_count == 1_000_000, timeout=10)
        started = time.perf_counter()
        view.scroll_to(y=500_000, animate=False, immediate=True)
        middle = row_text(view, 0).strip(" ▍")
        view.scroll_end(animate=False, immediate=True)
        last = row_text(view, view.size.height - 1).strip(" ▍")
        view.scroll_home(animate=False, immediate=True)
        first = row_text(view, 0).strip(" ▍")
        elapsed = time.perf_counter() - started
        assert (first, middle, last) == ("1", "500001", "1000000")
        assert elapsed < 0.5
        assert len(view._strips) <= 2048 and len(view._blocks) <= 64


async def test_switching_to_a_running_job_starts_at_its_end_and_follows_it(
    run_app: AppRunner, engine: JobEngine
) -> None:
    finished = engine.start_job("seq 100")
    ticking = engine.start_job("for i in $(seq 300); do echo tick $i; sleep 0.05; done")
    engine.wait_job([finished])
    async with run_app() as (app, pilot):
        view = output_view(app)
        await until(pilot, lambda: view.line_count == 100)
        await pilot.pause()
        assert view.is_vertical_scroll_end  # the long finished job, scrolled to its end
        await pilot.press("escape", "down")
        await until(pilot, lambda: view.line_count > view.size.height + 10)
        count = view.line_count
        await until(pilot, lambda: view.line_count > count + 5)
        await pilot.pause()
        assert view.following and view.is_vertical_scroll_end
        last = row_text(view, view.size.height - 1).strip(" ▍")
        assert last == f"tick {view.line_count}"
        assert ticking.state is JobState.Running


#: Five records of 100 lines (a pause longer than the store's coalescing between them): a receive
#: through a line takes the records that end at or before it.
BLOCKS = "for i in 1 2 3 4 5; do seq $((i*100-99)) $((i*100)); sleep 0.4; done"


async def test_keep_off_receives_only_what_has_been_shown(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job(BLOCKS)
    engine.wait_job([job])
    assert job.transcript is not None and job.transcript.record_count == 5
    async with run_app() as (app, pilot):
        view = output_view(app)
        await until(pilot, lambda: view.line_count == 500)
        await pilot.press("escape")
        view.scroll_to(y=100, animate=False, immediate=True)  # lines 101 to about 118 shown
        await pilot.pause()
        assert not view.following
        await pilot.press("k")  # keep off: the pane receives what it has shown, no more
        await until(pilot, lambda: unread_lines(job) == 400)
        await pilot.pause(0.3)
        assert view.scroll_y == 100  # toggling keep did not move the pane
        assert unread_lines(job) == 400 and job.has_more_data
        title = str(main_screen(app).query_one("#output-title").render())
        assert "400 unread" in title
        # Scrolling down receives what comes into view; at the end, everything.
        view.scroll_to(y=250, animate=False, immediate=True)
        await until(pilot, lambda: unread_lines(job) == 300)
        view.scroll_end(animate=False, immediate=True)
        await until(pilot, lambda: not job.has_more_data)


async def test_keep_off_opens_a_job_at_its_first_unread_line(
    run_app: AppRunner, engine: JobEngine
) -> None:
    first = engine.start_job("echo one")
    job = engine.start_job(BLOCKS)
    engine.wait_job([first, job])
    async with run_app() as (app, pilot):
        view = output_view(app)
        await until(pilot, lambda: view.line_count == 1)
        await pilot.press("escape", "k")
        await until(pilot, lambda: not first.has_more_data)  # all of it was on screen
        await pilot.press("down")  # 500 unread lines: shown from the first, not the end
        await until(pilot, lambda: view.line_count == 500)
        await pilot.pause(0.3)
        assert view.scroll_y == 0 and not view.following
        assert unread_lines(job) == 500  # the first record ends below the screen
        await pilot.press("up", "down")  # back to it: on from where the receive got to
        await pilot.pause(0.3)
        assert view.scroll_y == 0
        view.scroll_to(y=95, animate=False, immediate=True)
        await until(pilot, lambda: unread_lines(job) == 400)
        await pilot.press("up", "down")
        await until(pilot, lambda: view.scroll_y == 100)  # the first unread line at the top


async def test_keep_off_consumes_nothing_while_the_console_is_shown(
    run_app: AppRunner, engine: JobEngine
) -> None:
    async with run_app() as (app, pilot):
        # Keep off, the Console instead of Output, back to the bar.
        await pilot.press("escape", "k", "c", "colon")
        job = engine.start_job("echo hidden")
        engine.wait_job([job])
        await until(pilot, lambda: main_screen(app).query_one("#jobs").row_count == 1)  # type: ignore[attr-defined]
        await pilot.pause(0.5)
        assert unread_lines(job) == 1
        await pilot.press("escape", "c")  # the Output pane again: now it is shown, and received
        await until(pilot, lambda: not job.has_more_data)


async def test_keep_off_opens_a_job_at_its_first_unread_line_from_the_console_too(
    run_app: AppRunner, engine: JobEngine
) -> None:
    first = engine.start_job("echo one")
    job = engine.start_job("seq 25")  # one record, taller than the pane
    engine.wait_job([first, job])
    async with run_app() as (app, pilot):
        view = output_view(app)
        await until(pilot, lambda: view.line_count == 1)
        await pilot.press("escape", "k", "c")  # keep off, then the Console
        await pilot.press("down")  # the Output pane comes back with the other job
        await until(pilot, lambda: view.line_count == 25)
        await pilot.pause(0.3)
        assert view.scroll_y == 0 and not view.following
        assert unread_lines(job) == 25
        assert "25 unread" in str(main_screen(app).query_one("#output-title").render())


async def test_a_quiet_screen_pulls_slowly_and_wakes_at_once_for_new_output(
    run_app: AppRunner, engine: JobEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pacing, "QUIET_PULLS", 3)
    monkeypatch.setattr(pacing, "SLOW", 60.0)  # only a wake-up can show what comes next
    async with run_app() as (app, pilot):
        pacer = main_screen(app).pull._pacer
        await until(pilot, lambda: pacer.sleeping)
        job = engine.start_job("echo woken")
        await until(pilot, lambda: output_view(app).line_count == 1)
        assert cell(app, job, "state") == "✓ Completed"
        await until(pilot, lambda: pacer.sleeping)  # and quiet again
        main_screen(app).console.append([("output", "from a command")])
        await until(pilot, lambda: not pacer.sleeping)


def output_title(app: object) -> str:
    return str(main_screen(app).query_one("#output-title").render())  # type: ignore[arg-type]


async def test_end_jumps_at_once_and_resumes_following_a_job_still_writing(
    run_app: AppRunner, engine: JobEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With animations on (as in a terminal), End used to animate towards where the end was
    while the end kept moving: the pane froze short of it and never followed again."""
    monkeypatch.setattr("textual.constants.TEXTUAL_ANIMATIONS", "full")
    job = engine.start_job("seq 1 300; while :; do echo tick; sleep 0.05; done")
    async with run_app() as (app, pilot):
        view = output_view(app)
        await until(pilot, lambda: view.line_count > 300)
        await until(pilot, lambda: "following" in output_title(app))
        view.focus()
        await pilot.press("pageup", "pageup")
        await until(pilot, lambda: not view.following)
        await until(pilot, lambda: "scrolled up" in output_title(app))
        await pilot.press("end")
        assert view.following and view.scroll_y == view.max_scroll_y  # at once, no animation
        count = view.line_count
        await until(pilot, lambda: view.line_count > count + 10)
        await pilot.pause(0.1)
        assert view.following and view.is_vertical_scroll_end
        assert "following" in output_title(app) and "scrolled up" not in output_title(app)
        await pilot.press("home")
        assert view.scroll_y == 0 and not view.following  # at once too
        await until(pilot, lambda: "scrolled up" in output_title(app))
        assert job.state is JobState.Running


async def test_tab_enters_the_pane_its_keys_show_and_escape_leaves_it_for_the_table(
    run_app: AppRunner, engine: JobEngine
) -> None:
    from jobtui.ui.screens.help import HELP_TEXT
    from jobtui.ui.widgets.key_bar import KeyBar

    job = engine.start_job("seq 100")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        screen = main_screen(app)
        view = output_view(app)
        await until(pilot, lambda: view.line_count == 100)
        await pilot.press("escape", "tab")
        assert app.focused is view
        keys, _palette = screen.query_one(KeyBar).labels()
        shown = [(label.shown, label.description) for label in keys]
        # The pane's own keys first (scrolling, then searching), then Esc, where a narrow key
        # bar still shows them.
        assert shown[:10] == [("Home", "Top"), ("End", "Follow"), ("PgUp/PgDn", "Page"),
                              ("w", "Wrap"), ("/", "Search"), ("n", "Next"), ("&", "Filter"),
                              ("e", "Stderr"), ("t", "Times"), ("esc", "Jobs")]  # fmt: skip
        assert all(label.enabled for label in keys[:10])
        await pilot.press("home")
        assert view.scroll_y == 0
        await pilot.press("escape")
        assert app.focused is screen.query_one("#jobs")
    assert "`Tab` from the job table moves into the pane" in HELP_TEXT
    assert "`Esc` goes back to the job table" in HELP_TEXT


def shown_rows(view: OutputView) -> list[str]:
    view._frame = None  # a new frame, as the compositor starts one
    return [row_text(view, y).lstrip("▍").rstrip() for y in range(view.size.height)]


async def test_w_wraps_long_lines_in_the_pane_and_again_cuts_them(
    run_app: AppRunner, engine: JobEngine
) -> None:
    long = "".join(f"{i:03d}-" for i in range(100))  # 400 characters, each stretch numbered
    job = engine.start_job(f"echo first; echo {long}; echo last")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        from jobtui.ui.widgets.key_bar import KeyBar

        view = output_view(app)
        await until(pilot, lambda: view.line_count == 3)
        await pilot.press("escape", "tab")
        keys, _palette = main_screen(app).query_one(KeyBar).labels()
        assert ("w", "Wrap") in [(label.shown, label.description) for label in keys]
        cut = shown_rows(view)[:3]
        assert cut == ["first", long[: len(cut[1])], "last"]  # cut at the edge
        assert len(cut[1]) < len(long)
        await pilot.press("w")
        await pilot.pause()
        assert view.wrap and view.virtual_size.width == 0  # nothing scrolls sideways
        rows = shown_rows(view)
        assert rows[0] == "first"
        end = rows.index("last")
        assert end > 2 and "".join(rows[1:end]) == long  # the whole line, on several rows
        await pilot.press("w")
        await pilot.pause()
        assert shown_rows(view)[:3] == cut


async def test_a_wrapped_pane_follows_the_end_and_measures_only_the_lines_shown(
    run_app: AppRunner, engine: JobEngine
) -> None:
    """A million lines, wrapped: scrolling is by lines, and only those on screen are read."""
    job = engine.start_job("seq 1 1000000 | sed 's/$/ ........................................"
                           "..........................................................  ....."
                           "..................................... end/'")  # fmt: skip
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        view = output_view(app)
        await until(pilot, lambda: view.line_count == 1_000_000, timeout=20)
        await pilot.press("escape", "tab", "w")
        await pilot.pause()
        assert view.wrap and view.following
        rows = shown_rows(view)
        # At the end, the last line's last row at the bottom.
        assert rows[-1].endswith(" end") and rows[-2].startswith("1000000 ")
        view._strips.clear()
        view.scroll_to(y=500_000, animate=False, immediate=True)
        await pilot.pause()
        rows = shown_rows(view)
        assert rows[0].startswith("500001 ") and not view.following
        assert rows[2].startswith("500002 ")  # each line takes two rows
        assert len(view._strips) <= view.size.height  # the lines on screen, no more
        await pilot.press("end")
        await pilot.pause()
        assert view.following and shown_rows(view)[-1].endswith(" end")


async def test_a_wrapped_pane_follows_a_running_job(run_app: AppRunner, engine: JobEngine) -> None:
    long = "x" * 150
    job = engine.start_job(
        f"for i in $(seq 400); do echo line $i {long}; sleep 0.005; done; sleep 30"
    )
    async with run_app() as (app, pilot):
        view = output_view(app)
        await until(pilot, lambda: view.line_count > 50)
        view.focus()
        await pilot.press("w")
        await until(pilot, lambda: view.line_count == 400, timeout=15)
        await pilot.pause(0.3)
        assert view.following
        rows = shown_rows(view)
        assert rows[-2].startswith("line 400 ")
        assert job.state is JobState.Running


async def test_the_console_wraps_too(run_app: AppRunner, engine: JobEngine) -> None:
    async with run_app(size=(60, 30)) as (app, pilot):
        screen = main_screen(app)
        await submit(pilot, "Receive-Job -Id 77")
        await until(pilot, lambda: screen.command_line.running_line is None)
        console = screen.query_one("#console", OutputView)
        await until(pilot, lambda: console.line_count == 2)
        error = screen.console.texts()[1]
        assert len(error) > 60
        await pilot.press("escape", "tab")
        assert app.focused is console
        await pilot.press("w")
        await pilot.pause()
        rows = shown_rows(console)
        assert rows[0] == "PS> Receive-Job -Id 77"
        assert "".join(rows[1:]).replace(" ", "") == error.replace(" ", "")


async def test_keep_off_with_wrap_receives_only_what_has_been_shown(
    run_app: AppRunner, engine: JobEngine
) -> None:
    long = "y" * 150  # two rows each, wrapped
    job = engine.start_job(
        f"for i in 1 2 3 4 5; do for j in $(seq 20); do echo $i.$j {long}; done; sleep 0.4; done"
    )
    engine.wait_job([job])
    assert job.transcript is not None and job.transcript.record_count == 5
    async with run_app() as (app, pilot):
        view = output_view(app)
        await until(pilot, lambda: view.line_count == 100)
        await pilot.press("escape", "tab", "w")
        view.scroll_to(y=20, animate=False, immediate=True)  # lines 21 to about 36, wrapped
        await pilot.pause()
        assert not view.following
        last = view.last_visible_line
        # Two rows a line: about half as many lines as rows have been shown.
        assert last is not None and 20 < last <= 20 + view.size.height // 2
        await pilot.press("escape", "k")  # keep off: receives the records shown in full
        await until(pilot, lambda: unread_lines(job) == 80)
        await pilot.pause(0.3)
        assert unread_lines(job) == 80


async def test_page_down_to_the_end_follows_again_at_once(
    run_app: AppRunner, engine: JobEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Animated, PgDn aimed at where the end was: it landed short of a moving end."""
    monkeypatch.setattr("textual.constants.TEXTUAL_ANIMATIONS", "full")
    engine.start_job("seq 1 300; while :; do echo tick; sleep 0.02; done")
    async with run_app() as (app, pilot):
        view = output_view(app)
        await until(pilot, lambda: view.line_count > 300)
        view.focus()
        await pilot.press("pageup")
        await until(pilot, lambda: not view.following)
        await pilot.press("pagedown", "pagedown", "pagedown")  # past where the end has got to
        assert view.following and view.scroll_y == view.max_scroll_y
        count = view.line_count
        await until(pilot, lambda: view.line_count > count + 10)
        await pilot.pause(0.1)
        assert view.following and view.is_vertical_scroll_end


async def test_paging_a_wrapped_pane_shows_every_line_once(
    run_app: AppRunner, engine: JobEngine
) -> None:
    long = "z" * 150  # two rows each
    job = engine.start_job(f"for i in $(seq 100); do echo L$i {long}; done")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        view = output_view(app)
        await until(pilot, lambda: view.line_count == 100)
        await pilot.press("escape", "tab", "w", "home")
        seen: list[str] = []
        tops = []
        while True:
            rows = shown_rows(view)
            tops.append(view.scroll_y)
            starts = [row.split()[0] for row in rows if row.startswith("L")]
            seen.extend(start for start in starts if start not in seen)
            if view.following:
                break
            await pilot.press("pagedown")
            assert len(tops) < 30
        assert seen == [f"L{i}" for i in range(1, 101)]  # none skipped
        # Each page moves by the lines it showed (about half the rows), the last to the end.
        assert all(b - a >= view.size.height // 2 - 1 for a, b in itertools.pairwise(tops[:-1]))
        await pilot.press("home", "pagedown", "pageup")
        assert view.scroll_y == 0


async def test_the_pane_title_counts_lines_exactly(run_app: AppRunner, engine: JobEngine) -> None:
    """Large counts were rounded (``235k lines``), so progress through a big job could not be
    seen: the title gives them in full, with thousands separators."""
    job = engine.start_job("seq 234567")
    engine.wait_job([job], timeout=30)
    async with run_app() as (app, pilot):
        await until(pilot, lambda: "234,567 lines" in output_title(app))
        assert "234,567 unread" in output_title(app)
