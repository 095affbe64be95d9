"""A scrolling view of a line source that draws only the lines on screen (Textual's Line API).

Modelled on toolong's log view: the lines stay in the engine's store (memory or spill file);
the view reads the block of lines around what it shows, turns each visible line into a styled
strip once (ANSI colours kept, every other escape removed) and keeps a few of both in small LRU
caches. A job with millions of lines costs the same to show as one with a hundred.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from jobtui.ui.sanitize import to_text
from jobtui.ui.sources import LineSource
from jobtui.ui.widgets.wrap_layout import Row, fits, layout, rows_for

#: Lines read from the source at a time.
BLOCK = 256
GUTTER = "▍"


class OutputView(ScrollView, can_focus=True):
    """Shows a :class:`LineSource`; follows the end while scrolled to the bottom.

    With a transcript it draws a one-cell gutter that marks the lines a receive has not yet
    consumed, so keep and receive can be seen working.

    Home and End jump at once: an animated scroll over a transcript that grows while it runs
    ends where the end *was*, short of the end, and the view would never follow again.

    ``w`` wraps long lines (see wrap_layout: only the lines on screen are measured).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "scroll_home", "Top", key_display="Home", id="output.top"),
        Binding("end", "scroll_end", "Follow", key_display="End", id="output.follow"),
        Binding("pageup", "page_up", "Page", key_display="PgUp/PgDn", id="output.page_up"),
        Binding("w", "toggle_wrap", "Wrap", id="output.wrap"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "output-view--error",
        "output-view--info",
        "output-view--echo",
        "output-view--unread",
        "output-view--match",
        "output-view--current",
        "output-view--time",
    }

    class FollowingChanged(Message):
        """The view started or stopped following the end (``following``)."""

        def __init__(self, view: OutputView, following: bool) -> None:
            super().__init__()
            self.view = view
            self.following = following

        @property
        def control(self) -> OutputView:
            """The view (for ``@on(OutputView.FollowingChanged, selector)``)."""
            return self.view

    def __init__(
        self,
        source: LineSource | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._source: LineSource | None = None
        self._blocks: LRUCache[int, list[tuple[str, str]]] = LRUCache(64)
        self._strips: LRUCache[int, Strip] = LRUCache(2048)
        self._line_count = 0
        self._seen: tuple[int, int] | None = None
        self._widest = 0
        self._unread_from: int | None = None
        self._styles: dict[str, Style] | None = None
        self._frame: tuple[Style, int, int, int] | None = None
        self._pending_top: int | None = None
        self._following = True
        self._wrap = False
        #: Wrapping: whether every line fits on screen (then nothing scrolls).
        self._fits = True
        #: Wrapping: the rows of this frame.
        self._rows: list[Row] = []
        self._highlight: re.Pattern[str] | None = None
        self._current_line: int | None = None
        self._line_prefix: Callable[[int], str] | None = None
        if source is not None:
            self.attach(source)

    @property
    def source(self) -> LineSource | None:
        """What the view shows."""
        return self._source

    @property
    def following(self) -> bool:
        """Whether new lines scroll the view: true at the bottom, false once scrolled up."""
        return self._following

    @following.setter
    def following(self, following: bool) -> None:
        if following != self._following:
            self._following = following
            self.post_message(self.FollowingChanged(self, following))

    @property
    def wrap(self) -> bool:
        """Whether long lines wrap (else they are cut at the edge and scroll sideways)."""
        return self._wrap

    @wrap.setter
    def wrap(self, wrap: bool) -> None:
        if wrap == self._wrap:
            return
        following = self.following
        self._wrap = wrap
        self._frame = None
        # The top line stays the top line: the scroll offset is a line in both modes.
        self.scroll_to(x=0, animate=False, immediate=True)
        self._update_virtual_size()
        if following:
            self.call_after_refresh(self._to_end)
        self.refresh()

    def mark(
        self,
        highlight: re.Pattern[str] | None,
        current_line: int | None = None,
        line_prefix: Callable[[int], str] | None = None,
    ) -> None:
        """Highlight every match of ``highlight`` (those of ``current_line`` brighter), and put
        ``line_prefix(line)`` before each line (a timestamp); the lines are drawn again."""
        marks = (highlight, current_line, line_prefix)
        if marks == (self._highlight, self._current_line, self._line_prefix):
            return
        if line_prefix is not self._line_prefix or highlight is not self._highlight:
            self._strips.clear()
            self._widest = 0
        else:
            for line in (self._current_line, current_line):
                if line is not None:
                    self._strips.discard(line)
        self._highlight, self._current_line, self._line_prefix = marks
        self._frame = None
        if self._wrap:
            self._update_virtual_size()
        self.refresh()

    def action_toggle_wrap(self) -> None:
        """Wrap long lines, or cut them again."""
        self.wrap = not self.wrap

    @property
    def line_count(self) -> int:
        """Lines the view knows of (as of the last :meth:`sync`)."""
        return self._line_count

    @property
    def last_visible_line(self) -> int | None:
        """The number of the source's line at the bottom of the view; None if none is shown."""
        height = self.scrollable_content_region.height
        if not self._line_count or height <= 0 or self._pending_top is not None:
            return None
        if not self._wrap:
            return min(self._line_count, self.scroll_offset.y + height) - 1
        base, width = self.rich_style, self._body_width(self.scrollable_content_region.width)
        rows = self._layout(self.scroll_offset.y, width, height, base)
        if not rows:
            return None
        line, part = rows[-1]
        # A line cut off at the bottom has not all been shown.
        whole = part == self._rows_of(line, width, base) - 1
        last = line if whole else line - 1
        return last if last >= 0 else None

    def attach(self, source: LineSource | None, *, top: int | None = None) -> None:
        """Show ``source`` from its end, following it (or from line ``top``, or nothing)."""
        self._source = source
        self._reset()
        self._seen = None
        self._line_count = 0
        self.following = True
        # No scroll to the top first: judged against the previous source's height, it would
        # look like the user scrolling up and stop the following. sync() sizes the view for the
        # new source and scrolls to its end.
        self.scroll_to(x=0, animate=False, immediate=True)
        self._pending_top = top
        self.sync()
        self._scroll_to_top_line()

    def _scroll_to_top_line(self) -> None:
        # A hidden view (another tab) has no height yet: the line waits for its first resize.
        top = self._pending_top
        if top is None or not self.size.height:
            return
        self._pending_top = None
        if top < self.max_scroll_y:
            # Short of the end: watch_scroll_y turns the following off.
            self.scroll_to(y=top, animate=False, immediate=True, force=True)

    def _reset(self) -> None:
        self._blocks.clear()
        self._strips.clear()
        self._widest = 0

    def sync(self) -> bool:
        """Take what changed in the source; True if anything did. Cheap when nothing did."""
        source = self._source
        if source is None:
            if self._seen is not None or self._line_count:
                self._seen = None
                self._line_count = 0
                self.virtual_size = Size(0, 0)
                self.refresh()
            return False
        seen = (source.generation, source.version)
        if seen == self._seen:
            return False
        old_count = self._line_count
        count = source.line_count
        if self._seen is None or seen[0] != self._seen[0] or count < old_count:
            self._reset()
        elif old_count:
            # Only the last line known can have grown (a partial line completed since).
            last = old_count - 1
            self._blocks.discard(last // BLOCK)
            self._strips.discard(last)
        self._seen = seen
        self._unread_from = source.unread_from()
        self._line_count = count
        self._update_virtual_size()
        if self.following and not self.is_vertical_scrollbar_grabbed:
            self._to_end()
        self.refresh()
        return True

    def _to_end(self) -> None:
        # Forced: until the next layout the scrollbar may still say there was nothing to scroll
        # (the view showed a shorter source), and an unforced scroll would then be ignored.
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)

    def action_scroll_home(self) -> None:
        """Home: the first line, at once (and the line's start, if already at the top)."""
        x = 0 if self.scroll_y == 0 else None
        self.scroll_to(x=x, y=0, animate=False, immediate=True, force=True)

    def action_scroll_end(self) -> None:
        """End: the last line, at once, and follow the end from there."""
        self.following = True
        self._to_end()

    def action_page_down(self) -> None:
        """PgDn: the next screen, at once (reaching the end, the view follows again)."""
        self._page(down=True)

    def action_page_up(self) -> None:
        """PgUp: the screen before, at once."""
        self._page(down=False)

    def _page(self, *, down: bool) -> None:
        # Not animated: an animation aims at where the end was when it started, and ends
        # short of it while a job writes.
        region = self.scrollable_content_region
        height = region.height
        if not self._wrap:
            step = height if down else -height
            self.scroll_to(y=self.scroll_y + step, animate=False, immediate=True, force=True)
            return
        # Wrapped, a screen holds fewer lines than rows: page by the lines on screen.
        width, base = self._body_width(region.width), self.rich_style
        shown = self._layout(self.scroll_offset.y, width, height, base)
        if not shown:
            return
        if down:
            last = shown[-1]
            whole = last.part == self._rows_of(last.line, width, base) - 1
            top = last.line + 1 if whole or last.line == shown[0].line else last.line
        else:
            first = shown[0].line
            before = layout(0, first, height, lambda line: self._rows_of(line, width, base),
                            from_end=True)  # fmt: skip
            top = (before[0].line if before[0].part == 0 else before[0].line + 1) if before else 0
            top = min(top, max(first - 1, 0))
        self.scroll_to(y=top, animate=False, immediate=True, force=True)

    def watch_scroll_x(self, old_value: float, new_value: float) -> None:
        """Draw from the new offset."""
        self._frame = None
        super().watch_scroll_x(old_value, new_value)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Scrolling to the bottom starts following; scrolling up stops it."""
        self._frame = None
        super().watch_scroll_y(old_value, new_value)
        if self.size.height:
            self.following = round(new_value) >= self.max_scroll_y

    def on_resize(self) -> None:
        """Keep the end in view when the view changes size while following."""
        self._frame = None
        if self._wrap:
            self._update_virtual_size()  # how far it scrolls depends on its height
        if self._pending_top is not None:
            self._scroll_to_top_line()
        elif self.following:
            self.call_after_refresh(self._to_end)

    def _gutter_width(self) -> int:
        return 1 if self._unread_from is not None else 0

    def _update_virtual_size(self) -> None:
        if self._wrap:
            size = self._wrapped_size()
        else:
            size = Size(self._widest + self._gutter_width(), self._line_count)
        if self.virtual_size == size:
            return
        if self._only_longer(size):
            # The scrollbar's range is all that changes: the reactive would lay out the whole
            # screen again, 5 ms of the app's thread in each frame of a flood that is followed.
            self.set_reactive(OutputView.virtual_size, size)
            self._scroll_update(size)
        else:
            self.virtual_size = size

    def _only_longer(self, size: Size) -> bool:
        """Whether ``size`` only changes the height of a view whose vertical scrollbar is up
        and stays up (no scrollbar comes or goes, so nothing else on the screen moves)."""
        old, height = self.virtual_size, self.container_size.height
        return (
            size.width == old.width
            and self.show_vertical_scrollbar
            and min(old.height, size.height) > height > 0
        )

    def _wrapped_size(self) -> Size:
        # Nothing to scroll sideways; downwards, a screen further than the lines (see
        # wrap_layout), unless they all fit.
        count, height = self._line_count, self.scrollable_content_region.height
        width, base = self._body_width(self.content_region.width), self.rich_style
        self._fits = self._source is None or fits(
            count, height, lambda line: self._rows_of(line, width, base)
        )
        return Size(0, count if self._fits else count - 1 + height)

    def _body_width(self, width: int) -> int:
        """What is left of ``width`` cells for the text, once the gutter has its cell."""
        return max(1, width - self._gutter_width())

    def _rows_of(self, line: int, width: int, base: Style) -> int:
        return rows_for(self._content(line, base).cell_length, width)

    def _layout(self, top: int, width: int, height: int, base: Style) -> list[Row]:
        """The rows on screen, wrapping at ``width``, the top line being ``top``."""
        from_end = not self._fits and top >= self.max_scroll_y
        return layout(
            top,
            self._line_count,
            height,
            lambda line: self._rows_of(line, width, base),
            from_end=from_end,
        )

    def widen(self) -> None:
        """Let the horizontal scrollbar cover the widest line drawn so far."""
        if self._widest + self._gutter_width() > self.virtual_size.width:
            self._update_virtual_size()

    def notify_style_update(self) -> None:
        """The theme or CSS changed: styled strips must be made again."""
        super().notify_style_update()
        self._styles = None
        self._frame = None
        self._strips.clear()

    def _kind_styles(self) -> dict[str, Style]:
        if self._styles is None:
            self._styles = {
                "output": Style(),
                "error": self.get_component_rich_style("output-view--error", partial=True),
                "info": self.get_component_rich_style("output-view--info", partial=True),
                "echo": self.get_component_rich_style("output-view--echo", partial=True),
                "unread": self.get_component_rich_style("output-view--unread", partial=True),
                "match": self.get_component_rich_style("output-view--match", partial=True),
                "current": self.get_component_rich_style("output-view--current", partial=True),
                "time": self.get_component_rich_style("output-view--time", partial=True),
            }
        return self._styles

    def _line(self, index: int) -> tuple[str, str]:
        number = index // BLOCK
        block = self._blocks.get(number)
        start = number * BLOCK
        if block is None or index - start >= len(block):
            assert self._source is not None
            block = self._source.lines(start, start + BLOCK)
            self._blocks[number] = block
        offset = index - start
        return block[offset] if offset < len(block) else ("output", "")

    def _content(self, index: int, base: Style) -> Strip:
        strip = self._strips.get(index)
        if strip is None:
            kind, text = self._line(index)
            styles = self._kind_styles()
            rich_text = to_text(text, styles.get(kind))
            if self._highlight is not None:
                match_style = styles["current" if index == self._current_line else "match"]
                for found in self._highlight.finditer(rich_text.plain):
                    if found.end() > found.start():
                        rich_text.stylize(match_style, found.start(), found.end())
            if self._line_prefix is not None:
                rich_text = Text.assemble((self._line_prefix(index), styles["time"]), rich_text)
            strip = Strip(rich_text.render(self.app.console), rich_text.cell_len)
            # The widget's colours under the line's own, so unstyled text gets the background.
            strip = strip.apply_style(base)
            self._strips[index] = strip
            if strip.cell_length > self._widest:
                self._widest = strip.cell_length
                self.call_after_refresh(self.widen)
        return strip

    def render_lines(self, crop: Region) -> list[Strip]:
        """Draw the lines in ``crop``; what every line needs is read once for the frame."""
        self._frame = None
        return super().render_lines(crop)

    def _read_frame(self) -> tuple[Style, int, int, int]:
        # Each of these walks the DOM or computes a region: once a frame, not once a line.
        scroll_x, scroll_y = self.scroll_offset
        region = self.scrollable_content_region
        self._frame = (self.rich_style, region.width, scroll_x, scroll_y)
        if self._wrap and self._source is not None:
            self._rows = self._layout(scroll_y, self._body_width(region.width), region.height,
                                      self._frame[0])  # fmt: skip
        return self._frame

    def render_line(self, y: int) -> Strip:
        """One row of the view: the gutter mark, then the visible part of the line."""
        base, width, scroll_x, scroll_y = self._frame or self._read_frame()
        gutter = self._gutter_width()
        if self._wrap:
            if y >= len(self._rows) or self._source is None:
                return Strip.blank(width, base)
            index, part = self._rows[y]
            scroll_x = part * (width - gutter)  # row ``part`` of the line: the next cut
        else:
            index = scroll_y + y
        if index >= self._line_count or self._source is None:
            return Strip.blank(width, base)
        body = self._content(index, base).crop_extend(scroll_x, scroll_x + width - gutter, base)
        if gutter:
            unread = self._unread_from is not None and index >= self._unread_from
            mark = (
                Segment(GUTTER, base + self._kind_styles()["unread"])
                if unread
                else Segment(" ", base)
            )
            body = Strip.join([Strip([mark], 1), body])
        return body.simplify()
