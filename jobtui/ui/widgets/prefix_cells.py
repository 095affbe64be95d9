"""How many terminal cells a prefix of a line takes, kept up to date edit by edit.

Textual 8.2.8's Input measures the whole value on every change: the cursor's cell offset is
``cell_len(expand_tabs_inline(value[:cursor]))`` and the content width is ``cell_len(value)``,
each several times per key. Typed one key at a time, a line of n characters cost n measurements
of up to n characters: 20 kB took 14 s here and 100 kB about 9.5 minutes. :class:`PrefixCells`
remembers one measured prefix (an anchor) and measures only the characters between it and the
position asked for; an edit keeps the anchor when it lies before the edit. Typing at the end of
the line then measures one character per key, whatever the line's length.

Widths are additive except around a tab (its width depends on the column it starts at, so a
measure goes forwards from the anchor's column, never backwards over a tab) and around the
zero width joiner and variation selector 16, which change the width of their neighbours: a
stretch with either of them is measured from the line's start, as Textual does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.cells import cell_len
from textual.expand_tabs import expand_tabs_inline

#: Tab stops every this many cells (as Textual's Input expands tabs).
TAB_SIZE = 4
#: Characters whose width depends on their neighbours (rich measures them in context).
_JOINERS = ("\u200d", "\ufe0f")


def advance(column: int, text: str, tab_size: int | None = TAB_SIZE) -> int:
    """The column after ``text`` drawn from ``column``; with a ``tab_size``, a tab goes to the
    next tab stop (without, it is a control character and takes no cell, as rich counts it)."""
    if tab_size is None or "\t" not in text:
        return column + cell_len(text)
    *parts, last = text.split("\t")
    for part in parts:
        column += cell_len(part)
        column += tab_size - column % tab_size
    return column + cell_len(last)


def _has_joiner(text: str) -> bool:
    return any(joiner in text for joiner in _JOINERS)


class PrefixCells:
    """The cell width of ``value[:position]`` for the line an Input holds, measured
    incrementally from the last position measured (the anchor)."""

    def __init__(self, tab_size: int | None = TAB_SIZE) -> None:
        self.tab_size = tab_size
        self._value = ""
        self._position = 0
        self._cells = 0
        #: Whether the text before the anchor holds a joiner.
        self._joined = False
        #: Set while an edit from this index on is made: the next value keeps the anchor.
        self._edit_start: int | None = None
        #: Characters measured since made (what a test can count: work, not time).
        self.measured = 0

    def cells(self, value: str, position: int) -> int:
        """Cells that ``value[:position]`` takes."""
        if value is not self._value:
            if self._edit_start is not None:
                self._edit_start = None  # the edited line: same up to the anchor
            elif value != self._value:
                return self._measure_from_start(value, position)
            self._value = value
        anchor = self._position
        if position == anchor:
            return self._cells
        if position <= 0:
            self._position = self._cells = 0
            self._joined = False
            return 0
        if position > anchor:
            stretch = value[max(anchor - 1, 0) : position]
            tabbed = self.tab_size is not None and "\t" in stretch
            if _has_joiner(stretch) or (tabbed and self._joined):
                # A joiner before a tab: Input's tab stops and its measure part ways.
                return self._measure_from_start(value, position)
            self._cells = advance(self._cells, value[anchor:position], self.tab_size)
        else:
            stretch = value[max(position - 1, 0) : anchor]
            if (self.tab_size is not None and "\t" in stretch) or _has_joiner(stretch):
                return self._measure_from_start(value, position)
            self._cells -= cell_len(value[position:anchor])
        self.measured += abs(position - anchor)
        self._position = position
        return self._cells

    @contextmanager
    def editing(self, value: str, start: int) -> Iterator[None]:
        """While ``value`` is changed from index ``start`` on (the text before it stays), so
        that the anchor, moved back to ``start`` if it was after it, holds for the new value."""
        if value is self._value or value == self._value:
            if self._position > start:
                self.cells(value, start)
            self._edit_start = start
        try:
            yield
        finally:
            self._edit_start = None

    def _measure_from_start(self, value: str, position: int) -> int:
        self._value = value
        self._position = position
        prefix = value[:position]
        self._joined = _has_joiner(prefix)
        if self.tab_size is not None and "\t" in prefix:
            # As Input measures: the tabs expanded, then the whole (joiners may touch a tab).
            prefix = expand_tabs_inline(prefix, self.tab_size)
        self._cells = cell_len(prefix)
        self.measured += position
        return self._cells
