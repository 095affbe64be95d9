"""What a job monitor costs: start-up to the first byte captured, memory, and capture speed.

Run as ``python -m benchmarks.job_monitor``. It prints, for the monitor run by path
(``python -I -S``, what the host uses) and by module (``python -m``):

- the time from starting the monitor to the first byte of ``echo`` captured (the time in the
  first index entry, taken by the monitor as it read), median of 20;
- the memory of a monitor and its sentinel while the job sleeps: RSS, and PSS/private (what
  each more job really adds, since the sentinel shares the monitor's pages);
- ``seq 10000000`` captured through a monitor, against ``seq 10000000 | cat > file``.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from jobtui.engine.local import jobmonitor
from jobtui.engine.local.jobfiles import JobFiles, start_monitor

RUNS = 20


def first_byte(root: Path, by_module: bool) -> float:
    """Seconds from starting a monitor to its first byte of output captured."""
    job = root / str(uuid.uuid4())
    start = time.time()
    process, _ = start_monitor(job, ["echo", "x"], cwd="/", by_module=by_module)
    process.wait()
    first = next(JobFiles(job).chunks())
    return first.time - start


def memory(root: Path, by_module: bool) -> dict[str, float]:
    """KiB of RSS, PSS and private memory of a monitor and of its sentinel."""
    job = root / str(uuid.uuid4())
    process, info = start_monitor(job, ["sleep", "30"], cwd="/", by_module=by_module)
    try:
        children = Path(f"/proc/{info.monitor_pid}/task/{info.monitor_pid}/children").read_text()
        sentinel = next(int(p) for p in children.split() if int(p) != info.job_pid)
        figures: dict[str, float] = {}
        for who, pid in (("monitor", info.monitor_pid), ("sentinel", sentinel)):
            rollup = _rollup(pid)
            figures[f"{who} rss"] = rollup["Rss"]
            figures[f"{who} pss"] = rollup["Pss"]
            figures[f"{who} private"] = rollup["Private_Clean"] + rollup["Private_Dirty"]
        return figures
    finally:
        subprocess.run(["kill", "-TERM", str(info.monitor_pid)], check=False)
        process.wait()


def _rollup(pid: int) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        values[name] = float(rest.split()[0])
    return values


def capture(root: Path) -> tuple[float, float]:
    """Seconds for seq 10000000 through a monitor, and through ``| cat > file``."""
    job = root / str(uuid.uuid4())
    start = time.perf_counter()
    process, _ = start_monitor(job, ["seq", "10000000"], cwd="/")
    process.wait()
    through_monitor = time.perf_counter() - start
    status = JobFiles(job).exit_status()
    assert status is not None and status.transcript_bytes == 78888897
    start = time.perf_counter()
    subprocess.run(f"seq 10000000 | cat > {root / 'seq.txt'}", shell=True, check=True)
    return through_monitor, time.perf_counter() - start


def main() -> None:
    """Print the figures."""
    assert jobmonitor.FORMAT == 1
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        for by_module in (False, True):
            how = "python -m" if by_module else "python -I -S path"
            first_byte(root, by_module)  # warm the page cache
            times = sorted(first_byte(root, by_module) for _ in range(RUNS))
            print(
                f"{how:18} first byte captured: median {statistics.median(times) * 1000:.1f} ms"
                f" (min {times[0] * 1000:.1f}, max {times[-1] * 1000:.1f})"
            )
            figures = memory(root, by_module)
            print(f"{how:18} " + ", ".join(f"{k} {v / 1024:.1f} MiB" for k, v in figures.items()))
        runs = [capture(root) for _ in range(3)]
        monitor = statistics.median(r[0] for r in runs)
        cat = statistics.median(r[1] for r in runs)
        print(
            f"seq 10000000: through a monitor {monitor:.2f} s, | cat > file {cat:.2f} s "
            f"({monitor / cat:.2f}x)"
        )


if __name__ == "__main__":
    main()
