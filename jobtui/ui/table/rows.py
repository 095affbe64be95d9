"""The job table's rows as data: each job's cells, what changed since the last refresh, the sort
order and the filter. The widget draws from this and keeps only the cursor and the pixels.

A refresh is a hot path (1,000 jobs, ten times a second while they change). It computes the cells
only of the jobs whose version moved, re-sorts only when a sort value moved or rows came or went,
and names the rows whose text changed, so that only those are repainted. The elapsed time of a
running job is taken when its row is read for drawing (:meth:`JobRows.cells`), so the clock costs
nothing for rows off screen.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from jobtui.engine import JobState
from jobtui.ui.formatting import STATE_LOOKS, JobFormatter, human_count
from jobtui.ui.records import JobRecord
from jobtui.ui.sanitize import plain
from jobtui.ui.table.columns import ON_DEMAND, SPECS, ColumnKey
from jobtui.ui.table.queue_cells import progress_cell, queue_places, time_left_cell

#: A cell's text and colour role: what is compared to decide whether a row must be redrawn.
Cell = tuple[str, str]
MARK = "●"
_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[Any, ...]:
    """A sort key that orders runs of digits by their value and letters in any case: ``Job3``
    before ``Job17``. A digit run compares as (length, digits) once its leading zeros go, which
    orders numbers of any length without converting them."""
    parts: list[Any] = _DIGITS.split(text.lower())
    for index in range(1, len(parts), 2):
        digits = parts[index].lstrip("0")
        parts[index] = (len(digits), digits)
    return tuple(parts)


def count_text(value: int) -> str:
    """A count in full, with thousands separators: ``1,234,567``."""
    return f"{value:,}"


def more_text(has_more_data: bool, unread: int, width: int) -> str:
    """The HasMoreData cell in at most ``width`` characters: ``True +1,234`` with the unread
    count in full where it fits, else rounded (``True +200k``)."""
    flag = "True" if has_more_data else "False"
    if not unread:
        return flag
    exact = f"{flag} +{count_text(unread)}"
    return exact if len(exact) <= width else f"{flag} +{human_count(unread)}"


def is_running(job: JobRecord) -> bool:
    """Whether the job's elapsed time still moves."""
    return job.ps_begin_time is not None and not job.state.is_finished


def matches(job: JobRecord, needle: str) -> bool:
    """Whether ``job``'s name, state, command or id contains ``needle`` (lower case)."""
    if not needle:
        return True
    return any(
        needle in text
        for text in (
            job.name.lower(),
            job.state.name.lower(),
            plain(job.command).lower(),
            str(job.id),
        )
    )


def seconds_left(job: JobRecord, formatter: JobFormatter) -> float | None:
    """Seconds left of the job's time limit (Start-Job -TimeoutSec) by the formatter's clock."""
    if job.timeout_sec is None:
        return None
    left = job.time_left_at(formatter.clock())
    return None if left is None else left.total_seconds()


def _progress_sort_value(job: JobRecord) -> int:
    progress = job.progress
    return -1 if progress is None else progress.percent_complete


SortKey = Callable[[JobRecord, JobFormatter], Any]

#: What each column sorts by: the value, not the text shown (PID 9 before PID 10).
SORT_KEYS: dict[str, SortKey] = {
    ColumnKey.ID: lambda job, f: job.id,
    ColumnKey.NAME: lambda job, f: natural_key(job.name),
    ColumnKey.TYPE: lambda job, f: job.ps_job_type_name,
    ColumnKey.STATE: lambda job, f: job.state.name,
    ColumnKey.MORE: lambda job, f: (job.has_more_data, job.unread_lines),
    ColumnKey.LOCATION: lambda job, f: job.location,
    ColumnKey.PID: lambda job, f: job.pid or 0,
    ColumnKey.CPU: lambda job, f: -1.0 if job.cpu_percent is None else job.cpu_percent,
    ColumnKey.MEM: lambda job, f: job.memory_rss or 0,
    ColumnKey.ELAPSED: lambda job, f: f.elapsed_seconds(job) or 0.0,
    ColumnKey.LEFT: lambda job, f: _or_inf(seconds_left(job, f)),
    ColumnKey.PROGRESS: lambda job, f: _progress_sort_value(job),
    ColumnKey.EXIT: lambda job, f: -1 if job.exit_code is None else job.exit_code,
    ColumnKey.COMMAND: lambda job, f: job.command.lower(),
}


def _or_inf(value: float | None) -> float:
    return float("inf") if value is None else value


@dataclass
class RowChanges:
    """What one refresh changed, for the widget to repaint."""

    #: Cells whose text or colour changed (a new row counts all of its cells).
    updates: int = 0
    #: Rows came, went or moved: the order is new and every row may have to be drawn again.
    reordered: bool = False
    #: Ids of the rows whose cells changed, when the order did not.
    changed: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.updates or self.reordered)


class JobRows:
    """The rows of the job table: which jobs pass the filter, their cells and their order."""

    def __init__(self, formatter: JobFormatter) -> None:
        self.formatter = formatter
        #: Ids of the marked jobs (the keys act on all of them).
        self.marked: set[int] = set()
        self.sort_column: str = ColumnKey.ID
        self.sort_reverse = False
        #: Only jobs whose name, state, command or id contain this (any case) are shown.
        self.filter_text = ""
        #: Job ids in display order, and each one's row index.
        self.order: list[int] = []
        self.positions: dict[int, int] = {}
        #: Characters the HasMoreData cell may take (its column's width less the gap).
        self.more_width = SPECS[ColumnKey.MORE].width - 1
        #: Characters of the longest name shown (what the Name column's width follows).
        self.widest_name = 0
        #: Every job of the last refresh, shown or not (a new filter applies to these).
        self.records: list[JobRecord] = []
        self._cells: dict[int, dict[str, Cell]] = {}
        self._row_versions: dict[int, int] = {}  # bumped whenever a row's cells change
        self._versions: dict[int, tuple[int, bool]] = {}
        self._sort_values: dict[int, Any] = {}
        self._shown: dict[int, JobRecord] = {}
        self._states: dict[int, JobState] = {}  # of the rows shown, for the title
        #: How many rows shown are in each state, kept as states move: the title reads these
        #: rather than counting 1,000 states at every refresh.
        self._state_counts: Counter[JobState] = Counter()
        self._title: str | None = None  # made again when a job moved on
        #: Each queued job's place (worked out from the tickets when the queue moves).
        self._places: dict[int, int] = {}
        self._tickets: dict[int, int | None] = {}
        #: The rows with text in each on-demand column, and those columns, while any has some.
        self._filled: dict[str, set[int]] = {key: set() for key in ON_DEMAND}
        self.needed_columns: frozenset[str] = frozenset()

    # -- what is shown ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.order)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._cells

    def record(self, job_id: int) -> JobRecord:
        """The record a shown row was made from."""
        return self._shown[job_id]

    def cells(self, job_id: int) -> dict[str, Cell]:
        """A shown row's cells, with the elapsed time of a running job taken now."""
        cells = self._cells[job_id]
        job = self._shown[job_id]
        if is_running(job):
            elapsed = self.formatter.elapsed(job)
            if elapsed != cells[ColumnKey.ELAPSED][0]:
                cells[ColumnKey.ELAPSED] = (elapsed, "")
                self._row_versions[job_id] += 1
            if job.timeout_sec is not None:
                left = time_left_cell(seconds_left(job, self.formatter))
                if left != cells[ColumnKey.LEFT]:
                    cells[ColumnKey.LEFT] = left
                    self._row_versions[job_id] += 1
        return cells

    def row_version(self, job_id: int) -> int:
        """A number that moves whenever the row's cells change (what a drawn row is cached by)."""
        return self._row_versions[job_id]

    def clock_moved(self, first: int, last: int) -> list[int]:
        """The row indices in ``[first, last)`` whose elapsed time moved on since drawn."""
        moved = []
        for index in range(first, last):
            job_id = self.order[index]
            job = self._shown[job_id]
            if not is_running(job):
                continue
            cells = self._cells[job_id]
            if self.formatter.elapsed(job) != cells[ColumnKey.ELAPSED][0] or (
                job.timeout_sec is not None
                and time_left_cell(seconds_left(job, self.formatter)) != cells[ColumnKey.LEFT]
            ):
                moved.append(index)
        return moved

    def target_job_ids(self, highlighted: int | None) -> list[int]:
        """The marked jobs still shown, or else ``highlighted``: what a key acts on."""
        marked = sorted(self.marked & self._cells.keys())
        if marked:
            return marked
        return [] if highlighted is None else [highlighted]

    def matches(self, job: JobRecord) -> bool:
        """Whether ``job`` passes the filter."""
        return matches(job, self._needle())

    def _needle(self) -> str:
        return self.filter_text.strip().lower()

    # -- refresh ---------------------------------------------------------------------------------

    def sync(
        self,
        records: Iterable[JobRecord],
        *,
        force: bool = False,
        changed: Collection[JobRecord] | None = None,
    ) -> RowChanges:
        """Make the rows show ``records`` (those that pass the filter); say what changed.

        ``changed``, when given, holds the only records that may differ from the last sync's
        (the jobs a pull brought): the others are not looked at, so a refresh after one job
        moved costs that job, not a pass over all 1,000. A filter or the Elapsed sort still
        looks at every job (a filtered title counts them, running jobs' sort values move).
        """
        self.records = list(records)
        needle = self._needle()
        visible = [job for job in self.records if matches(job, needle)] if needle else self.records
        result = RowChanges()
        names_moved = False
        by_elapsed = self.sort_column == ColumnKey.ELAPSED
        #: The records looked at: every one shown, or only those the caller says changed.
        looked_at: Iterable[JobRecord] = visible
        if changed is not None and not (force or needle or by_elapsed):
            looked_at = changed
        seen = self._versions
        marked = self.marked
        moved = force or bool(needle)  # the title counts hidden jobs too: unknown, so again
        queue_moved = force
        tickets = self._tickets
        for job in looked_at:
            # Without ``changed`` the loop runs over every job: it stays lean until one changed.
            job_id = job.id
            version = (job.version, job_id in marked)
            if not force and seen.get(job_id) == version:
                if by_elapsed and is_running(job):
                    result.reordered |= self._update_sort_value(job)
                continue
            moved = True
            seen[job_id] = version
            ticket = job.queue_ticket
            if tickets.get(job_id) != ticket:
                tickets[job_id] = ticket
                queue_moved = True
            self._shown[job_id] = job
            self._set_state(job_id, job.state)
            cells = self.cells_of(job)
            old = self._cells.get(job_id)
            if old is None:
                result.updates += len(cells)
                result.reordered = names_moved = True
            else:
                differing = sum(1 for key, value in cells.items() if old[key] != value)
                if not differing:
                    result.reordered |= self._update_sort_value(job)
                    continue
                result.updates += differing
                result.changed.append(job_id)
                names_moved |= old[ColumnKey.NAME] != cells[ColumnKey.NAME]
            self._cells[job_id] = cells
            self._row_versions[job_id] = self._row_versions.get(job_id, 0) + 1
            self._note_filled(job_id, cells)
            result.reordered |= self._update_sort_value(job)
        if len(self._cells) > len(visible):  # every job shown has a row: some rows are stale
            ids = {job.id for job in visible}
            for stale in [jid for jid in self._cells if jid not in ids]:
                self._set_state(stale, None)
                for table in (
                    self._cells,
                    self._versions,
                    self._sort_values,
                    self._shown,
                    self._row_versions,
                ):
                    table.pop(stale, None)
                queue_moved |= self._tickets.pop(stale, None) is not None
                self._note_filled(stale, None)
                self.marked.discard(stale)
            result.reordered = names_moved = True
        if queue_moved or (needle and moved):
            self._replace_places(result)
        if moved or result.reordered:
            self._title = None
        if names_moved:
            self.widest_name = max(
                (len(cells[ColumnKey.NAME][0]) for cells in self._cells.values()), default=0
            )
        if result.reordered:
            self._sort_rows()
        return result

    def _set_state(self, job_id: int, state: JobState | None) -> None:
        """Note a shown row's state (None: the row went), keeping the count of each state."""
        counts = self._state_counts
        old = self._states.pop(job_id, None) if state is None else self._states.get(job_id)
        if old is state:
            return
        if old is not None:
            counts[old] -= 1
            if not counts[old]:
                del counts[old]
        if state is not None:
            self._states[job_id] = state
            counts[state] += 1

    def _replace_places(self, result: RowChanges) -> None:
        """The queue moved: work out every place again, and redraw the rows whose place did."""
        old, new = self._places, queue_places(self.records)
        self._places = new
        changed = set(result.changed)
        for job_id in old.keys() | new.keys():
            cells = self._cells.get(job_id)
            if cells is None or old.get(job_id) == new.get(job_id):
                continue
            cell = progress_cell(self._shown[job_id], new.get(job_id))
            if cells[ColumnKey.PROGRESS] == cell:
                continue
            cells[ColumnKey.PROGRESS] = cell
            self._row_versions[job_id] += 1
            self._note_filled(job_id, cells)
            result.updates += 1
            if job_id not in changed:
                result.changed.append(job_id)

    def _note_filled(self, job_id: int, cells: dict[str, Cell] | None) -> None:
        """Keep count of the rows with text in each on-demand column (None: the row went)."""
        for key, filled in self._filled.items():
            if cells is not None and cells[key][0]:
                filled.add(job_id)
            else:
                filled.discard(job_id)
        needed = frozenset(key for key, filled in self._filled.items() if filled)
        if needed != self.needed_columns:
            self.needed_columns = needed

    def cells_of(self, job: JobRecord) -> dict[str, Cell]:
        """Each cell as (text, colour role): what is compared to decide on an update."""
        f = self.formatter
        job_id = job.id
        state = job.state
        look = STATE_LOOKS[state]
        unread = job.unread_lines
        marked = job_id in self.marked
        return {
            ColumnKey.ID: (f"{MARK if marked else ' '}{job_id}", "mark" if marked else ""),
            ColumnKey.NAME: (plain(job.name), ""),
            ColumnKey.TYPE: (job.ps_job_type_name, ""),
            ColumnKey.STATE: (look.label(state), look.role),
            ColumnKey.MORE: (
                more_text(job.has_more_data, unread, self.more_width),
                "accent" if unread else "",
            ),
            ColumnKey.LOCATION: (job.location, ""),
            ColumnKey.PID: (f.pid(job), ""),
            ColumnKey.CPU: (f.cpu(job), ""),
            ColumnKey.MEM: (f.memory(job), ""),
            ColumnKey.ELAPSED: (f.elapsed(job), ""),
            ColumnKey.LEFT: time_left_cell(seconds_left(job, f)),
            ColumnKey.EXIT: (f.exit_code(job), "error" if state is JobState.Failed else ""),
            ColumnKey.PROGRESS: progress_cell(job, self._places.get(job_id)),
            ColumnKey.COMMAND: (" ".join(plain(job.command).split()), ""),
        }

    def _update_sort_value(self, job: JobRecord) -> bool:
        sort_value = (SORT_KEYS[self.sort_column](job, self.formatter), job.id)
        if self._sort_values.get(job.id) == sort_value:
            return False
        self._sort_values[job.id] = sort_value
        return True

    def _sort_rows(self) -> None:
        values = self._sort_values
        self.order = sorted(self._cells, key=values.__getitem__, reverse=self.sort_reverse)
        self.positions = {job_id: index for index, job_id in enumerate(self.order)}

    # -- changes asked for -----------------------------------------------------------------------

    def set_filter(self, text: str) -> RowChanges:
        """Show only the jobs that contain ``text`` (of the last refresh's)."""
        self.filter_text = text
        return self.sync(self.records)

    def set_sort(self, column: str, reverse: bool) -> None:
        """Sort by ``column`` (a :class:`ColumnKey`), the other way round if ``reverse``."""
        self.sort_column = ColumnKey(column)
        self.sort_reverse = reverse
        key = SORT_KEYS[self.sort_column]
        formatter = self.formatter
        self._sort_values = {jid: (key(job, formatter), jid) for jid, job in self._shown.items()}
        self._sort_rows()

    def set_more_width(self, width: int) -> RowChanges:
        """Let the HasMoreData cell take ``width`` characters; its cells are made again."""
        if width == self.more_width:
            return RowChanges()
        self.more_width = width
        return self.sync(self.records, force=True)

    def toggle_mark(self, job_id: int) -> bool:
        """Mark or unmark a shown job; False if it is not shown."""
        self.marked ^= {job_id}
        job = self._shown.get(job_id)
        if job is None:
            return False
        self._cells[job_id][ColumnKey.ID] = self.cells_of(job)[ColumnKey.ID]
        self._row_versions[job_id] += 1
        self._versions[job_id] = (job.version, job_id in self.marked)
        return True

    # -- the titles ------------------------------------------------------------------------------

    def title(self) -> str:
        """The table's title: how many jobs, how many active, how many failed."""
        if self._title is None:
            self._title = self._count_title()
        return self._title

    def _count_title(self) -> str:
        # The states of the rows shown were read as their cells were made; only a filter hides
        # jobs whose states must be read again.
        states = (
            Counter(job.state for job in self.records) if self._needle() else self._state_counts
        )
        failed = states[JobState.Failed]
        active = sum(
            count
            for state, count in states.items()
            if not state.is_finished and state is not JobState.NotStarted
        )
        parts = [f"Jobs {len(self.records)}"]
        if active:
            parts.append(f"{active} active")
        if failed:
            parts.append(f"{failed} failed")
        return " · ".join(parts)

    def subtitle(self) -> str:
        """The table's subtitle: the filter and how many pass it, the sort column and direction."""
        parts = []
        needle = self.filter_text.strip()
        if needle:
            parts.append(f"filter “{needle}”: {len(self.order)} shown")
        arrow = "▼" if self.sort_reverse else "▲"
        parts.append(f"sort {SPECS[self.sort_column].label} {arrow}")
        return " · ".join(parts)
