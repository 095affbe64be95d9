"""The job history's write cost: thousands of record updates, one transaction each.

Run as ``python -m benchmarks.history_writes [DIRECTORY]``: it prints the cost per update in
WAL (what a local disk gets) and in the DELETE journal (what a network filesystem gets), of a
whole record (a state change) and of a Receive cursor move. DIRECTORY defaults to a temporary
directory; give one on the disk you care about.
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

from jobtui.data.history import HistoryStore, JobRecord
from jobtui.engine import JobState

UPDATES = 5000
JOBS = 200
LOCAL = "1 0 0:1 / / rw - ext4 /dev/a rw\n"


def measure(directory: Path, network: bool) -> tuple[float, float]:
    """Milliseconds per whole-record update and per cursor update."""
    mountinfo = LOCAL + (f"2 1 0:2 / {directory} rw - nfs4 srv:/x rw\n" if network else "")
    db = directory / f"history-{'net' if network else 'local'}.db"
    with HistoryStore(db, mountinfo=mountinfo) as store:
        records = [
            JobRecord(
                id=store.allocate_id(),
                instance_id=str(uuid.uuid4()),
                name=f"Job{i}",
                command="python train.py --epochs 10",
                location="localhost",
                state=JobState.Running,
                cwd="/src",
                begin_time=time.time(),
            )
            for i in range(JOBS)
        ]
        store.save_many(records)
        start = time.perf_counter()
        for n in range(UPDATES):
            store.save(replace(records[n % JOBS], receive_cursor=n, state=JobState.Blocked))
        whole = (time.perf_counter() - start) / UPDATES * 1000
        start = time.perf_counter()
        for n in range(UPDATES):
            store.set_cursor(records[n % JOBS].id, n)
        cursor = (time.perf_counter() - start) / UPDATES * 1000
    return whole, cursor


def main() -> None:
    """Print the figures."""
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(temporary)
        for network in (False, True):
            whole, cursor = measure(directory, network)
            mode = "DELETE + synchronous=FULL" if network else "WAL + synchronous=NORMAL"
            print(
                f"{mode:28} {UPDATES} record updates: {whole:.3f} ms each; "
                f"cursor moves: {cursor:.3f} ms each"
            )


if __name__ == "__main__":
    main()
