"""A persistent session in a child process that starts jobs and is then killed, as a crash would.

The child opens ``LocalService.persistent`` on the given state directory, runs the script it is
given (which starts jobs on some Location and may receive some of their output), writes its
history, prints one JSON line of facts for the test, and sleeps until the test SIGKILLs it: no
shutdown, no last write, nothing stopped. A new session opened on the same directory must then
find the jobs and follow them again.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[2]
OPTIONS: dict[str, Any] = {"grace": 0.5, "guardian": False, "shell": "/bin/sh"}

PRELUDE = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from jobtui.service import LocalService

    def wait_for(condition, timeout=30.0):
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise SystemExit(f"never happened: {condition}")
            time.sleep(0.02)

    service = LocalService.persistent(
        Path(sys.argv[1]), grace=0.5, guardian=False, shell="/bin/sh"
    )
    engine = service.engine
    args = json.loads(sys.argv[2])
    facts = {}
    """
)
EPILOGUE = textwrap.dedent(
    """
    service.persistence.flush()
    print(json.dumps(facts), flush=True)
    time.sleep(600)
    """
)


def crash_host(
    state_dir: Path,
    script: str,
    args: Mapping[str, Any],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> dict[str, Any]:
    """Run ``script`` in a persistent session in a child process, then SIGKILL it; the facts
    its script put in ``facts``. The script sees ``service``, ``engine``, ``args``, ``facts``
    and ``wait_for``."""
    program = PRELUDE + textwrap.dedent(script) + EPILOGUE
    environment = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)}
    host = subprocess.Popen(
        [sys.executable, "-c", program, str(state_dir), json.dumps(dict(args))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    )
    assert host.stdout is not None and host.stderr is not None
    try:
        ready, _, _ = select.select([host.stdout], [], [], timeout)
        line = host.stdout.readline() if ready else b""
        if not line:
            host.kill()
            said = host.stderr.read().decode(errors="replace").strip()
            raise AssertionError(f"the first host never got ready: {said[-2000:]}")
        facts: dict[str, Any] = json.loads(line)
        return facts
    finally:
        host.kill()
        host.wait()
        host.stdout.close()
        host.stderr.close()


def kill_ssh_master(control_path: str | None) -> None:
    """End the shared ssh connection a killed session left (it would live ControlPersist's
    seconds more)."""
    if not control_path:
        return
    wanted = f"ControlPath={control_path}"
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if wanted in cmdline and "-M" in cmdline:
            try:
                proc.kill()
                proc.wait(5)
            except psutil.Error:
                continue
    shutil.rmtree(os.path.dirname(control_path), ignore_errors=True)
