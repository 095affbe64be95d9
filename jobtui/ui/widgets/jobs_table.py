"""The live table of jobs: one row per top-level job, cursor and sort kept by job id, filterable.

It is a hot path, so it is drawn through Textual's Line API (a ScrollView that renders only the
rows on screen), not a DataTable: a DataTable repaints every visible row after any change to any
cell, this table repaints only the rows whose text changed, from small caches of rendered cells
and rows. A refresh computes the cells of the jobs whose version changed, re-sorts only when a
sort value changed, and never re-measures a column (widths are fixed). The elapsed time of a
running job is taken when its row is drawn, so the clock costs nothing for rows off screen.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

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

from jobtui.engine import Job, JobState
from jobtui.ui.formatting import STATE_LOOKS, JobFormatter, human_count, unread_lines
from jobtui.ui.sanitize import plain


@dataclass(frozen=True)
class ColumnSpec:
    """A column: its key, header, width (one trailing space included) and alignment."""

    key: str
    label: str
    width: int
    right: bool = False


@dataclass
class Column:
    """A column as shown: its spec and its header label (with the sort arrow when sorted)."""

    spec: ColumnSpec
    label: Text


#: PowerShell's Get-Job columns, then the Unix facts; Command last so it takes the rest.
COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("id", "Id", 5),
    ColumnSpec("name", "Name", 11),
    ColumnSpec("type", "PSJobTypeName", 14),
    ColumnSpec("state", "State", 13),
    ColumnSpec("more", "HasMoreData", 12),
    ColumnSpec("location", "Location", 11),
    ColumnSpec("pid", "PID", 8, right=True),
    ColumnSpec("cpu", "CPU%", 6, right=True),
    ColumnSpec("mem", "Mem", 7, right=True),
    ColumnSpec("elapsed", "Elapsed", 9, right=True),
    ColumnSpec("exit", "Exit", 6, right=True),
    ColumnSpec("command", "Command", 400),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
TABLE_WIDTH = sum(c.width for c in COLUMNS)
#: Columns hidden, in this order, while the table is too narrow for the Command column to keep
#: MIN_COMMAND_WIDTH cells: the constant ones first. Id, Name, State, HasMoreData and Command
#: always stay.
HIDE_ORDER = ("location", "type", "cpu", "mem", "pid", "exit", "elapsed")
MIN_COMMAND_WIDTH = 16
_SPECS = {c.key: c for c in COLUMNS}
_ROLE_VARIABLES = {
    "success": "text-success",
    "error": "text-error",
    "warning": "text-warning",
    "accent": "text-accent",
    "primary": "text-primary",
}
MARK = "●"
#: Rendered cells and rows kept: a few screens' worth, whatever the number of jobs.
_CELL_CACHE = 4096
_ROW_CACHE = 512

#: A cell's text and colour role: what is compared to decide whether a row must be redrawn.
Cell = tuple[str, str]


def shown_columns(width: int, chosen: Collection[str] | None = None) -> tuple[ColumnSpec, ...]:
    """The columns a table ``width`` cells wide shows, of those ``chosen`` (the setting; None:
    all): as many as leave Command its room."""
    specs = COLUMNS if chosen is None else tuple(c for c in COLUMNS if c.key in chosen)
    hidden: set[str] = set()
    fixed = sum(spec.width for spec in specs if spec.key != "command")
    for key in HIDE_ORDER:
        if width - fixed >= MIN_COMMAND_WIDTH:
            break
        if chosen is None or key in chosen:
            hidden.add(key)
            fixed -= _SPECS[key].width
    return tuple(spec for spec in specs if spec.key not in hidden)


def _sort_key(column: str, job: Job, formatter: JobFormatter) -> Any:
    process = job.executing_job.process
    if column == "id":
        return job.id
    if column == "name":
        return job.name.lower()
    if column == "type":
        return job.ps_job_type_name
    if column == "state":
        return job.state.name
    if column == "more":
        return (job.has_more_data, unread_lines(job))
    if column == "location":
        return job.location
    if column == "pid":
        return process.pid or 0
    if column == "cpu":
        return -1.0 if process.cpu_percent is None else process.cpu_percent
    if column == "mem":
        return process.memory_rss or 0
    if column == "elapsed":
        return formatter.elapsed_seconds(job) or 0.0
    if column == "exit":
        return -1 if process.exit_code is None else process.exit_code
    return job.command.lower()


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


def _is_running(job: Job) -> bool:
    """Whether the job's elapsed time still moves."""
    return job.ps_begin_time is not None and not job.state.is_finished


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

    sort_column: reactive[str] = reactive("id", init=False)
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
        self.marked: set[int] = set()
        #: The row under the cursor (an index into the rows shown).
        self.cursor_row = 0
        self.columns: dict[str, Column] = {
            spec.key: Column(spec, self._header(spec)) for spec in COLUMNS
        }
        self._order: list[int] = []  # job ids in display order
        self._positions: dict[int, int] = {}  # job id -> row index
        self._cells: dict[int, dict[str, Cell]] = {}
        self._row_versions: dict[int, int] = {}  # bumped whenever a row's cells change
        self._versions: dict[int, tuple[int, ...]] = {}
        self._sort_values: dict[int, Any] = {}
        self._jobs: dict[int, Job] = {}
        self._all_jobs: list[Job] = []
        self._announced: int | None = -1
        self._hover_row: int | None = None
        self._role_style_cache: dict[str, Style] | None = None
        self._look: tuple[Style, Style, Style, Style] | None = None
        self._frame: _Frame | None = None
        self._cell_cache: LRUCache[tuple[object, ...], list[Segment]] = LRUCache(_CELL_CACHE)
        #: The columns drawn (fewer when the table is narrow) and their total width.
        self._shown = shown_columns(TABLE_WIDTH, self.chosen_columns)
        self._shown_width = sum(spec.width for spec in self._shown)
        self._row_cache: LRUCache[tuple[object, ...], Strip] = LRUCache(_ROW_CACHE)
        #: How many cells the last :meth:`sync` changed (for tests and benchmarks).
        self.last_updates = 0

    def on_mount(self) -> None:
        """Follow the theme (colours of states and marks come from it)."""
        self.watch(self.app, "theme", self._theme_changed, init=False)

    def on_resize(self) -> None:
        """Hide the least useful columns when the table is narrow, show them again when wide."""
        self._frame = None
        shown = shown_columns(self.scrollable_content_region.width, self.chosen_columns)
        if shown != self._shown:
            self._shown = shown
            self._shown_width = sum(spec.width for spec in shown)
            self._forget_rendering()
            self._sort_rows()
            self.refresh()

    # -- what is shown -------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """Rows shown (jobs that pass the filter)."""
        return len(self._order)

    @property
    def highlighted_job_id(self) -> int | None:
        """The id of the job under the cursor."""
        if not self._order:
            return None
        return self._order[min(self.cursor_row, len(self._order) - 1)]

    @property
    def shown_job_ids(self) -> list[int]:
        """Ids of the rows in display order."""
        return list(self._order)

    def get_row_index(self, row_key: str) -> int:
        """The row that shows the job whose id is ``row_key``."""
        return self._positions[int(row_key)]

    def get_cell(self, row_key: str, column: str) -> Text:
        """The text of one cell as drawn: job id ``row_key``, column key ``column``."""
        job_id = int(row_key)
        return self._cell_text(column, self._current_cells(job_id)[column])

    def target_job_ids(self) -> list[int]:
        """The marked jobs still shown, or else the highlighted one: what a key acts on."""
        shown = set(self._cells)
        marked = sorted(self.marked & shown)
        if marked:
            return marked
        highlighted = self.highlighted_job_id
        return [] if highlighted is None else [highlighted]

    def matches(self, job: Job) -> bool:
        """Whether ``job`` passes the filter."""
        return self._matches(job, self.filter_text.strip().lower())

    @staticmethod
    def _matches(job: Job, needle: str) -> bool:
        if not needle:
            return True
        return any(
            needle in field
            for field in (
                job.name.lower(),
                job.state.name.lower(),
                plain(job.command).lower(),
                str(job.id),
            )
        )

    # -- refresh -------------------------------------------------------------------------------

    def sync(self, jobs: Sequence[Job], *, force: bool = False) -> bool:
        """Make the rows show ``jobs`` (those that pass the filter), redrawing only what changed;
        True if any row changed, came or went."""
        self._all_jobs = list(jobs)
        needle = self.filter_text.strip().lower()
        visible = [job for job in self._all_jobs if self._matches(job, needle)]
        ids = {job.id for job in visible}
        keep_id = self.highlighted_job_id
        updates = 0
        reorder = False
        changed: list[int] = []
        for stale in [jid for jid in self._cells if jid not in ids]:
            for table in (
                self._cells,
                self._versions,
                self._sort_values,
                self._jobs,
                self._row_versions,
            ):
                table.pop(stale, None)
            self.marked.discard(stale)
            reorder = True
        by_elapsed = self.sort_column == "elapsed"
        seen = self._versions
        for job in visible:
            # The loop runs over every job each refresh: it stays lean until a job changed.
            version = self._version_of(job)
            if not force and seen.get(job.id) == version:
                if by_elapsed and _is_running(job):
                    reorder |= self._update_sort_value(job)
                continue
            self._versions[job.id] = version
            self._jobs[job.id] = job
            cells = self._cells_of(job)
            old = self._cells.get(job.id)
            if old is None:
                updates += len(cells)
                reorder = True
            else:
                differing = sum(1 for key, value in cells.items() if old[key] != value)
                if not differing:
                    reorder |= self._update_sort_value(job)
                    continue
                updates += differing
                changed.append(job.id)
            self._cells[job.id] = cells
            self._row_versions[job.id] = self._row_versions.get(job.id, 0) + 1
            reorder |= self._update_sort_value(job)
        if reorder:
            self._sort_rows()
            self._restore_cursor(keep_id)
            self.refresh()
        elif changed:
            self._refresh_rows(self._positions[job_id] for job_id in changed)
        self._refresh_clock()
        self.last_updates = updates
        self._update_titles(jobs, visible)
        self._announce()
        return bool(updates or reorder)

    def _update_sort_value(self, job: Job) -> bool:
        sort_value = (_sort_key(self.sort_column, job, self.formatter), job.id)
        if self._sort_values.get(job.id) == sort_value:
            return False
        self._sort_values[job.id] = sort_value
        return True

    def _refresh_clock(self) -> None:
        """Redraw the rows on screen whose elapsed time moved on."""
        first, last = self._rows_on_screen()
        moved = []
        for index in range(first, last):
            job_id = self._order[index]
            job = self._jobs[job_id]
            if (
                _is_running(job)
                and self.formatter.elapsed(job) != self._cells[job_id]["elapsed"][0]
            ):
                moved.append(index)
        self._refresh_rows(moved)

    def _version_of(self, job: Job) -> tuple[int, ...]:
        children = job.child_jobs
        if len(children) == 1:  # a BackgroundJob: the commonest by far
            return (job.version, children[0].version, job.id in self.marked)
        return (job.version, *[child.version for child in children], job.id in self.marked)

    def _cells_of(self, job: Job) -> dict[str, Cell]:
        """Each cell as (text, colour role): what is compared to decide on an update."""
        f = self.formatter
        look = STATE_LOOKS[job.state]
        more = "True" if job.has_more_data else "False"
        unread = unread_lines(job)
        if unread:
            more = f"{more} +{human_count(unread)}"
        mark = MARK if job.id in self.marked else " "
        return {
            "id": (f"{mark}{job.id}", "mark" if job.id in self.marked else ""),
            "name": (plain(job.name), ""),
            "type": (job.ps_job_type_name, ""),
            "state": (look.label(job.state), look.role),
            "more": (more, "accent" if unread else ""),
            "location": (job.location, ""),
            "pid": (f.pid(job), ""),
            "cpu": (f.cpu(job), ""),
            "mem": (f.memory(job), ""),
            "elapsed": (f.elapsed(job), ""),
            "exit": (f.exit_code(job), "error" if job.state is JobState.Failed else ""),
            "command": (" ".join(plain(job.command).split()), ""),
        }

    def _current_cells(self, job_id: int) -> dict[str, Cell]:
        """A row's cells, with the elapsed time of a running job taken now."""
        cells = self._cells[job_id]
        job = self._jobs[job_id]
        if _is_running(job):
            elapsed = self.formatter.elapsed(job)
            if elapsed != cells["elapsed"][0]:
                cells["elapsed"] = (elapsed, "")
                self._row_versions[job_id] += 1
        return cells

    def _cell_text(self, key: str, value: Cell) -> Text:
        text, role = value
        spec = _SPECS[key]
        cell = Text(text, style=self._role_styles().get(role, Style()), no_wrap=True)
        if key != "id":
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

    def _sort_rows(self) -> None:
        values = self._sort_values
        self._order = sorted(self._cells, key=values.__getitem__, reverse=self.sort_reverse)
        self._positions = {job_id: index for index, job_id in enumerate(self._order)}
        height = len(self._order) + 1  # the header row
        if self.virtual_size != Size(self._shown_width, height):
            self.virtual_size = Size(self._shown_width, height)

    def _restore_cursor(self, job_id: int | None) -> None:
        if job_id is not None and job_id in self._positions:
            row = self._positions[job_id]
        else:
            row = min(self.cursor_row, max(0, len(self._order) - 1))
        if row != self.cursor_row:
            self.move_cursor(row=row)

    def _announce(self) -> None:
        job_id = self.highlighted_job_id
        if job_id != self._announced:
            self._announced = job_id
            self.post_message(self.JobHighlighted(job_id))

    def _update_titles(self, jobs: Iterable[Job], visible: Sequence[Job]) -> None:
        every = list(jobs)
        active = failed = 0
        for job in every:
            state = job.state
            if state is JobState.Failed:
                failed += 1
            elif not state.is_finished and state is not JobState.NotStarted:
                active += 1
        parts = [f"Jobs {len(every)}"]
        if active:
            parts.append(f"{active} active")
        if failed:
            parts.append(f"{failed} failed")
        subtitle = []
        if self.filter_text.strip():
            subtitle.append(f"filter “{self.filter_text.strip()}”: {len(visible)} shown")
        arrow = "▼" if self.sort_reverse else "▲"
        subtitle.append(f"sort {_SPECS[self.sort_column].label} {arrow}")
        # Content, not markup: a filter or a name may hold brackets. Set only when it changed:
        # a new title repaints the border.
        title, subtitle_text = " · ".join(parts), " · ".join(subtitle)
        if str(self.border_title) != title:
            self.border_title = Content(title)
        if str(self.border_subtitle) != subtitle_text:
            self.border_subtitle = Content(subtitle_text)

    def _header(self, spec: ColumnSpec) -> Text:
        label = spec.label
        if spec.key == self.sort_column:
            label += "▼" if self.sort_reverse else "▲"
        if spec.right:
            label = label.rjust(spec.width - 1)
        return Text(label)

    # -- drawing -------------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        """Draw the lines in ``crop`` that changed; the styles are read again for each frame."""
        self._frame = None
        return super().render_lines(crop)

    def _read_frame(self) -> _Frame:
        # Once per frame, and only if a line is drawn: each style costs a walk up the DOM.
        look = (
            self.rich_style,
            self.get_component_styles("jobs-table--header").rich_style,
            self.get_component_rich_style("jobs-table--cursor"),
            self.get_component_rich_style("jobs-table--hover"),
        )
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
        if index >= len(self._order):
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
        job_id = self._order[index]
        cells = self._current_cells(job_id)
        cursor = index == self.cursor_row
        hover = index == self._hover_row
        key = (job_id, self._row_versions[job_id], cursor, hover, frame.width, frame.scroll_x)
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
        return first, min(len(self._order), first + height)

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
        row = max(0, min(row, len(self._order) - 1))
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
        self._keyboard_move(len(self._order) - 1)

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
        return index if index < len(self._order) else None

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
        self.sync(self._all_jobs)

    def _sort_changed(self) -> None:
        for spec in COLUMNS:
            self.columns[spec.key].label = self._header(spec)
        column = self.sort_column
        self._sort_values = {
            jid: (_sort_key(column, job, self.formatter), jid) for jid, job in self._jobs.items()
        }
        keep_id = self.highlighted_job_id
        self._sort_rows()
        self._restore_cursor(keep_id)
        self.refresh()
        self._update_titles(self._all_jobs, [j for j in self._all_jobs if j.id in self._cells])

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
        self.marked ^= {job_id}
        job = self._jobs.get(job_id)
        if job is not None:
            self._cells[job_id]["id"] = self._cells_of(job)["id"]
            self._row_versions[job_id] += 1
            self._versions[job_id] = self._version_of(job)
            self._refresh_row(self.cursor_row)
        if self.cursor_row < self.row_count - 1:
            self.move_cursor(row=self.cursor_row + 1)
