"""Slurm: a ``true`` job from submit to Completed, Get-Job over 100 cluster jobs, and the CPU
that following 100 and 1,000 pending jobs costs.

Runs against a one-node Slurm on loopback (the tests' own, tests/services/slurm.py), so it needs
root and Debian's slurm-wlm and munge; without them it prints no rows and says why. The peer for
the first figure is ``sbatch --wait --wrap true``: Slurm's own client, blocking until the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time

from benchmarks.common import Row, median_of, timed
from jobtui.commands import CommandSession
from jobtui.engine import JobEngine, JobState
from jobtui.engine.slurm import SlurmBackend
from jobtui.engine.slurm.backend import MAX_POLL_INTERVAL

NAME = "12. Slurm: a `true` job from submit to Completed (s)"
LISTING = "12b. Slurm: Get-Job over 100 cluster jobs (ms)"
MANY = "12d. Slurm: 100 `true` jobs, submitted to all done (s)"
POLL_CPU = "12c. Slurm: CPU that following pending jobs costs (% of a core)"
JOBS = 100
#: The larger queue followed for the CPU row: ten times the hundred.
PENDING = 1000


def run(runs: int) -> list[Row]:
    """The rows, or none (with a note on stderr) where no Slurm can be started."""
    from tests.services.slurm import _why_not, start_cluster

    why = _why_not()
    if why is not None:
        print(f"[slurm: skipped: {why}]", file=sys.stderr)
        return []
    directory = tempfile.mkdtemp(prefix="jobtui-slurm-bench-")
    cluster = start_cluster(directory)
    old = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = cluster.conf
    os.environ["JOBTUI_SLURM_OUTPUT"] = os.path.join(directory, "out")
    try:
        return _measure(runs, directory)
    finally:
        cluster.stop()
        if old is None:
            os.environ.pop("SLURM_CONF", None)
        else:
            os.environ["SLURM_CONF"] = old
        shutil.rmtree(directory, ignore_errors=True)


def _measure(runs: int, directory: str) -> list[Row]:
    sbatch = median_of(
        runs,
        lambda: timed(
            lambda: subprocess.run(
                ["sbatch", "--wait", "--wrap", "true", "-o", "/dev/null"],
                check=True,
                capture_output=True,
                cwd=directory,
            )
        ),
    )
    with JobEngine(guardian=False) as engine:
        engine.add_backend(lambda hooks: SlurmBackend(hooks, session_id=engine.session_id))
        session = CommandSession(engine, width=120)

        def one() -> float:
            started = time.perf_counter()
            job = engine.start_job("true", location="slurm")
            engine.wait_job([job], timeout=60)
            seconds = time.perf_counter() - started
            assert job.state is JobState.Completed, job.reason
            engine.remove_job(job)
            return seconds

        jobtui = median_of(runs, one)
        # Once each (a hundred jobs on two CPUs take tens of seconds): jobtui, then sbatch
        # plus squeue polled every 0.25 s until none is left, as a script would.
        started = time.perf_counter()
        many = [engine.start_job("true", location="slurm") for _ in range(JOBS)]
        engine.wait_job(many, timeout=600)
        jobtui_many = time.perf_counter() - started
        assert all(job.state is JobState.Completed for job in many)
        for job in many:
            engine.remove_job(job)
        script_many = _sbatch_and_poll(directory)
        # 100 jobs held in the queue: each poll reads all of them from one squeue.
        for _ in range(JOBS):
            session.execute("$j = Start-Job -Location slurm -Resources Sbatch=--hold {true}")
        shown = [line for line in session.execute("Get-Job").lines if "SlurmJob" in line.text]
        assert len(shown) == JOBS, len(shown)
        listing = median_of(runs, lambda: timed(lambda: session.execute("Get-Job")) * 1000)
        cpu = _following_cpu()
        # Ten times as many, all pending: one squeue --json still covers them all.
        for _ in range(PENDING - JOBS):
            engine.start_job("true", location="slurm", resources={"Sbatch": "--hold"})
        cpu_pending = _following_cpu()
    return [
        Row(NAME, "jobtui engine", jobtui, "s", target="within 1.2x sbatch --wait",
            met=jobtui <= sbatch * 1.2,
            shortfall="" if jobtui <= sbatch * 1.2 else f"{jobtui / sbatch:.2f}x sbatch --wait",
            why="one squeue per poll: the end is seen up to a poll late"),
        Row(NAME, "sbatch --wait --wrap true", sbatch, "s"),
        Row(MANY, "jobtui engine", jobtui_many, "s", target="within 1.2x the script",
            met=jobtui_many <= script_many * 1.2,
            shortfall="" if jobtui_many <= script_many * 1.2
            else f"{jobtui_many / script_many:.2f}x the script"),
        Row(MANY, "sbatch x100, then squeue every 0.25 s", script_many, "s"),
        Row(LISTING, "jobtui Get-Job (formatted)", listing, "ms"),
        Row(POLL_CPU, f"jobtui, {JOBS} pending, one squeue --json per 0.25-2 s", cpu, "%"),
        Row(POLL_CPU, f"jobtui, {PENDING:,} pending, one squeue --json per 0.25-2 s",
            cpu_pending, "%"),
    ]  # fmt: skip


def _following_cpu(seconds: float = 10.0) -> float:
    """This process's CPU and its children's (the squeue calls) over ``seconds`` of a quiet
    queue, as a percentage of one core; after a pause that lets the poll slow to its pace."""
    time.sleep(MAX_POLL_INTERVAL * 2)
    before, wall_before = _cpu(), time.perf_counter()
    time.sleep(seconds)
    return (_cpu() - before) / (time.perf_counter() - wall_before) * 100


def _sbatch_and_poll(directory: str) -> float:
    started = time.perf_counter()
    ids = [
        subprocess.run(
            ["sbatch", "--parsable", "-o", "/dev/null", "--wrap", "true"],
            check=True, capture_output=True, text=True, cwd=directory,
        ).stdout.strip()
        for _ in range(JOBS)
    ]  # fmt: skip
    wanted = ",".join(ids)
    while subprocess.run(
        ["squeue", "-h", "-j", wanted, "-t", "PENDING,RUNNING,COMPLETING,CONFIGURING"],
        check=True, capture_output=True, text=True,
    ).stdout.strip():  # fmt: skip
        time.sleep(0.25)
    return time.perf_counter() - started


def _cpu() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system
