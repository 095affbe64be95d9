"""Remote jobs over SSH, against a real sshd on loopback (the tests' server).

- One remote `true` from Invoke-Command to Completed: the first (cold: ssh's handshake and
  the master connection) and later ones over the open connection.
- 100 remote `true` jobs on one host, against a shell loop of `ssh host true` (each over the
  same open master connection, the loop's best case) and GNU parallel's `-S` (its own ssh per
  job).
- Time to a remote job's first output, and the throughput of a big output against
  `ssh host seq 10000000 | cat`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from benchmarks import peers
from benchmarks.common import Row, against, median_of, shell_seconds
from jobtui.commands import CommandSession
from jobtui.engine import JobEngine, JobState

NAME_ONE = "7a. A remote `true` job, Invoke-Command -AsJob to Completed (ms)"
NAME_MANY = "7b. 100 remote `true` jobs on one host, started and all finished (s)"
NAME_FIRST = "7c. Remote `sleep 0.2; echo hi`: start to its first output (ms)"
NAME_THROUGHPUT = "7d. Remote `seq 10000000` (78 MB) captured whole (s)"
COUNT = 100
HOST = "sshtest1"


def run(runs: int) -> list[Row]:
    """The rows, or none (said on stderr) where sshd cannot run."""
    from tests.services.sshd import Unavailable, running_sshd

    try:
        with running_sshd() as server:
            os.environ["JOBTUI_SSH_CONFIG"] = server.config_file
            try:
                return _rows(runs, server.config_file)
            finally:
                server.kill_user_processes()
    except Unavailable as why:
        print(f"[ssh: skipped: {why}]", file=sys.stderr)
        return []


def _one(session: CommandSession) -> float:
    started = time.perf_counter()
    result = session.execute(f"Invoke-Command -HostName {HOST} {{true}} -AsJob")
    (job,) = result.jobs
    session.engine.wait_job([job])
    seconds = time.perf_counter() - started
    assert job.state is JobState.Completed, job.child_jobs[0].job_state_info.reason
    session.engine.remove_job(job)
    return seconds


def _many(session: CommandSession) -> float:
    engine = session.engine
    started = time.perf_counter()
    jobs = [session.execute(f"Invoke-Command -HostName {HOST} {{true}} -AsJob").jobs[0]]
    location = _location(session)
    jobs += [engine.start_job_on("true", [location]) for _ in range(COUNT - 1)]
    engine.wait_job(jobs)
    seconds = time.perf_counter() - started
    assert all(job.state is JobState.Completed for job in jobs)
    for job in jobs:
        engine.remove_job(job)
    return seconds


def _rows(runs: int, config: str) -> list[Row]:
    colds = []
    for _ in range(runs):
        with JobEngine(guardian=False) as engine:
            colds.append(_one(CommandSession(engine)))
    with JobEngine(guardian=False) as engine:
        session = CommandSession(engine)
        _one(session)  # opens the connection
        warm = median_of(runs, lambda: _one(session))
        many = median_of(runs, lambda: _many(session))
        first = median_of(runs, lambda: _first_output(session))
        captured = median_of(runs, lambda: _captured(session))
    rows = [
        Row(NAME_ONE, "jobtui, first job (cold connection)", sorted(colds)[len(colds) // 2] * 1e3,
            "ms"),
        Row(NAME_ONE, "jobtui, over the open connection", warm * 1e3, "ms"),
    ]  # fmt: skip
    control = f"/tmp/jobtui-bench-ssh-{os.getpid()}"
    master = ["ssh", "-F", config, "-o", f"ControlPath={control}", "-o", "BatchMode=yes"]
    subprocess.run([*master, "-M", "-N", "-f", "-o", "ControlPersist=60", HOST], check=True)
    try:
        loop = median_of(runs, lambda: shell_seconds(
            f"for i in $(seq {COUNT}); do ssh -F {config} -o ControlPath={control} {HOST} true;"
            " done"))  # fmt: skip
    finally:
        subprocess.run([*master, "-O", "exit", HOST], capture_output=True, check=False)
    peer_rows = [Row(NAME_MANY, "shell loop: ssh host true (open connection)", loop, "s")]
    if peers.have("parallel"):
        parallel = median_of(min(runs, 2), lambda: shell_seconds(
            f"parallel -j 10 --ssh 'ssh -F {config}' -S {HOST} true ::: $(seq {COUNT})"
            " >/dev/null 2>&1"))  # fmt: skip
        peer_rows.append(Row(NAME_MANY, "parallel -S host (-j 10)", parallel, "s"))
    best = min(r.value for r in peer_rows)
    met, shortfall = against(many, best, "s")
    rows += peer_rows
    rows.append(Row(NAME_MANY, "jobtui engine", many, "s", target="ahead of both", met=met,
                    shortfall=shortfall))  # fmt: skip
    rows.append(Row(NAME_FIRST, "jobtui, over the open connection", first * 1e3, "ms",
                    target="the sleep's 200 ms plus a poll"))  # fmt: skip
    piped = median_of(runs, lambda: shell_seconds(
        f"ssh -F {config} {HOST} seq 10000000 | cat > /dev/null"))  # fmt: skip
    met, shortfall = against(captured, piped * 1.5, "s")
    rows += [
        Row(NAME_THROUGHPUT, "ssh host seq 10000000 | cat > /dev/null", piped, "s"),
        Row(NAME_THROUGHPUT, "jobtui engine", captured, "s",
            target="within 1.5x of ssh piped to cat", met=met, shortfall=shortfall,
            why="" if met else "each poll is a new ssh exec and python3 on the host (16 MiB "
            "a poll, then 128 MiB while the job is behind)"),
    ]  # fmt: skip
    return rows


def _first_output(session: CommandSession) -> float:
    engine = session.engine
    location = _location(session)
    started = time.perf_counter()
    job = engine.start_job_on("sleep 0.2; echo hi", [location])
    store = job.child_jobs[0].output
    assert store is not None
    while not store.size:
        time.sleep(0.001)
    seconds = time.perf_counter() - started
    engine.wait_job([job])
    engine.remove_job(job)
    return seconds


def _captured(session: CommandSession) -> float:
    engine = session.engine
    started = time.perf_counter()
    job = engine.start_job_on("seq 10000000", [_location(session)])
    engine.wait_job([job])
    seconds = time.perf_counter() - started
    store = job.child_jobs[0].output
    assert job.state is JobState.Completed and store is not None and store.size == 78888897, (
        job.state,
        store and store.size,
        job.child_jobs[0].status_message,
    )
    engine.remove_job(job)
    return seconds


def _location(session: CommandSession) -> str:
    from jobtui.engine.ssh import ensure_location, parse_host

    return ensure_location(session.engine, parse_host(HOST))
