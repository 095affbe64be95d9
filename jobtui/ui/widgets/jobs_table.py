"""The live table of jobs: keyed rows updated cell by cell, cursor and sort kept, filterable.

It is a hot path. A refresh computes the cells of the jobs whose version changed (and the
elapsed time of running ones) and calls ``update_cell`` only where the text differs; it never
clears the table and never asks for a column to be re-measured (widths are fixed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.color import Color, ColorParseError
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey

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
_SPECS = {c.key: c for c in COLUMNS}
_ROLE_VARIABLES = {
    "success": "text-success",
    "error": "text-error",
    "warning": "text-warning",
    "accent": "text-accent",
    "primary": "text-primary",
}
MARK = "●"


class JobIdCell(Text):
    """The Id cell; it carries the job id so a sort can find the job behind a row."""

    job_id: int


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


class JobsTable(DataTable[Text]):
    """The session's top-level jobs, one keyed row each (key = the job id)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Detail"),
        Binding("space", "toggle_mark", "Mark", show=False),
        Binding("o", "next_sort", "Sort", show=False),
        Binding("O", "reverse_sort", "Reverse sort", show=False),
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
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(
            name=name,
            id=id,
            classes=classes,
            cursor_type="row",
            cell_padding=0,
            zebra_stripes=False,
        )
        self.formatter = formatter
        self.marked: set[int] = set()
        self._cells: dict[int, dict[str, tuple[str, str]]] = {}
        self._versions: dict[int, tuple[int, ...]] = {}
        self._sort_values: dict[int, Any] = {}
        self._jobs: dict[int, Job] = {}
        self._styles: dict[str, Style] | None = None
        self._announced: int | None = -1
        self._all_jobs: list[Job] = []
        #: How many cells the last :meth:`sync` updated (for tests and benchmarks).
        self.last_updates = 0

    def on_mount(self) -> None:
        """Add the fixed-width columns."""
        for spec in COLUMNS:
            self.add_column(self._header(spec), key=spec.key, width=spec.width)
        self.watch(self.app, "theme", self._theme_changed, init=False)

    # -- what is shown -------------------------------------------------------------------------

    @property
    def highlighted_job_id(self) -> int | None:
        """The id of the job under the cursor."""
        if not self.row_count:
            return None
        try:
            row_key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except CellDoesNotExist:
            return None
        return int(row_key.value) if row_key.value is not None else None

    @property
    def shown_job_ids(self) -> list[int]:
        """Ids of the rows in display order."""
        return [int(row.key.value) for row in self.ordered_rows if row.key.value is not None]

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
        needle = self.filter_text.strip().lower()
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

    def sync(self, jobs: Sequence[Job], *, force: bool = False) -> None:
        """Make the rows show ``jobs`` (those that pass the filter), touching only what changed."""
        self._all_jobs = list(jobs)
        visible = [job for job in jobs if self.matches(job)]
        ids = {job.id for job in visible}
        keep_id = self.highlighted_job_id
        updates = 0
        reorder = False
        with self.app.batch_update():
            for stale in [jid for jid in self._cells if jid not in ids]:
                self.remove_row(str(stale))
                for table in (self._cells, self._versions, self._sort_values, self._jobs):
                    table.pop(stale, None)
                self.marked.discard(stale)
            for job in visible:
                version = self._version_of(job)
                running = job.ps_begin_time is not None and not job.state.is_finished
                if not force and not running and self._versions.get(job.id) == version:
                    continue
                self._versions[job.id] = version
                self._jobs[job.id] = job
                cells = self._cells_of(job)
                old = self._cells.get(job.id)
                if old is None:
                    self.add_row(
                        *(self._cell(job, key, cells[key]) for key in COLUMN_KEYS), key=str(job.id)
                    )
                    self._cells[job.id] = cells
                    reorder = True
                    updates += len(cells)
                else:
                    for key, value in cells.items():
                        if old[key] != value:
                            self.update_cell(str(job.id), key, self._cell(job, key, value))
                            old[key] = value
                            updates += 1
                sort_value = (_sort_key(self.sort_column, job, self.formatter), job.id)
                if self._sort_values.get(job.id) != sort_value:
                    self._sort_values[job.id] = sort_value
                    reorder = True
            if reorder:
                self._sort_rows()
            self._restore_cursor(keep_id)
        self.last_updates = updates
        self._update_titles(jobs, visible)
        self._announce()

    def _version_of(self, job: Job) -> tuple[int, ...]:
        return (job.version, *(child.version for child in job.child_jobs), job.id in self.marked)

    def _cells_of(self, job: Job) -> dict[str, tuple[str, str]]:
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

    def _cell(self, job: Job, key: str, value: tuple[str, str]) -> Text:
        text, role = value
        spec = _SPECS[key]
        style = self._role_styles().get(role, Style())
        cell: Text
        if key == "id":
            cell = JobIdCell(text, style=style, no_wrap=True)
            cell.job_id = job.id
        else:
            cell = Text(text, style=style, no_wrap=True, overflow="ellipsis")
        if spec.right:
            # Padded here, not justified: Rich strips the trailing space that keeps columns apart.
            cell.pad_left(max(0, spec.width - 1 - cell.cell_len))
        cell.truncate(spec.width - 1, overflow="ellipsis")
        return cell

    def _role_styles(self) -> dict[str, Style]:
        if self._styles is None:
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
            self._styles = styles
        return self._styles

    def _theme_changed(self) -> None:
        # Colours come from the theme: redraw the coloured cells (rare, so all of them).
        self._styles = None
        with self.app.batch_update():
            for job_id, cells in self._cells.items():
                job = self._jobs[job_id]
                for key, value in cells.items():
                    if value[1]:
                        self.update_cell(str(job_id), key, self._cell(job, key, value))

    def _sort_rows(self) -> None:
        values = self._sort_values
        self.sort("id", key=lambda cell: values[cell.job_id], reverse=self.sort_reverse)

    def _restore_cursor(self, job_id: int | None) -> None:
        if job_id is None or job_id not in self._cells:
            return
        row = self.get_row_index(str(job_id))
        if row != self.cursor_row:
            self.move_cursor(row=row)

    def _announce(self) -> None:
        job_id = self.highlighted_job_id
        if job_id != self._announced:
            self._announced = job_id
            self.post_message(self.JobHighlighted(job_id))

    def _update_titles(self, jobs: Iterable[Job], visible: Sequence[Job]) -> None:
        every = list(jobs)
        counts: dict[str, int] = {}
        for job in every:
            if not job.state.is_finished and job.state is not JobState.NotStarted:
                counts["active"] = counts.get("active", 0) + 1
            elif job.state is JobState.Failed:
                counts["failed"] = counts.get("failed", 0) + 1
        parts = [f"Jobs {len(every)}"]
        if counts.get("active"):
            parts.append(f"{counts['active']} active")
        if counts.get("failed"):
            parts.append(f"{counts['failed']} failed")
        # Content, not markup: a filter or a name may hold brackets.
        self.border_title = Content(" · ".join(parts))
        subtitle = []
        if self.filter_text.strip():
            subtitle.append(f"filter “{self.filter_text.strip()}”: {len(visible)} shown")
        arrow = "▼" if self.sort_reverse else "▲"
        subtitle.append(f"sort {_SPECS[self.sort_column].label} {arrow}")
        self.border_subtitle = Content(" · ".join(subtitle))

    def _header(self, spec: ColumnSpec) -> Text:
        label = spec.label
        if spec.key == self.sort_column:
            label += "▼" if self.sort_reverse else "▲"
        if spec.right:
            label = label.rjust(spec.width - 1)
        return Text(label)

    # -- reactions -----------------------------------------------------------------------------

    def watch_filter_text(self) -> None:
        """Show the jobs that pass the new filter."""
        self.sync(self._all_jobs)

    def _sort_changed(self) -> None:
        for spec in COLUMNS:
            self.columns[ColumnKey(spec.key)].label = self._header(spec)
        column = self.sort_column
        self._sort_values = {
            jid: (_sort_key(column, job, self.formatter), jid) for jid, job in self._jobs.items()
        }
        keep_id = self.highlighted_job_id
        self._sort_rows()
        self._restore_cursor(keep_id)
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
        """Sort by the next column."""
        index = COLUMN_KEYS.index(self.sort_column)
        self.sort_by(COLUMN_KEYS[(index + 1) % len(COLUMN_KEYS)])

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
            cells = self._cells[job_id]
            cells["id"] = self._cells_of(job)["id"]
            self.update_cell(str(job_id), "id", self._cell(job, "id", cells["id"]))
            self._versions[job_id] = self._version_of(job)
        if self.cursor_row < self.row_count - 1:
            self.move_cursor(row=self.cursor_row + 1)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Tell the screen when the cursor reaches another job."""
        if event.data_table is self:
            self._announce()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row: ask for that job's detail."""
        if event.data_table is not self or event.row_key.value is None:
            return
        event.stop()
        self.post_message(self.JobSelected(int(event.row_key.value)))

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        """A click on a header sorts by that column."""
        if event.data_table is self and event.column_key.value is not None:
            event.stop()
            self.sort_by(event.column_key.value)
