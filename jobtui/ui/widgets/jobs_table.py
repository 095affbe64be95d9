"""The live table of jobs, as a widget: it draws the rows that :mod:`jobtui.ui.table` holds.

The rows (cells, diff, sort, filter) and the columns live there, with no Textual; this module
keeps the cursor, the mouse and the drawing. It is a hot path, so it is drawn through Textual's
Line API (a ScrollView that renders only the rows on screen), not a DataTable: a DataTable
repaints every visible row after any change to any cell, this table repaints only the rows whose
text changed, from small caches of rendered cells and rows.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.color import Color, ColorParseError
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from jobtui.ui.formatting import JobFormatter
from jobtui.ui.records import JobRecord, LiveJobs, as_record
from jobtui.ui.table.columns import (
    COLUMN_KEYS,
    COLUMNS,
    ColumnKey,
    ColumnSpec,
    layout,
)
from jobtui.ui.table.rows import MARK, Cell, JobRows, RowChanges

if TYPE_CHECKING:
    from jobtui.engine import Job

__all__ = ["COLUMNS", "COLUMN_KEYS", "MARK", "Column", "ColumnSpec", "JobsTable"]

_ROLE_VARIABLES = {
    "success": "text-success",
    "error": "text-error",
    "warning": "text-warning",
    "accent": "text-accent",
    "primary": "text-primary",
}
#: Rendered cells and rows kept: a few screens' worth, whatever the number of jobs.
_CELL_CACHE = 4096
_ROW_CACHE = 512


@dataclass
class Column:
    """A column as shown: its spec and its header label (with the sort arrow when sorted)."""

    spec: ColumnSpec
    label: Text


@dataclass(frozen=True)
class _Frame:
    """What every line of one frame is drawn with: the styles, the width, the scroll offset."""

    look: tuple[Style, Style, Style, Style]
    width: int
    scroll_x: int
    scroll_y: int

    def crop(self, strip: Strip) -> Strip:
        """The visible part of a full-width row."""
        return strip.crop_extend(self.scroll_x, self.scroll_x + self.width, self.look[0])


class JobsTable(ScrollView, can_focus=True):
    """The session's top-level jobs, one row each, in the sort order; a header row on top."""

    DEFAULT_CSS = """
    JobsTable {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        &:focus {
            background-tint: $foreground 5%;
            & > .jobs-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .jobs-table--header {
                background-tint: $foreground 5%;
            }
        }
        & > .jobs-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .jobs-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .jobs-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .jobs-table--hover {
            background: $block-hover-background;
        }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "jobs-table--header",
        "jobs-table--cursor",
        "jobs-table--hover",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Detail", id="table.select"),
        Binding("space", "toggle_mark", "Mark", show=False, id="table.mark"),
        Binding("o", "next_sort", "Sort", show=False, id="table.sort"),
        Binding("O", "reverse_sort", "Reverse sort", show=False, id="table.reverse_sort"),
        Binding("up", "cursor_up", "Cursor up", show=False, id="table.cursor_up"),
        Binding("down", "cursor_down", "Cursor down", show=False, id="table.cursor_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("home,ctrl+home", "first", "First job", show=False, id="table.first"),
        Binding("end,ctrl+end", "last", "Last job", show=False, id="table.last"),
    ]

    class JobHighlighted(Message):
        """The cursor moved to another job (or to none)."""

        def __init__(self, job_id: int | None) -> None:
            super().__init__()
            self.job_id = job_id

    class JobSelected(Message):
        """Enter (or a click on the highlighted row) chose a job."""

        def __init__(self, job_id: int) -> None:
            super().__init__()
            self.job_id = job_id

    filter_text: reactive[str] = reactive("", init=False)
    """Only jobs whose name, state, command or id contain this (any case) are shown."""

    sort_column: reactive[str] = reactive(ColumnKey.ID, init=False)
    sort_reverse: reactive[bool] = reactive(False, init=False)

    def __init__(
        self,
        formatter: JobFormatter,
        *,
        columns: Collection[str] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.formatter = formatter
        #: The columns the settings choose (None: all of them).
        self.chosen_columns = None if columns is None else frozenset(columns)
        #: The rows as data: cells, order, filter and marks.
        self.rows = JobRows(formatter)
        #: The row under the cursor (an index into the rows shown).
        self.cursor_row = 0
        self.columns: dict[str, Column] = {
            spec.key: Column(spec, self._header(spec)) for spec in COLUMNS
        }
        self._live = LiveJobs()
        self._announced: int | None = -1
        self._hover_row: int | None = None
        self._role_style_cache: dict[str, Style] | None = None
        self._look: tuple[Style, Style, Style, Style] | None = None
        #: The styles' counters the look was read at (see :meth:`_styles_key`).
        self._looked_at: tuple[int, ...] = ()
        self._frame: _Frame | None = None
        self._cell_cache: LRUCache[tuple[object, ...], list[Segment]] = LRUCache(_CELL_CACHE)
        #: The columns drawn (fewer when the table is narrow, wider when wide), their total
        #: width, and what they were laid out for (the width and the widest name).
        chosen = self.chosen_columns
        self._shown = tuple(c for c in COLUMNS if chosen is None or c.key in chosen)
        self._shown_width = sum(spec.width for spec in self._shown)
        self._laid_out_for: tuple[int, int, frozenset[str]] | None = None
        self._row_cache: LRUCache[tuple[object, ...], Strip] = LRUCache(_ROW_CACHE)
        #: How many cells the last :meth:`sync` changed (for tests and benchmarks).
        self.last_updates = 0

    def on_mount(self) -> None:
        """Follow the theme (colours of states and marks come from it)."""
        self.watch(self.app, "theme", self._theme_changed, init=False)

    def on_resize(self) -> None:
        """Hide the least useful columns when the table is narrow, widen Name when wide."""
        self._frame = None
        if self._lay_out():
            self._fit_to_rows()
            self.refresh()

    def _lay_out(self) -> bool:
        """Fit the columns to the width, the widest name and the on-demand columns some row
        fills; True if they changed."""
        width = self.scrollable_content_region.width
        if width == 0:
            # Not laid out yet (a sync on mount): a width of 0 would hide every optional column
            # for the first frame, and on_resize would bring them back a frame later.
            return False
        rows = self.rows
        wanted = (width, rows.widest_name, rows.needed_columns)
        if wanted == self._laid_out_for:
            return False
        self._laid_out_for = wanted
        shown = layout(width, rows.widest_name, chosen=self.chosen_columns, needed=wanted[2])
        if shown == self._shown:
            return False
        self._shown = shown
        self._shown_width = sum(spec.width for spec in shown)
        for spec in shown:
            self.columns[spec.key] = Column(spec, self._header(spec))
        self._forget_rendering()
        more = next(spec.width for spec in shown if spec.key == ColumnKey.MORE)
        self.rows.set_more_width(more - 1)
        return True

    # -- what is shown -------------------------------------------------------------------------

    @property
    def marked(self) -> set[int]:
        """Ids of the marked jobs (keys act on every marked job still shown)."""
        return self.rows.marked

    @property
    def row_count(self) -> int:
        """Rows shown (jobs that pass the filter)."""
        return len(self.rows)

    @property
    def highlighted_job_id(self) -> int | None:
        """The id of the job under the cursor."""
        order = self.rows.order
        if not order:
            return None
        return order[min(self.cursor_row, len(order) - 1)]

    @property
    def shown_job_ids(self) -> list[int]:
        """Ids of the rows in display order."""
        return list(self.rows.order)

    def get_row_index(self, row_key: str) -> int:
        """The row that shows the job whose id is ``row_key``."""
        return self.rows.positions[int(row_key)]

    def get_cell(self, row_key: str, column: str) -> Text:
        """The text of one cell as drawn: job id ``row_key``, column key ``column``."""
        return self._cell_text(column, self.rows.cells(int(row_key))[column])

    def target_job_ids(self) -> list[int]:
        """The marked jobs still shown, or else the highlighted one: what a key acts on."""
        return self.rows.target_job_ids(self.highlighted_job_id)

    def matches(self, job: Job | JobRecord) -> bool:
        """Whether ``job`` passes the filter."""
        return self.rows.matches(as_record(job))

    # -- refresh -------------------------------------------------------------------------------

    def sync(
        self,
        jobs: Sequence[Job | JobRecord],
        *,
        force: bool = False,
        changed: Sequence[Job | JobRecord] | None = None,
    ) -> bool:
        """Make the rows show ``jobs`` (those that pass the filter), redrawing only what changed;
        True if any row changed, came or went. A job is a live job or a record (a snapshot).

        ``changed``, when given, holds the only jobs that may differ from the last sync's (what
        a pull brought): the rows look at those alone (see :meth:`JobRows.sync`).
        """
        keep_id = self.highlighted_job_id
        live = self._live
        records = live.records(jobs)
        changes = self.rows.sync(
            records, force=force, changed=None if changed is None else live.records(changed)
        )
        self._show(changes, keep_id)
        return bool(changes)

    def _show(self, changes: RowChanges, keep_id: int | None) -> None:
        """Repaint what a change to the rows touched, keeping the cursor on its job."""
        if self._lay_out():  # a new widest name
            changes.reordered = True
        if changes.reordered:
            self._fit_to_rows()
            self._restore_cursor(keep_id)
            self.refresh()
        elif changes.changed:
            positions = self.rows.positions
            self._refresh_rows(positions[job_id] for job_id in changes.changed)
        self._refresh_clock()
        self.last_updates = changes.updates
        self._update_titles()
        self._announce()

    def _refresh_clock(self) -> None:
        """Redraw the rows on screen whose elapsed time moved on."""
        self._refresh_rows(self.rows.clock_moved(*self._rows_on_screen()))

    def _cell_text(self, key: str, value: Cell) -> Text:
        text, role = value
        spec = self.columns[key].spec
        cell = Text(text, style=self._role_styles().get(role, Style()), no_wrap=True)
        if key != ColumnKey.ID:
            cell.overflow = "ellipsis"
        if spec.right:
            # Padded here, not justified: Rich strips the trailing space that keeps columns apart.
            cell.pad_left(max(0, spec.width - 1 - cell.cell_len))
        cell.truncate(spec.width - 1, overflow="ellipsis")
        return cell

    def _role_styles(self) -> dict[str, Style]:
        if self._role_style_cache is None:
            variables = self.app.theme_variables
            styles: dict[str, Style] = {"": Style(), "foreground-muted": Style(dim=True)}
            for role, variable in _ROLE_VARIABLES.items():
                try:
                    color = Color.parse(variables.get(variable, variables.get(role, "")))
                except ColorParseError:
                    styles[role] = Style(bold=True)
                else:
                    styles[role] = Style(color=color.rich_color)
            styles["mark"] = styles["accent"] + Style(bold=True)
            self._role_style_cache = styles
        return self._role_style_cache

    def _theme_changed(self) -> None:
        # Colours come from the theme: every cached cell is out of date (rare, so all of them).
        self._role_style_cache = None
        self._forget_rendering()
        self.refresh()

    def notify_style_update(self) -> None:
        """The CSS or the focus changed: rendered cells must be made again."""
        super().notify_style_update()
        self._forget_rendering()

    def _forget_rendering(self) -> None:
        self._look = None
        self._frame = None
        self._cell_cache.clear()
        self._row_cache.clear()

    def watch_scroll_x(self, old_value: float, new_value: float) -> None:
        """Draw from the new offset."""
        self._frame = None
        super().watch_scroll_x(old_value, new_value)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Draw from the new offset."""
        self._frame = None
        super().watch_scroll_y(old_value, new_value)

    def _fit_to_rows(self) -> None:
        """Size the scrollable area to the rows (their order is the model's)."""
        size = Size(self._shown_width, len(self.rows) + 1)  # the header row
        if self.virtual_size != size:
            self.virtual_size = size

    def _restore_cursor(self, job_id: int | None) -> None:
        positions = self.rows.positions
        if job_id is not None and job_id in positions:
            row = positions[job_id]
        else:
            row = min(self.cursor_row, max(0, len(self.rows) - 1))
        if row != self.cursor_row:
            self.move_cursor(row=row)

    def _announce(self) -> None:
        job_id = self.highlighted_job_id
        if job_id != self._announced:
            self._announced = job_id
            self.post_message(self.JobHighlighted(job_id))

    def _update_titles(self) -> None:
        # Content, not markup: a filter or a name may hold brackets. Set only when it changed:
        # a new title repaints the border.
        title, subtitle = self.rows.title(), self.rows.subtitle()
        if str(self.border_title) != title:
            self.border_title = Content(title)
        if str(self.border_subtitle) != subtitle:
            self.border_subtitle = Content(subtitle)

    def _header(self, spec: ColumnSpec) -> Text:
        label = spec.label
        if spec.key == self.sort_column:
            label += "▼" if self.sort_reverse else "▲"
        if spec.right:
            label = label.rjust(spec.width - 1)
        return Text(label)

    # -- drawing -------------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        """Draw the lines in ``crop`` that changed; the styles are read again when they moved."""
        self._frame = None
        return super().render_lines(crop)

    def _styles_key(self) -> tuple[int, ...]:
        """A number per style the drawing depends on (this table's, its components', every
        ancestor's: a background is blended down the DOM) that moves whenever a rule of it does.

        Reading the four styles costs four walks up the DOM (a fifth of a refresh of one row),
        these counters a tenth of that, so the styles are read again only when one moved."""
        components = self._component_styles
        return (
            *(node.styles._cache_key for node in self.ancestors_with_self),
            *(components[name]._cache_key for name in self.COMPONENT_CLASSES),
        )

    def _read_frame(self) -> _Frame:
        # Once per frame, and only if a line is drawn.
        look = self._look
        key = self._styles_key()
        if look is None or key != self._looked_at:
            look = (
                self.rich_style,
                self.get_component_styles("jobs-table--header").rich_style,
                self.get_component_rich_style("jobs-table--cursor"),
                self.get_component_rich_style("jobs-table--hover"),
            )
            self._looked_at = key
            if look != self._look:
                self._cell_cache.clear()
                self._row_cache.clear()
                self._look = look
        x, y = self.scroll_offset
        self._frame = _Frame(look, self.scrollable_content_region.width, int(x), int(y))
        return self._frame

    def render_line(self, y: int) -> Strip:
        """The header on the first line, then the rows from the scroll position."""
        frame = self._frame or self._read_frame()
        if y == 0:
            return self._header_strip(frame)
        index = frame.scroll_y + y - 1
        if index >= len(self.rows):
            return Strip.blank(frame.width, frame.look[0])
        return self._row_strip(frame, index)

    def _header_strip(self, frame: _Frame) -> Strip:
        labels = tuple(self.columns[spec.key].label.plain for spec in self._shown)
        key = ("header", labels, frame.width, frame.scroll_x)
        strip = self._row_cache.get(key)
        if strip is None:
            segments: list[Segment] = []
            for column, spec in enumerate(self._shown):
                style = frame.look[1] + Style.from_meta({"row": -1, "column": column})
                segments.extend(
                    self._render_cell(spec, self.columns[spec.key].label, style, Style(), Style())
                )
            strip = frame.crop(Strip(segments, self._shown_width))
            self._row_cache[key] = strip
        return strip

    def _row_strip(self, frame: _Frame, index: int) -> Strip:
        job_id = self.rows.order[index]
        cells = self.rows.cells(job_id)
        cursor = index == self.cursor_row
        hover = index == self._hover_row
        key = (job_id, self.rows.row_version(job_id), cursor, hover, frame.width, frame.scroll_x)
        strip = self._row_cache.get(key)
        if strip is None:
            base, _, cursor_style, hover_style = frame.look
            component = Style()
            if hover:
                component += hover_style
            if cursor:
                component += cursor_style
            # The cursor's colour wins over a cell's own (as in Textual's DataTable).
            post = Style.from_color(color=component.color)
            segments: list[Segment] = []
            for column, spec in enumerate(self._shown):
                value = cells[spec.key]
                cell_key = (job_id, column, value, cursor, hover)
                rendered = self._cell_cache.get(cell_key)
                if rendered is None:
                    # A meta tag per cell keeps each cell its own segment, so that pictures of
                    # the table (SVG) place every cell at its column.
                    style = base + Style.from_meta({"job": job_id, "column": column})
                    text = self._cell_text(spec.key, value)
                    rendered = self._render_cell(spec, text, style, component, post)
                    self._cell_cache[cell_key] = rendered
                segments.extend(rendered)
            strip = frame.crop(Strip(segments, self._shown_width))
            self._row_cache[key] = strip
        return strip

    @staticmethod
    def _render_cell(
        spec: ColumnSpec, text: Text, base: Style, component: Style, post: Style
    ) -> list[Segment]:
        """A cell as segments: what Rich makes of a one-style Text padded to the column's width
        under the row's styles (as Textual's DataTable draws a cell), in a tenth of the time."""
        pre = base + component
        own = text.style if isinstance(text.style, Style) else Style.parse(text.style or "none")
        plain = text.plain
        segments = [Segment(plain, pre + own + post)] if plain or not own else []
        pad = spec.width - cell_len(plain)
        if pad > 0:
            segments.append(Segment(" " * pad, pre + post))
        return segments

    def _rows_on_screen(self) -> tuple[int, int]:
        first = int(self.scroll_offset.y)
        height = max(0, self.scrollable_content_region.height - 1)
        return first, min(len(self.rows), first + height)

    def _refresh_row(self, index: int) -> None:
        self._refresh_rows([index])

    def _refresh_rows(self, indices: Iterable[int]) -> None:
        """Repaint the given rows, those of them that are on screen."""
        region = self.scrollable_content_region
        top = int(self.scroll_offset.y) - 1  # the header takes the first line
        for index in indices:
            y = index - top
            if 1 <= y < region.height:
                self.refresh(Region(0, y, region.width, 1))

    # -- the cursor ----------------------------------------------------------------------------

    def move_cursor(self, *, row: int, scroll: bool = True) -> None:
        """Put the cursor on ``row`` (clamped to the rows shown) and scroll it into view."""
        row = max(0, min(row, len(self.rows) - 1))
        old = self.cursor_row
        self.cursor_row = row
        if row != old:
            self._refresh_row(old)
            self._refresh_row(row)
        if scroll:
            self._scroll_to_cursor()
        self._announce()

    def _scroll_to_cursor(self) -> None:
        rows_high = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, force=True)
        elif self.cursor_row >= top + rows_high:
            self.scroll_to(y=self.cursor_row - rows_high + 1, animate=False, force=True)

    def _keyboard_move(self, row: int) -> None:
        self._set_hover(None)
        self.move_cursor(row=row)

    def action_cursor_up(self) -> None:
        """The job above."""
        self._keyboard_move(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        """The job below."""
        self._keyboard_move(self.cursor_row + 1)

    def action_page_up(self) -> None:
        """A screenful up."""
        self._keyboard_move(self.cursor_row - max(1, self.scrollable_content_region.height - 2))

    def action_page_down(self) -> None:
        """A screenful down."""
        self._keyboard_move(self.cursor_row + max(1, self.scrollable_content_region.height - 2))

    def action_first(self) -> None:
        """The first job."""
        self._keyboard_move(0)

    def action_last(self) -> None:
        """The last job."""
        self._keyboard_move(len(self.rows) - 1)

    def action_select_cursor(self) -> None:
        """Enter: ask for the highlighted job's detail."""
        job_id = self.highlighted_job_id
        if job_id is not None:
            self.post_message(self.JobSelected(job_id))

    # -- the mouse -----------------------------------------------------------------------------

    def _row_at(self, event: events.MouseEvent) -> int | None:
        """The row under the mouse: -1 for the header, None for none."""
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        if offset.y == 0:
            return -1
        index = int(self.scroll_offset.y) + offset.y - 1
        return index if index < len(self.rows) else None

    def _set_hover(self, row: int | None) -> None:
        if row == self._hover_row:
            return
        old, self._hover_row = self._hover_row, row
        for index in (old, row):
            if index is not None:
                self._refresh_row(index)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """Highlight the row under the mouse."""
        row = self._row_at(event)
        self._set_hover(row if row is not None and row >= 0 else None)

    def on_leave(self, event: events.Leave) -> None:
        """No row under the mouse any more."""
        self._set_hover(None)

    def on_click(self, event: events.Click) -> None:
        """A header sorts by its column; a row takes the cursor, the highlighted row opens."""
        row = self._row_at(event)
        if row is None:
            return
        event.stop()
        if row == -1:
            offset = event.get_content_offset(self)
            assert offset is not None
            x = offset.x + int(self.scroll_offset.x)
            for spec in self._shown:
                if x < spec.width:
                    self.sort_by(spec.key)
                    return
                x -= spec.width
            return
        if row == self.cursor_row:
            self.action_select_cursor()
        else:
            self.move_cursor(row=row)

    # -- reactions -----------------------------------------------------------------------------

    def watch_filter_text(self) -> None:
        """Show the jobs that pass the new filter."""
        keep_id = self.highlighted_job_id
        self._show(self.rows.set_filter(self.filter_text), keep_id)

    def _sort_changed(self) -> None:
        for column in self.columns.values():
            column.label = self._header(column.spec)
        keep_id = self.highlighted_job_id
        self.rows.set_sort(self.sort_column, self.sort_reverse)
        self._fit_to_rows()
        self._restore_cursor(keep_id)
        self.refresh()
        self._update_titles()

    def watch_sort_column(self) -> None:
        """Re-sort by the new column."""
        self._sort_changed()

    def watch_sort_reverse(self) -> None:
        """Re-sort the other way round."""
        self._sort_changed()

    def sort_by(self, column: str) -> None:
        """Sort by ``column``; choosing the sort column again reverses the order."""
        if column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.set_reactive(JobsTable.sort_reverse, False)
            self.sort_column = column

    def action_next_sort(self) -> None:
        """Sort by the next column shown."""
        keys = [spec.key for spec in self._shown]
        index = keys.index(self.sort_column) if self.sort_column in keys else -1
        self.sort_by(keys[(index + 1) % len(keys)])

    def action_reverse_sort(self) -> None:
        """Reverse the sort order."""
        self.sort_reverse = not self.sort_reverse

    def action_toggle_mark(self) -> None:
        """Mark or unmark the highlighted job (keys then act on every marked job)."""
        job_id = self.highlighted_job_id
        if job_id is None:
            return
        if self.rows.toggle_mark(job_id):
            self._refresh_row(self.cursor_row)
        if self.cursor_row < self.row_count - 1:
            self.move_cursor(row=self.cursor_row + 1)
