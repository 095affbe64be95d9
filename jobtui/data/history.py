"""The job history: every job's record in SQLite, so that Get-Job survives a host restart.

One writer only (the session host; a lock file beside the database keeps a second one out).
Readers may open it read-only. Each write is one short transaction: WAL with
``synchronous=NORMAL`` on a local disk, where a whole record's update measured 0.04-0.08 ms and
a Receive cursor's 0.01-0.04 ms (``benchmarks/history_writes.py``, 5,000 updates). On a network
filesystem (NFS, CIFS, Lustre, GPFS...) WAL corrupts databases, so there the journal is DELETE
with ``synchronous=FULL`` and no mmap: 1.3-4.5 ms a write on a local disk (an fsync each), still
far below how often a job changes state, but too slow for a cursor per line: batch those.

Nothing here wipes state:

- the schema is versioned (``PRAGMA user_version``) and only ever migrated forward, one step at a
  time, each step in its own transaction (pueue 4 dropped queued tasks on upgrade, its #635);
- a schema newer than this code knows is opened read-only, with one line that says so;
- a database that is not one (or is damaged) is moved aside as ``history.db.corrupt-<time>``,
  said once, and a fresh one is made: the old file stays for whoever wants to rescue it;
- a write that fails (a full disk) is said once and kept pending; the next write that succeeds
  writes it too, so the latest state of every job reaches the disk once there is room.

Ids come from a persisted counter, so an id is never given twice, even after its job is removed.
"""

from __future__ import annotations

import contextlib
import enum
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

from jobtui.data.filesystems import filesystem_type, is_network_type
from jobtui.data.locks import FileLock
from jobtui.engine import JobState

#: The schema, one forward-only step per version: step ``n`` (1-based) brings a database from
#: version ``n - 1`` to ``n``. Never edit a released step; add one.
MIGRATIONS: tuple[str, ...] = (
    # 1: jobs, and the counter that keeps ids from being reused.
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO meta (key, value) VALUES ('next_id', 1);
    CREATE TABLE job (
        id INTEGER PRIMARY KEY,
        instance_id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        command TEXT NOT NULL,
        cwd TEXT,
        location TEXT NOT NULL,
        state TEXT NOT NULL,
        reason TEXT,
        exit_code INTEGER,
        signal TEXT,
        begin_time REAL,
        end_time REAL,
        parent_id INTEGER REFERENCES job (id) ON DELETE CASCADE,
        receive_cursor INTEGER NOT NULL DEFAULT 0,
        transcript TEXT
    );
    CREATE INDEX job_parent ON job (parent_id);
    """,
    # 2: what a new host needs to re-adopt a running job from its monitor (a pid alone could
    # be reused: its start time and the boot id say whether it is still the same process),
    # and the bytes a transcript budget dropped.
    """
    ALTER TABLE job ADD COLUMN monitor_pid INTEGER;
    ALTER TABLE job ADD COLUMN monitor_start INTEGER;
    ALTER TABLE job ADD COLUMN boot_id TEXT;
    ALTER TABLE job ADD COLUMN dropped_bytes INTEGER NOT NULL DEFAULT 0;
    """,
    # 3: what a new host needs to re-adopt a job that runs elsewhere (an SSH host's, a
    # cluster's): its PSJobTypeName, the remote side's id for it (the agent's job name, the
    # Slurm job id), and how to reach it again, as JSON (the host and its ssh options, the
    # remote job directory, the output files).
    """
    ALTER TABLE job ADD COLUMN type_name TEXT;
    ALTER TABLE job ADD COLUMN remote_id TEXT;
    ALTER TABLE job ADD COLUMN remote TEXT;
    """,
)

# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


class JournalMode(enum.Enum):
    """How the database keeps its journal."""

    WAL = "wal"  # local disks: fast, readers never block the writer
    DELETE = "delete"  # network filesystems: WAL's shared memory does not work there


class HistoryBusyError(RuntimeError):
    """Another process already writes this history (a second host)."""


class _Damaged(Exception):
    """``PRAGMA quick_check`` found a damaged database."""


@dataclass(frozen=True)
class JobRecord:
    """What the history keeps of one job (PowerShell's names where a user sees them)."""

    id: int
    instance_id: str
    name: str
    command: str
    location: str
    state: JobState
    cwd: str | None = None
    reason: str | None = None
    exit_code: int | None = None
    signal: str | None = None
    begin_time: float | None = None  # PSBeginTime, seconds since the epoch
    end_time: float | None = None  # PSEndTime
    parent_id: int | None = None  # the job whose ChildJobs this one is
    # How far Receive-Job has returned the transcript, in bytes: record numbers change when a
    # new host rebuilds the records from the monitor's files; byte offsets do not.
    receive_cursor: int = 0
    transcript: str | None = None  # the directory that holds the job's transcript
    monitor_pid: int | None = None
    monitor_start: int | None = None  # the monitor's start time, in clock ticks since boot
    boot_id: str | None = None  # the boot the monitor ran in
    dropped_bytes: int = 0  # output a transcript budget did not keep
    type_name: str | None = None  # PSJobTypeName (None: as the record's shape says)
    remote_id: str | None = None  # the remote side's id for the job (a Slurm job id...)
    remote: str | None = None  # JSON: how a new host reaches the job again
    child_ids: tuple[int, ...] = ()  # filled in when records are loaded; never stored


_COLUMNS = tuple(f.name for f in fields(JobRecord) if f.name != "child_ids")
_UPSERT = (
    f"INSERT INTO job ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)}) "
    f"ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c != "id")
)


def journal_mode_for(path: Path, mountinfo: str | None = None) -> JournalMode:
    """WAL unless ``path`` is on a network filesystem (``mountinfo``: text to read, for tests)."""
    kind = filesystem_type(path, mountinfo)
    return JournalMode.DELETE if kind is not None and is_network_type(kind) else JournalMode.WAL


class HistoryStore:
    """The one writer of the job history (or, with ``read_only``, one of its readers).

    Problems are never raised at the caller once the store is open: each becomes one line in
    ``notices`` (and a call of ``on_notice``), said once until things change.
    """

    def __init__(
        self,
        path: Path,
        *,
        read_only: bool = False,
        on_notice: Callable[[str], None] | None = None,
        mountinfo: str | None = None,
        migrations: Sequence[str] = MIGRATIONS,
    ) -> None:
        self.path = path
        self.notices: list[str] = []
        self._on_notice = on_notice
        self._migrations = tuple(migrations)
        self._failing: str | None = None
        self._lock: FileLock | None = None
        # What failed to reach the disk, written with the next write that can be.
        self._pending: dict[int, JobRecord] = {}
        self._pending_cursors: dict[int, int] = {}
        self._pending_removals: set[int] = set()
        self._next_id = 0
        self._next_id_dirty = False
        self.journal_mode = journal_mode_for(path, mountinfo)
        self.read_only = read_only
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._lock_writer()
        self._conn = self._open()

    # -- opening ------------------------------------------------------------------------------

    def _lock_writer(self) -> None:
        lock = FileLock(Path(f"{self.path}.lock"))
        if not lock.acquire():
            pid = lock.holder_pid()
            who = f" (pid {pid})" if pid else ""
            raise HistoryBusyError(f"{self.path} is already written by another jobtui host{who}")
        self._lock = lock

    def _open(self) -> sqlite3.Connection:
        if self.read_only:
            return self._open_read_only()
        conn: sqlite3.Connection | None = None
        try:
            conn = self._connect()
            self._check(conn)
        except (sqlite3.DatabaseError, _Damaged) as exc:
            if isinstance(exc, sqlite3.DatabaseError) and not _is_corruption(exc):
                raise
            if conn is not None:
                conn.close()
            self._move_aside(str(exc))
            conn = self._connect()
        version = _user_version(conn)
        if version > len(self._migrations):
            conn.close()
            self.read_only = True
            self._notice(
                f"{self.path.name} has schema version {version}, newer than this jobtui knows "
                f"({len(self._migrations)}): opened read-only, so jobs are not saved; "
                "upgrade jobtui, or restart the newer host"
            )
            return self._open_read_only()
        try:
            self._migrate(conn, version)
        except sqlite3.Error as exc:  # a full disk, most likely: keep what there is, read-only
            conn.close()
            self.read_only = True
            self._notice(
                f"{self.path.name} could not be brought to schema version "
                f"{len(self._migrations)} ({exc}): opened read-only, so jobs are not saved"
            )
            return self._open_read_only()
        self._next_id = int(
            conn.execute("SELECT value FROM meta WHERE key = 'next_id'").fetchone()[0]
        )
        return conn

    def _connect(self) -> sqlite3.Connection:
        # We BEGIN and COMMIT ourselves. Any thread may write (one at a time: the caller
        # serialises), so the session's writer thread can take over from the one that opened it.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        if self.journal_mode is JournalMode.WAL:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        else:
            conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA mmap_size = 0")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _open_read_only(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            f"{self.path.as_uri()}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA query_only = ON")
        if self.journal_mode is JournalMode.DELETE:
            conn.execute("PRAGMA mmap_size = 0")
        return conn

    @staticmethod
    def _check(conn: sqlite3.Connection) -> None:
        """Raise a corruption error if the file is not a sound database."""
        rows = conn.execute("PRAGMA quick_check").fetchall()
        if rows != [("ok",)]:
            raise _Damaged(f"database disk image is malformed: {rows[0][0]}")

    def _move_aside(self, why: str) -> None:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        os.replace(self.path, target)
        for suffix in ("-wal", "-journal"):
            side = Path(f"{self.path}{suffix}")
            if side.exists():
                os.replace(side, f"{target}{suffix}")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{self.path}-shm")  # derived from the WAL; meaningless without it
        self._notice(
            f"{self.path.name} could not be read ({why}): moved aside as {target.name}; "
            "starting a fresh history"
        )

    def _migrate(self, conn: sqlite3.Connection, version: int) -> None:
        for number in range(version + 1, len(self._migrations) + 1):
            script = self._migrations[number - 1]
            try:
                conn.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
                )
            except sqlite3.Error:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    # -- writing ------------------------------------------------------------------------------

    def allocate_id(self) -> int:
        """A job id never given before; the counter is persisted with this or a later write."""
        self._next_id = max(self._next_id, 1)
        job_id = self._next_id
        self._next_id += 1
        self._next_id_dirty = True
        self._flush()
        return job_id

    def save(self, record: JobRecord) -> bool:
        """Write a job's whole record (new or changed); False if it is only pending for now."""
        return self.save_many([record])

    def save_many(self, records: Iterable[JobRecord]) -> bool:
        """Write several records in one transaction (a batch of state changes)."""
        for record in records:
            self._pending[record.id] = record
            self._pending_removals.discard(record.id)
            self._pending_cursors.pop(record.id, None)
            if record.id >= self._next_id:  # an id from elsewhere must not be given again
                self._next_id = record.id + 1
                self._next_id_dirty = True
        return self._flush()

    def set_cursor(self, job_id: int, cursor: int) -> bool:
        """Move a job's Receive cursor (the cheapest write: Receive-Job does it often)."""
        pending = self._pending.get(job_id)
        if pending is not None:
            self._pending[job_id] = replace(pending, receive_cursor=cursor)
        else:
            self._pending_cursors[job_id] = cursor
        return self._flush()

    def remove(self, job_id: int) -> bool:
        """Forget a job (Remove-Job) and its child jobs; its id is still never reused."""
        self._pending.pop(job_id, None)
        self._pending_cursors.pop(job_id, None)
        self._pending_removals.add(job_id)
        return self._flush()

    @property
    def pending(self) -> int:
        """How many changes wait for a write that succeeds."""
        return (
            len(self._pending)
            + len(self._pending_cursors)
            + len(self._pending_removals)
            + int(self._next_id_dirty)
        )

    def _flush(self) -> bool:
        if self.read_only:
            return False
        if not self.pending:
            return True
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            for job_id in self._pending_removals:
                conn.execute("DELETE FROM job WHERE id = ?", (job_id,))
            conn.executemany(_UPSERT, [_row(r) for r in self._pending.values()])
            conn.executemany(
                "UPDATE job SET receive_cursor = ? WHERE id = ?",
                [(c, i) for i, c in self._pending_cursors.items()],
            )
            if self._next_id_dirty:
                conn.execute(
                    "UPDATE meta SET value = max(value, ?) WHERE key = 'next_id'",
                    (self._next_id,),
                )
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            why = str(exc)
            if self._failing != why:
                self._failing = why
                self._notice(
                    f"job history not saved ({why}): {self.pending} change(s) kept in memory "
                    "and written when the disk has room"
                )
            return False
        self._pending.clear()
        self._pending_cursors.clear()
        self._pending_removals.clear()
        self._next_id_dirty = False
        if self._failing is not None:
            self._failing = None
            self._notice("job history saved again")
        return True

    # -- reading ------------------------------------------------------------------------------

    @property
    def next_id(self) -> int:
        """The id the next job will get."""
        return max(self._next_id, 1)

    def load(self) -> list[JobRecord]:
        """Every job's record, by id, with its ``child_ids``; [] (and a notice) if unreadable."""
        try:
            rows = self._conn.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM job ORDER BY id"
            ).fetchall()
        except sqlite3.Error as exc:
            self._notice(f"job history could not be read: {exc}")
            return []
        records: list[JobRecord] = []
        for row in rows:
            try:
                records.append(_record(row))
            except ValueError as exc:  # a state a newer jobtui wrote
                self._notice(f"job {row[0]} in the history skipped: {exc}")
        children: dict[int, list[int]] = {}
        for record in records:
            if record.parent_id is not None:
                children.setdefault(record.parent_id, []).append(record.id)
        return [replace(r, child_ids=tuple(children.get(r.id, ()))) for r in records]

    def close(self) -> None:
        """Close the database and let another writer in."""
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _notice(self, text: str) -> None:
        self.notices.append(text)
        if self._on_notice is not None:
            self._on_notice(text)


def _row(record: JobRecord) -> tuple[object, ...]:
    values = [getattr(record, column) for column in _COLUMNS]
    values[_COLUMNS.index("state")] = record.state.name
    return tuple(values)


def _record(row: Sequence[object]) -> JobRecord:
    values = dict(zip(_COLUMNS, row, strict=True))
    values["state"] = JobState.parse(str(values["state"]))
    return JobRecord(**values)  # type: ignore[arg-type]


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(exc)
    return "not a database" in text or "malformed" in text
