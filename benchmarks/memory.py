"""Peak resident memory while jobs print a lot; each case runs in a fresh process.

Run as a probe: ``python -m benchmarks.memory CASE`` prints one JSON line.
"""

from __future__ import annotations

import json
import resource
import sys
import time

from benchmarks.common import Row, against, probe

NAME = "2. peak RSS (MiB)"
_LINE = "jobtui memory benchmark: a line of output about eighty characters long.....\n"
CASES = {
    # 1 GiB of 80-character lines.
    "one-gib": [f"yes '{_LINE.rstrip()}' | head -c 1073741824"],
    # 100 jobs printing 10 MiB each, at the same time.
    "hundred-by-ten-mib": [f"yes '{_LINE.rstrip()}' | head -c 10485760"] * 100,
    # The floor: Python with the engine imported and no job.
    "idle": [],
}


def run(runs: int) -> list[Row]:
    """One probe per case (peak memory is a maximum, not a time: one run says it)."""
    rows = []
    for case, subject in (
        ("idle", "floor: engine, no job"),
        ("one-gib", "jobtui engine, 1 job x 1 GiB"),
        ("hundred-by-ten-mib", "jobtui engine, 100 jobs x 10 MiB"),
    ):
        result = probe("memory", case)
        peak = result["peak_rss_mib"]
        if case == "idle":
            rows.append(Row(NAME, subject, peak, "MiB"))
        else:
            met, shortfall = against(peak, 150, "MiB")
            rows.append(Row(NAME, subject, peak, "MiB", target="< 150 MiB", met=met,
                            shortfall=shortfall))  # fmt: skip
        if case == "one-gib":
            rows.append(
                Row(
                    "2b. read a page of 50 lines in the middle of 1 GiB (ms)",
                    "jobtui engine",
                    result["page_ms"],
                    "ms",
                )
            )
    return rows


def _measure(case: str) -> dict[str, float]:
    from jobtui.engine import JobEngine

    result: dict[str, float] = {}
    with JobEngine(guardian=False) as engine:
        jobs = [engine.start_job(command) for command in CASES[case]]
        if jobs:
            assert engine.wait_job(jobs, timeout=600) == jobs
        if case == "one-gib":
            store = jobs[0].transcript
            assert store is not None and store.size == 1 << 30
            middle = store.line_count // 2
            started = time.perf_counter()
            page = store.lines(middle, middle + 50)
            result["page_ms"] = (time.perf_counter() - started) * 1000
            assert len(page) == 50
        result["peak_rss_mib"] = peak_rss_kib() / 1024
    return result


def peak_rss_kib() -> int:
    """This process's peak resident memory, in KiB.

    VmHWM where there is one: Linux keeps ru_maxrss across exec, so a probe started by a larger
    parent would report the parent's size.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    print(json.dumps(_measure(sys.argv[1])))
