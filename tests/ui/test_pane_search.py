"""The Output pane's search: / and ? as you type, n and N, highlights, k of N while the job
writes, a bad regex's one line; & filtering with context; stderr, times and timestamps."""

from __future__ import annotations

from rich.style import Style
from textual.widgets import Label

from jobtui.engine import Job, JobEngine
from jobtui.ui.screens.pane_search import PaneSearch, SearchBox
from jobtui.ui.widgets.output_view import OutputView

from .conftest import AppRunner, main_screen, table, until


def view_of(app: object) -> OutputView:
    return main_screen(app).query_one("#output", OutputView)  # type: ignore[arg-type]


def search_of(app: object) -> PaneSearch:
    return main_screen(app).pane_search  # type: ignore[arg-type]


def status(app: object) -> str:
    label = main_screen(app).query_one("#output-search-status", Label)  # type: ignore[arg-type]
    return str(label.render())


def row_text(view: OutputView, y: int) -> str:
    return "".join(segment.text for segment in view.render_line(y)).strip(" ▍")


def styled(view: OutputView, y: int, word: str, style_name: str) -> bool:
    """Whether ``word`` on row ``y`` is drawn with the component style ``style_name``."""
    wanted = view.get_component_rich_style(style_name, partial=True).bgcolor
    return any(
        word in segment.text
        and isinstance(segment.style, Style)
        and segment.style.bgcolor == wanted
        for segment in view.render_line(y)
    )


async def into_pane(pilot, app, job: Job) -> OutputView:  # type: ignore[no-untyped-def]
    view = view_of(app)
    await until(pilot, lambda: main_screen(app).shown_job_id == job.id)
    await until(pilot, lambda: view.line_count >= job.transcript.line_count > 0)  # type: ignore[union-attr]
    view.focus()
    await pilot.pause()
    return view


async def type_search(pilot, text: str, key: str = "slash") -> None:  # type: ignore[no-untyped-def]
    await pilot.press(key)
    await pilot.pause()
    await pilot.press(*text)
    await pilot.pause()


async def test_slash_searches_as_you_type_and_n_N_step_through_every_match(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("seq 1 500 | sed 's/^/line /'; echo 'Needle here'; seq 501 900")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        view = await into_pane(pilot, app, job)
        await pilot.press("home")
        await type_search(pilot, "line 3")
        search = search_of(app)
        # line 3, 30-39, 300-399: 111 lines; the first from the top is line 3 (index 2).
        await until(pilot, lambda: search.matches.count == 111 and search.matches.current == 0)
        assert "1 of 111" in status(app)
        top = round(view.scroll_y)
        shown = [row_text(view, y) for y in range(view.size.height)]
        current_row = shown.index("line 3")
        assert styled(view, current_row, "line 3", "output-view--current")
        await pilot.press("enter")
        assert app.focused is view
        await pilot.press("n")
        assert search.matches.current == 1 and "2 of 111" in status(app)
        assert search.matches.lines[1] == 29  # "line 30"
        await pilot.pause()
        shown = [row_text(view, y) for y in range(view.size.height)]
        assert styled(view, shown.index("line 30"), "line 3", "output-view--current")
        # Every visible match is marked, not only the current one.
        assert styled(view, shown.index("line 31"), "line 3", "output-view--match")
        assert not styled(view, shown.index("line 31"), "line 3", "output-view--current")
        await pilot.press("N", "N")
        # Round from the first match to the last: line 399.
        assert search.matches.lines[search.matches.current] == 398
        assert "111 of 111" in status(app)
        assert round(view.scroll_y) != top


async def test_question_mark_searches_backwards_from_where_the_pane_is(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("seq 1 300 | sed 's/^/row /'")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        await into_pane(pilot, app, job)  # at the end, following
        await type_search(pilot, "row 1", key="question_mark")
        search = search_of(app)
        await until(pilot, lambda: search.matches.current is not None)
        # Backwards from the end: the last "row 1..." line is row 199.
        assert search.matches.lines[search.matches.current] == 198
        await pilot.press("enter", "n")  # n goes on backwards
        assert search.matches.lines[search.matches.current] == 197


async def test_smart_case_and_the_regex_toggle(run_app: AppRunner, engine: JobEngine) -> None:
    job = engine.start_job("echo Error one; echo error two; echo 'a.c'; echo abc")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        await into_pane(pilot, app, job)
        search = search_of(app)
        await type_search(pilot, "error")
        await until(pilot, lambda: search.matches.count == 2)
        await pilot.press("ctrl+a", "ctrl+k", *"Error")
        await until(pilot, lambda: search.pattern == "Error" and search.search_id is None)
        assert search.matches.count == 1
        await pilot.press("ctrl+a", "ctrl+k", *"a.c")
        await until(pilot, lambda: search.pattern == "a.c" and search.search_id is None)
        assert search.matches.count == 1 and "text" in status(app)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: search.regex and search.search_id is None)
        assert search.matches.count == 2 and "regex" in status(app)


async def test_a_bad_regex_says_so_in_one_line_and_nothing_breaks(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("echo 'x(y'")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        await into_pane(pilot, app, job)
        await pilot.press("slash", "ctrl+r", "x", "(")
        await pilot.pause()
        text = status(app)
        assert text.startswith("Not a valid regex") and "\n" not in text
        assert main_screen(app).query_one("#output-search-status").has_class("-error")
        # A regex Python could backtrack on for hours: the service's one line.
        await pilot.press("ctrl+a", "ctrl+k", *"(a+)+$")
        await until(pilot, lambda: "repeats a repetition" in status(app))
        await pilot.press("ctrl+a", "ctrl+k", "x", "\\", "(")
        await until(pilot, lambda: search_of(app).matches.count == 1)
        assert app.is_running


async def test_the_count_goes_on_while_the_job_writes(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("for i in 1 2 3 4 5 6; do echo tick $i; sleep 0.3; done; read never")
    async with run_app() as (app, pilot):
        await until(pilot, lambda: main_screen(app).shown_job_id == job.id)
        view_of(app).focus()
        await type_search(pilot, "tick")
        search = search_of(app)
        await until(pilot, lambda: search.matches.count >= 1)
        await until(pilot, lambda: search.matches.count == 6, timeout=8)
        assert "of 6" in status(app) or "6 matches" in status(app)


async def test_esc_in_the_box_drops_the_search_and_its_marks(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("echo alpha; echo beta")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        view = await into_pane(pilot, app, job)
        await type_search(pilot, "beta")
        await until(pilot, lambda: search_of(app).matches.count == 1)
        await pilot.press("escape")
        assert app.focused is view
        assert not main_screen(app).query_one("#output-search").display
        assert search_of(app).highlight is None
        assert not any(styled(view, y, "beta", "output-view--match") for y in range(2))
        table(app)  # still the main screen
        assert isinstance(app.focused, OutputView)
        assert not isinstance(app.focused, SearchBox)


def shown_rows(view: OutputView) -> list[str]:
    return [row_text(view, y) for y in range(min(view.line_count, view.size.height))]


async def test_ampersand_shows_only_matching_lines_with_context_and_is_remembered(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job(
        "for i in $(seq 1 40); do echo step $i; done; echo 'boom 1'; seq 41 60; echo boom 2"
    )
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        view = await into_pane(pilot, app, job)
        await type_search(pilot, "boom", key="ampersand")
        search = search_of(app)
        await until(pilot, lambda: view.line_count == 2)
        assert shown_rows(view) == ["boom 1", "boom 2"]
        await pilot.press("enter")
        assert app.focused is view
        await pilot.press("plus")
        await until(pilot, lambda: view.line_count == 6)
        assert shown_rows(view) == ["step 40", "boom 1", "41", "--", "60", "boom 2"]
        assert "context 1" in status(app)
        await pilot.press("minus")
        await until(pilot, lambda: view.line_count == 2)
        # Esc in the box drops the filter: the whole transcript again.
        await pilot.press("ampersand")
        assert search.box.value == "boom"
        await pilot.press("escape")
        await until(pilot, lambda: view.line_count == job.transcript.line_count)  # type: ignore[union-attr]
        # The last filter comes back with &.
        await pilot.press("ampersand")
        assert search.box.value == "boom"
        await pilot.press("enter")
        await until(pilot, lambda: view.line_count == 2)


async def test_e_and_E_go_to_the_next_and_previous_stderr_record(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job(
        "seq 1 100; sleep 0.1; echo first-error >&2; sleep 0.1; seq 101 200; sleep 0.1;"
        " echo second-error >&2; sleep 0.1; seq 201 300"
    )
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        view = await into_pane(pilot, app, job)
        await pilot.press("home", "e")
        search = search_of(app)
        await until(pilot, lambda: search.cursor_line() == 100)
        assert "first-error" in shown_rows(view)
        await pilot.press("e")
        await until(pilot, lambda: search.cursor_line() == 201)
        assert "second-error" in shown_rows(view)
        await pilot.press("E")
        await until(pilot, lambda: search.cursor_line() == 100)
        await pilot.press("E")
        assert search.cursor_line() == 100  # none before: it stays, and says so
        await until(pilot, lambda: any("no stderr before" in n.message for n in app._notifications))


async def test_timestamps_show_each_lines_time_and_at_goes_to_a_time(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("echo early; sleep 3; echo late")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        view = await into_pane(pilot, app, job)
        await pilot.press("t")
        await pilot.pause()
        times = [text.split()[0] for text in shown_rows(view)]
        assert [text.split()[1] for text in shown_rows(view)] == ["early", "late"]
        assert all(len(t) == 12 and t[2] == ":" and t[8] == "." for t in times)
        assert times[0] < times[1]
        await pilot.press("t")
        await pilot.pause()
        assert shown_rows(view) == ["early", "late"]
        # Two seconds ago: after the early line, so the late one (the lines are 3 s apart, so a
        # slow machine has 2 s between the job's end and this key before "ago" passes both).
        await pilot.press("home", "at", *"2s", "enter")
        search = search_of(app)
        await until(pilot, lambda: search.cursor_line() == 1)
        # A bad time: one line in the box's status.
        await pilot.press("at", *"soon", "enter")
        assert status(app).startswith('Not a time: "soon"')
