"""The lock file: one holder across processes and within one, gone with its holder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jobtui.data.history import HistoryBusyError, HistoryStore
from jobtui.data.locks import FileLock

ROOT = Path(__file__).resolve().parents[3]

_HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from jobtui.data.locks import FileLock
    lock = FileLock(Path(sys.argv[1]))
    print("held" if lock.acquire() else "refused", flush=True)
    time.sleep(300)
    """
)


def hold(path: Path) -> subprocess.Popen[str]:
    """Another process that takes the lock and keeps it until killed."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def test_a_lock_held_by_another_process_is_refused_until_it_dies(tmp_path: Path) -> None:
    path = tmp_path / "host.lock"
    holder = hold(path)
    try:
        lock = FileLock(path)
        assert not lock.acquire()
        assert lock.holder_pid() == holder.pid
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert lock.acquire()  # a killed holder leaves nothing that blocks
    assert lock.holder_pid() == os.getpid()
    lock.release()
    assert path.read_text() == ""


def test_a_second_holder_in_the_same_process_is_refused(tmp_path: Path) -> None:
    first, second = FileLock(tmp_path / "x.lock"), FileLock(tmp_path / "x.lock")
    assert first.acquire() and first.held
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_a_second_history_writer_in_another_process_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    holder = hold(Path(f"{db}.lock"))
    try:
        with pytest.raises(HistoryBusyError, match=rf"\(pid {holder.pid}\)"):
            HistoryStore(db)
    finally:
        holder.kill()
        holder.wait()
    HistoryStore(db).close()
