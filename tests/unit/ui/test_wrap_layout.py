"""Which rows of which lines a wrapping view shows."""

from __future__ import annotations

from jobtui.ui.widgets.wrap_layout import Row, fits, layout, rows_for


def test_rows_for_counts_wrapped_rows_and_an_empty_line_takes_one() -> None:
    assert [rows_for(cells, 10) for cells in (0, 1, 10, 11, 25)] == [1, 1, 1, 2, 3]


def test_from_the_top_line_down_the_last_line_shown_may_be_cut() -> None:
    heights = {0: 1, 1: 3, 2: 2, 3: 1}
    asked: list[int] = []

    def rows_of(line: int) -> int:
        asked.append(line)
        return heights[line]

    assert layout(1, 4, 4, rows_of, from_end=False) == [
        Row(1, 0), Row(1, 1), Row(1, 2), Row(2, 0)
    ]  # fmt: skip
    assert asked == [1, 2]  # only the lines shown were measured


def test_from_the_end_the_last_rows_of_the_last_lines() -> None:
    heights = [1] * 999_998 + [3, 2]  # a million lines: only the last few are looked at
    asked: list[int] = []

    def rows_of(line: int) -> int:
        asked.append(line)
        return heights[line]

    assert layout(0, len(heights), 4, rows_of, from_end=True) == [
        Row(999_998, 1), Row(999_998, 2), Row(999_999, 0), Row(999_999, 1)
    ]  # fmt: skip
    assert asked == [999_999, 999_998]


def test_fits_measures_no_more_lines_than_rows() -> None:
    assert fits(3, 4, lambda line: 1)
    assert not fits(3, 4, lambda line: 2)
    asked: list[int] = []
    assert not fits(1_000_000, 40, lambda line: asked.append(line) or 1)  # type: ignore[func-returns-value]
    assert asked == []
