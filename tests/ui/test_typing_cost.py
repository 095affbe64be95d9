"""Typing into an Input costs the same however long its line: measured incrementally, one
Changed event per burst, a burst of characters typed as one."""

from __future__ import annotations

import random

import pytest
import rich.cells
from rich.cells import cell_len
from textual import events
from textual.expand_tabs import expand_tabs_inline
from textual.message import Message
from textual.widgets import Input

from jobtui.ui.widgets.prefix_cells import PrefixCells

from .conftest import AppRunner, bar, until
from .test_command_bar import post_burst


@pytest.fixture
def measured(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every string rich measures from now on (past its small-string cache)."""
    lengths: list[int] = []
    original = rich.cells._cell_len

    def counting(text: str, unicode_version: str) -> int:
        lengths.append(len(text))
        return original(text, unicode_version)

    monkeypatch.setattr(rich.cells, "_cell_len", counting)
    return lengths


async def test_a_key_at_the_end_of_a_long_line_measures_what_it_typed(
    run_app: AppRunner, measured: list[int]
) -> None:
    """Textual's Input measured the whole line several times per key (quadratic typing)."""
    async with run_app() as (app, pilot):
        command_bar = bar(app)
        command_bar.value = "x" * 20_000
        command_bar.cursor_position = 20_000
        await pilot.pause()
        measured.clear()
        for character in "Get-Job -Id 1":  # handled one key at a time, as typed
            await command_bar._on_key(events.Key(character, character))
        assert command_bar.value == "x" * 20_000 + "Get-Job -Id 1"
        assert command_bar.cursor_position == len(command_bar.value)
        # Thirteen keys measured less than the line once (the old way: 3 x 20,000 per key).
        assert sum(measured) < 20_000
        # Where the cursor is drawn is still right.
        assert command_bar._cursor_offset == len(command_bar.value) + 1


async def test_a_burst_of_keys_posts_a_few_changed_events_with_the_last_value(
    run_app: AppRunner,
) -> None:
    """5,000 keys queued at once were 5,000 Changed events, each holding the whole line (100 kB
    of keys held 5 GB): now one waits at a time, and it carries the newest value."""
    async with run_app() as (app, pilot):
        command_bar = bar(app)
        values: list[str] = []
        handle = command_bar._on_message

        async def counting(message: Message) -> None:
            if isinstance(message, Input.Changed):
                values.append(message.value)
            await handle(message)

        command_bar._on_message = counting  # type: ignore[method-assign]
        text = "".join(random.Random(5).choice("abcdef ") for _ in range(5000))
        post_burst(app, list(text))
        await until(pilot, lambda: command_bar.value == text)
        await pilot.pause()
        assert values and values[-1] == text
        assert len(values) < 50


async def test_keys_and_bindings_in_a_burst_still_apply_in_order(run_app: AppRunner) -> None:
    async with run_app() as (app, pilot):
        command_bar = bar(app)
        post_burst(app, [*"abc", "backspace", *"de", "left", "left", *"XY", "ctrl+u", *"fin"])
        await until(pilot, lambda: command_bar.value == "finde")
        assert command_bar.cursor_position == 3


def oracle(value: str, position: int) -> int:
    """How Textual's Input measures the cursor's offset."""
    return cell_len(expand_tabs_inline(value[:position], 4))


def test_prefix_cells_agree_with_a_full_measure_through_random_edits() -> None:
    chooser = random.Random(7)
    alphabet = ["a", "b", " ", "\t", "é", "語", "😀", "\u200d", "\ufe0f", "x"]
    cursor_cells, content_cells = PrefixCells(), PrefixCells(tab_size=None)
    value = ""
    for _ in range(3000):
        start = chooser.randint(0, len(value))
        end = chooser.randint(start, min(len(value), start + 3))
        text = "".join(chooser.choice(alphabet) for _ in range(chooser.randint(0, 3)))
        with cursor_cells.editing(value, start), content_cells.editing(value, start):
            value = value[:start] + text + value[end:]
            for position in (start + len(text), chooser.randint(0, len(value))):
                assert cursor_cells.cells(value, position) == oracle(value, position)
            assert content_cells.cells(value, len(value)) == cell_len(value)
    # A value set outright (not an edit) is measured afresh.
    assert cursor_cells.cells("\tz", 2) == oracle("\tz", 2)


async def test_a_burst_into_a_restricted_input_judges_each_character() -> None:
    """Typed together, the characters of a burst are still judged one by one by a number box:
    the letter is refused, the digits around it kept."""
    from textual.app import App, ComposeResult

    from jobtui.ui.widgets.ordered_input import OrderedInput

    class Box(App[None]):
        def compose(self) -> ComposeResult:
            yield OrderedInput(type="integer")

    app = Box()
    async with app.run_test() as pilot:
        box = app.query_one(OrderedInput)
        box.focus()
        await pilot.pause()
        post_burst(app, list("12a3"))  # type: ignore[arg-type]
        await until(pilot, lambda: box.value == "123")  # type: ignore[arg-type]
