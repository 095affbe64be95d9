"""The peers jobtui is compared with: task-spooler (tsp) and GNU parallel.

Both come from Debian's packages; `benchmarks/setup.sh` installs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager


def have(program: str) -> bool:
    """True if ``program`` is on PATH."""
    return shutil.which(program) is not None


@contextmanager
def tsp_server(slots: int) -> Iterator[dict[str, str]]:
    """A private tsp server (its own socket) with ``slots`` slots; killed afterwards."""
    directory = tempfile.mkdtemp(prefix="jobtui-bench-tsp-")
    env = dict(os.environ, TS_SOCKET=os.path.join(directory, "socket"), TMPDIR=directory)
    subprocess.run(["tsp", "-S", str(slots)], env=env, check=True)
    try:
        yield env
    finally:
        subprocess.run(["tsp", "-K"], env=env, check=False, capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


def tsp_capture(command: str) -> float:
    """Seconds for tsp to queue, run and capture ``command`` to its output file."""
    with tsp_server(1) as env:
        started = time.perf_counter()
        job_id = subprocess.run(
            ["tsp", "sh", "-c", command], env=env, check=True, capture_output=True, text=True
        ).stdout.strip()
        subprocess.run(["tsp", "-w", job_id], env=env, check=False, capture_output=True)
        return time.perf_counter() - started


def tsp_many(count: int, slots: int = 8) -> float:
    """Seconds for tsp to run ``count`` jobs of `true` until all are finished."""
    with tsp_server(slots) as env:
        started = time.perf_counter()
        for _ in range(count):
            subprocess.run(["tsp", "true"], env=env, check=True, capture_output=True)
        while True:
            listing = subprocess.run(
                ["tsp", "-l"], env=env, check=True, capture_output=True, text=True
            ).stdout
            if " running " not in listing and " queued " not in listing:
                return time.perf_counter() - started
            time.sleep(0.005)


def parallel_many(count: int) -> float:
    """Seconds for `parallel -j 0` to run ``count`` jobs of `true`."""
    started = time.perf_counter()
    subprocess.run(
        ["parallel", "-j", "0", "true", ":::", *map(str, range(count))],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started
