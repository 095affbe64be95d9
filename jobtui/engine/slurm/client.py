"""The user's own Slurm client commands (sbatch, squeue, scancel, scontrol), run as processes.

jobtui never talks to slurmctld itself: it runs the commands on PATH, which honour
``SLURM_CONF`` and whatever site wrappers the cluster has. Each call has a time limit, so a
controller that does not answer ends as an error, never a hang. Every failure is a
:class:`SlurmError` whose message is one line a person can act on (Slurm's own words quoted).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from typing import Any

#: Seconds a client command may take; slurmctld answers in milliseconds when it is up, and a
#: down one makes squeue retry for about 9 s before it gives up (measured).
COMMAND_TIMEOUT = 20.0


class SlurmError(Exception):
    """A Slurm command failed or could not run; the message is one line."""


def _one_line(text: str) -> str:
    """Slurm's message as one line: its last ``error:`` line, without the command's prefix."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    errors = [line for line in lines if "error:" in line]
    last = (errors or lines)[-1]
    for prefix in ("sbatch: error: ", "squeue: error: ", "scancel: error: ", "scontrol: error: "):
        if last.startswith(prefix):
            return last[len(prefix) :]
    return last


class SlurmClient:
    """Runs the Slurm client commands with a time limit and turns failures into SlurmError."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = dict(env) if env is not None else None

    def available(self) -> str | None:
        """None when sbatch, squeue, scancel and scontrol are all on PATH; else why not."""
        path = (self._env or os.environ).get("PATH")
        missing = [
            c for c in ("sbatch", "squeue", "scancel", "scontrol") if not shutil.which(c, path=path)
        ]
        if missing:
            return (
                f"The Slurm client commands are not on PATH ({', '.join(missing)} missing): "
                "install Slurm's client or load its module."
            )
        return None

    def run(
        self,
        argv: Sequence[str],
        *,
        input: bytes | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
    ) -> str:
        """The command's standard output; SlurmError with its message if it fails."""
        environment = dict(self._env if self._env is not None else os.environ)
        if env:
            environment.update(env)
        try:
            done = subprocess.run(
                list(argv),
                input=input,
                capture_output=True,
                env=environment,
                cwd=cwd,
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
        except FileNotFoundError:
            raise SlurmError(
                f"The Slurm command {argv[0]} is not on PATH: install Slurm's client or load "
                "its module."
            ) from None
        except subprocess.TimeoutExpired:
            raise SlurmError(
                f"{argv[0]} did not answer in {COMMAND_TIMEOUT:g} s: is slurmctld running?"
            ) from None
        except OSError as error:
            raise SlurmError(f"{argv[0]} could not run: {error.strerror or error}.") from None
        if done.returncode != 0:
            why = (
                _one_line(done.stderr.decode("utf-8", "replace")) or f"exit code {done.returncode}"
            )
            raise SlurmError(f"{argv[0]} failed: {why}")
        return done.stdout.decode("utf-8", "replace")

    def submit(
        self, options: Sequence[str], script: str, *, env: Mapping[str, str], cwd: str
    ) -> int:
        """``sbatch --parsable``: the new job's id (the script on standard input)."""
        out = self.run(
            ["sbatch", "--parsable", *options], input=script.encode(), env=env, cwd=cwd
        ).strip()
        # --parsable prints "id" or "id;cluster".
        text = out.splitlines()[-1].split(";")[0] if out else ""
        if not text.isdigit():
            raise SlurmError(f"sbatch gave no job id: {out!r}")
        return int(text)

    def queue(self) -> list[dict[str, Any]]:
        """Every job slurmctld still holds (squeue --json), finished ones for MinJobAge."""
        out = self.run(["squeue", "--json", "--all"])
        try:
            data = json.loads(out)
        except ValueError as error:
            raise SlurmError(f"squeue --json gave no JSON: {error}") from None
        errors = data.get("errors") if isinstance(data, dict) else None
        if errors:
            # squeue --json exits 0 when slurmctld is down, with an error and no jobs (22.05).
            first = errors[0] if isinstance(errors[0], dict) else {}
            why = first.get("description") or first.get("error") or "an error"
            raise SlurmError(f"squeue failed: {why} ({first.get('source', 'squeue')})")
        jobs = data.get("jobs") if isinstance(data, dict) else None
        if not isinstance(jobs, list):
            raise SlurmError("squeue --json gave no job list")
        return [job for job in jobs if isinstance(job, dict)]

    def show_job(self, job_id: int) -> dict[str, str] | None:
        """``scontrol show job`` as its Key=Value fields; None when Slurm no longer knows it."""
        try:
            out = self.run(["scontrol", "show", "job", "--oneliner", str(job_id)])
        except SlurmError as error:
            if "Invalid job id" in str(error):
                return None
            raise
        return parse_show_job(out)

    def cancel(self, job_ids: Sequence[int]) -> None:
        """``scancel`` of many jobs in one call."""
        if job_ids:
            self.run(["scancel", *map(str, job_ids)])

    def hold(self, job_id: int) -> None:
        """``scontrol uhold``: a pending job stays pending until released (a user hold even for an
        operator, whose plain ``hold`` would be an administrator's hold the user cannot release)."""
        self.run(["scontrol", "uhold", str(job_id)])

    def release(self, job_id: int) -> None:
        """``scontrol release``: a held job may be scheduled again."""
        self.run(["scontrol", "release", str(job_id)])


def parse_show_job(text: str) -> dict[str, str]:
    """``scontrol show job --oneliner``'s ``Key=Value`` fields (a value may hold spaces only in
    the last fields, which are not read)."""
    fields: dict[str, str] = {}
    for word in text.split():
        key, sep, value = word.partition("=")
        if sep and key not in fields:
            fields[key] = value
    return fields
