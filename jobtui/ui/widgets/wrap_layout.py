"""Which rows of which lines a wrapping view shows: worked out for the visible lines only.

A view of millions of lines cannot know how many rows they all take once wrapped (it would
have to read and measure every line). So a wrapping view scrolls by lines, not rows: its scroll
offset is the line at the top, and a line that wraps to three rows takes three rows of the
screen but one step of the scrollbar. Only the lines on screen are measured.

At the end (following), the rows are laid out from the last line upwards, so the end of the
output sits at the bottom as it does unwrapped. Anywhere else they go downwards from the top
line; so that every line can be the top one, a wrapping view scrolls one screen further than
an unwrapped one would (the last position shows the end, laid out upwards).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple


class Row(NamedTuple):
    """One row of the screen: row ``part`` (from 0) of line ``line``, wrapped."""

    line: int
    part: int


def rows_for(cells: int, width: int) -> int:
    """Rows a line of ``cells`` cells takes wrapped at ``width`` (an empty line takes one)."""
    if width <= 0:
        return 1
    return max(1, -(-cells // width))


def layout(
    top: int, count: int, height: int, rows_of: Callable[[int], int], *, from_end: bool
) -> list[Row]:
    """The rows shown in ``height`` rows: from line ``top`` down, or (``from_end``) the last
    rows of the last lines. ``rows_of(line)`` says how many rows a line takes; it is asked of
    the lines shown and no others."""
    rows: list[Row] = []
    if height <= 0 or count <= 0:
        return rows
    if from_end:
        line = count - 1
        while line >= 0 and len(rows) < height:
            parts = rows_of(line)
            first = max(0, parts - (height - len(rows)))
            rows[:0] = [Row(line, part) for part in range(first, parts)]
            line -= 1
        return rows
    line = max(0, top)
    while line < count and len(rows) < height:
        parts = min(rows_of(line), height - len(rows))
        rows.extend(Row(line, part) for part in range(parts))
        line += 1
    return rows


def fits(count: int, height: int, rows_of: Callable[[int], int]) -> bool:
    """Whether all ``count`` lines fit in ``height`` rows, wrapped (measures at most ``height``
    lines: more lines than rows never fit)."""
    if count > height:
        return False
    total = 0
    for line in range(count):
        total += rows_of(line)
        if total > height:
            return False
    return True
