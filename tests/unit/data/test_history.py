"""The SQLite job history: records, ids, journal modes, migrations and every bad file."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from jobtui.data.history import (
    MIGRATIONS,
    HistoryBusyError,
    HistoryStore,
    JobRecord,
    JournalMode,
)
from jobtui.engine import JobState

LOCAL = "1 0 0:1 / / rw - ext4 /dev/a rw\n"


def record(job_id: int, **changes: object) -> JobRecord:
    base = JobRecord(
        id=job_id,
        instance_id=str(uuid.uuid4()),
        name=f"Job{job_id}",
        command="make test",
        location="localhost",
        state=JobState.Running,
        cwd="/src",
        begin_time=1000.5,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def journal_mode(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()


def test_records_survive_a_reopen_with_every_field(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    parent = record(
        1,
        state=JobState.Failed,
        reason="Exit code 2: make: *** [test] Error 2",
        exit_code=2,
        end_time=1010.25,
        transcript="/state/jobs/x",
        monitor_pid=4242,
        monitor_start=987654,
        boot_id="b00t",
        dropped_bytes=12,
    )
    child = record(2, parent_id=1, signal="SIGKILL", receive_cursor=7)
    with HistoryStore(db, mountinfo=LOCAL) as store:
        assert store.save_many([parent, child])
    with HistoryStore(db, mountinfo=LOCAL) as store:
        loaded = store.load()
    assert [r.id for r in loaded] == [1, 2]
    assert loaded[0] == replace(parent, child_ids=(2,))
    assert loaded[1] == child
    assert loaded[1].state is JobState.Running


def test_ids_are_never_reused_after_remove_and_restart(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    with HistoryStore(db, mountinfo=LOCAL) as store:
        first, second = store.allocate_id(), store.allocate_id()
        store.save(record(first))
        store.save(record(second))
        store.remove(second)
        store.remove(first)
        assert store.load() == []
    with HistoryStore(db, mountinfo=LOCAL) as store:
        assert store.allocate_id() == second + 1
        store.save(record(50))  # an id given elsewhere (a restored job) moves the counter on
    with HistoryStore(db, mountinfo=LOCAL) as store:
        assert store.allocate_id() == 51


def test_the_receive_cursor_is_its_own_cheap_write(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    with HistoryStore(db, mountinfo=LOCAL) as store:
        store.save(record(1))
        assert store.set_cursor(1, 99)
    with HistoryStore(db, mountinfo=LOCAL) as store:
        assert store.load()[0].receive_cursor == 99


def test_removing_a_parent_removes_its_child_jobs(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "history.db", mountinfo=LOCAL) as store:
        store.save_many([record(1), record(2, parent_id=1), record(3)])
        store.remove(1)
        assert [r.id for r in store.load()] == [3]


def test_wal_on_a_local_disk(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    with HistoryStore(db, mountinfo=LOCAL) as store:
        assert store.journal_mode is JournalMode.WAL
        store.save(record(1))
        assert journal_mode(db) == "wal"


def test_a_safe_journal_on_a_network_filesystem(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    nfs = f"{LOCAL}2 1 0:2 / {tmp_path} rw,relatime - nfs4 filer:/home rw\n"
    with HistoryStore(db, mountinfo=nfs) as store:
        assert store.journal_mode is JournalMode.DELETE
        store.save(record(1))
        assert journal_mode(db) == "delete"
        assert store._conn.execute("PRAGMA mmap_size").fetchone()[0] == 0
        assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert not Path(f"{db}-wal").exists()


def test_the_live_filesystem_decides_by_default(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "history.db") as store:
        # pytest's tmp_path is on this machine's own disk (or a tmpfs), never a network one.
        assert store.journal_mode is JournalMode.WAL


def test_a_v1_database_migrates_to_the_current_schema_keeping_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.executescript(f"BEGIN; {MIGRATIONS[0]}; PRAGMA user_version = 1; COMMIT;")
    conn.execute(
        "INSERT INTO job (id, instance_id, name, command, location, state, receive_cursor)"
        " VALUES (7, 'i-7', 'build', 'make', 'localhost', 'Completed', 3)"
    )
    conn.execute("UPDATE meta SET value = 8 WHERE key = 'next_id'")
    conn.close()
    with HistoryStore(db, mountinfo=LOCAL) as store:
        (kept,) = store.load()
        assert (kept.id, kept.name, kept.state, kept.receive_cursor) == (
            7,
            "build",
            JobState.Completed,
            3,
        )
        assert kept.monitor_pid is None and kept.dropped_bytes == 0  # the v2 columns
        assert kept.type_name is kept.remote_id is kept.remote is None  # the v3 columns
        assert store.allocate_id() == 8
        assert store.save(record(8, monitor_pid=10, boot_id="b"))
        assert store.save(record(9, type_name="SlurmJob", remote_id="12", remote='{"id": 12}'))
    with HistoryStore(db, mountinfo=LOCAL) as store:
        remote = store.load()[-1]
        assert (remote.type_name, remote.remote_id, remote.remote) == (
            "SlurmJob",
            "12",
            '{"id": 12}',
        )
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 3
    conn.close()


def test_a_newer_schema_opens_read_only_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    with HistoryStore(db, mountinfo=LOCAL) as store:
        store.save(record(1))
    newer = [*MIGRATIONS, "CREATE TABLE tag (job INTEGER, tag TEXT);"]
    with HistoryStore(db, mountinfo=LOCAL, migrations=newer) as store:
        store.save(record(2))
    before = db.read_bytes()
    said: list[str] = []
    with HistoryStore(db, mountinfo=LOCAL, on_notice=said.append) as store:
        assert store.read_only
        assert [r.id for r in store.load()] == [1, 2]
        assert not store.save(record(3))
        assert not store.remove(1)
    assert len(said) == 1 and "\n" not in said[0]
    assert f"schema version {len(MIGRATIONS) + 1}" in said[0] and "read-only" in said[0]
    assert db.read_bytes() == before


def test_a_corrupt_database_is_moved_aside_once_and_a_fresh_one_made(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    garbage = os.urandom(8192)
    db.write_bytes(garbage)
    said: list[str] = []
    with HistoryStore(db, mountinfo=LOCAL, on_notice=said.append) as store:
        assert store.load() == []
        assert store.save(record(store.allocate_id()))
    (aside,) = tmp_path.glob("history.db.corrupt-*")
    assert aside.read_bytes() == garbage
    assert len(said) == 1 and aside.name in said[0] and "\n" not in said[0]
    with HistoryStore(db, mountinfo=LOCAL, on_notice=said.append) as store:
        assert [r.id for r in store.load()] == [1]
    assert len(said) == 1  # the fresh database is sound: nothing more to say


def test_a_damaged_page_is_found_by_the_check(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    with HistoryStore(db, mountinfo=LOCAL) as store:
        store.save_many([record(i, command="x" * 2000) for i in range(1, 40)])
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db.read_bytes())
    page = 4096
    data[2 * page : 3 * page] = b"\xff" * page  # a page in the middle of the job table
    db.write_bytes(bytes(data))
    said: list[str] = []
    with HistoryStore(db, mountinfo=LOCAL, on_notice=said.append) as store:
        assert store.load() == []
    assert len(list(tmp_path.glob("history.db.corrupt-*"))) == 1 and len(said) == 1


def test_a_second_writer_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    with HistoryStore(db, mountinfo=LOCAL) as store:
        store.save(record(1))
        with pytest.raises(HistoryBusyError, match="already written"):
            HistoryStore(db, mountinfo=LOCAL)
        with HistoryStore(db, mountinfo=LOCAL, read_only=True) as reader:
            assert [r.id for r in reader.load()] == [1]
            assert not reader.save(record(2))
    with HistoryStore(db, mountinfo=LOCAL) as store:  # the lock went with the first writer
        assert [r.id for r in store.load()] == [1]


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs (needs root, as the reliability suite's small disk does).

    Smaller is not a fair test: WAL's shared-memory file alone takes 32 KiB of it.
    """
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_reported_once_and_nothing_is_lost(tiny_disk: Path) -> None:
    db = tiny_disk / "history.db"
    said: list[str] = []
    store = HistoryStore(db, mountinfo=LOCAL, on_notice=said.append)
    try:
        assert store.save(record(1))
        filler = tiny_disk / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:  # take every block that is left
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        finally:
            os.close(fd)
        results = [store.save(record(i, command="y" * 3000)) for i in range(2, 12)]
        assert not all(results)
        assert store.pending > 0
        assert len([s for s in said if "not saved" in s]) == 1
        assert "full" in said[0] and "\n" not in said[0]
        filler.unlink()
        assert store.save(record(12))
        assert store.pending == 0
        assert said[-1] == "job history saved again"
    finally:
        store.close()
    with HistoryStore(db, mountinfo=LOCAL) as store:
        assert [r.id for r in store.load()] == list(range(1, 13))
