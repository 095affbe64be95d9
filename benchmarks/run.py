"""Run every benchmark in one go; print the table and write it to benchmarks/results.md.

python -m benchmarks.run            # all, 5 runs each (medians)
python -m benchmarks.run --runs 3 --only capture,memory
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import Row

#: Benchmark modules in the order they print; each has ``run(runs) -> list[Row]``.
MODULES = [
    "capture",
    "memory",
    "many_jobs",
    "idle",
    "monitored",
    "table_refresh",
    "output_pane",
    "frames",
    "search_frames",
    "startup",
    "stop",
    "search",
    "ssh",
    "slurm",
    "session_host",
]
RESULTS = Path(__file__).with_name("results.md")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks; returns 0."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--only", default="", help="comma-separated modules: " + ",".join(MODULES))
    args = parser.parse_args(argv)
    chosen = [m for m in MODULES if not args.only or m in args.only.split(",")]
    rows: list[Row] = []
    for name in chosen:
        started = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        rows.extend(module.run(args.runs))
        print(f"[{name}: {time.perf_counter() - started:.1f} s]", file=sys.stderr)
    table = render(rows, args.runs)
    print(table)
    RESULTS.write_text(table + "\n")
    return 0


def render(rows: list[Row], runs: int) -> str:
    """A Markdown table: each subject's figure, its ratio to the best of its benchmark and whether
    it meets its target; then where targets are missed, by how much and why."""
    lines = [
        "# jobtui benchmarks",
        "",
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}, "
        f"{os.cpu_count()} cores; each figure is the median of {runs} runs (or more: see each "
        "module); made by `python -m benchmarks.run`.",
        "",
        "| benchmark | subject | value | ratio to best | target | met |",
        "|---|---|---:|---:|---|---|",
    ]
    for benchmark in dict.fromkeys(r.benchmark for r in rows):
        group = [r for r in rows if r.benchmark == benchmark]
        best = min(r.value for r in group) if group[0].lower_is_better else max(
            r.value for r in group)  # fmt: skip
        for row in group:
            ratio = f"{row.value / best:.2f}x" if best else "-"
            verdict = {None: "", True: "yes", False: "**no**"}[row.met]
            lines.append(
                f"| {benchmark} | {_cell(row.subject)} | {row.value:.3f} {row.unit} | {ratio} | "
                f"{row.target} | {verdict} |"
            )
    missed = [r for r in rows if r.met is False]
    lines += ["", "## Where targets are missed", ""]
    if not missed:
        lines.append("Nowhere: every target is met.")
    for row in missed:
        why = f" Why: {row.why}." if row.why else ""
        lines.append(f"- **{row.benchmark}**, {row.subject}: {row.shortfall}.{why}")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


if __name__ == "__main__":
    sys.exit(main())
