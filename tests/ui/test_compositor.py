"""The main screen's compositor leaves no cyclic garbage for a line that fills its cut."""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence

from rich.segment import Segment
from textual.strip import Strip

from jobtui.ui.compositor import _divide


def _garbage_after(divide: Callable[[Strip, list[int]], Sequence[Strip]]) -> int:
    """Objects a full collection frees after one line is cut and dropped."""
    gc.collect()
    gc.disable()
    try:
        strip = Strip([Segment("a whole line")], 12)
        pieces = divide(strip, [12])
        assert [piece.text for piece in pieces] == ["a whole line"]
        del strip, pieces
        return gc.collect()
    finally:
        gc.enable()


def test_a_line_that_fills_its_cut_is_freed_when_dropped() -> None:
    assert _garbage_after(_divide) == 0


def test_textuals_own_divide_still_makes_the_cycle_this_avoids() -> None:
    # If Textual stops caching [self], this fails, and the override can go.
    assert _garbage_after(lambda strip, cuts: strip.divide(cuts)) > 0


def test_a_line_cut_in_pieces_is_cut_as_textual_cuts_it() -> None:
    strip = Strip([Segment("left"), Segment("right")], 9)
    assert [p.text for p in _divide(strip, [4, 9])] == ["left", "right"]
    assert [p.text for p in _divide(strip, [4, 12])] == ["left"]
