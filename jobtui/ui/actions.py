"""What the job keys do, as calls on the engine; each also echoes the cmdlet line it stands for.

No widgets here: results go to the console buffer (thread-safe) and come back as values, so a
key's effect is the same as typing the line, and it can be read and repeated in ``--plain``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jobtui.engine import Job, JobEngine, JobError, JobFailure, Stream
from jobtui.engine.local.runners import ProcessRunner
from jobtui.ui.sources import ConsoleBuffer


def id_list(jobs: Sequence[Job]) -> str:
    """``-Id`` arguments for ``jobs``: ``3`` or ``3,5,7``."""
    return ",".join(str(job.id) for job in jobs)


def accepts_input(job: Job) -> bool:
    """Whether ``job`` runs a process whose standard input is still open."""
    runner = job.executing_job.runner
    return not job.state.is_finished and isinstance(runner, ProcessRunner) and runner.stdin_open


def tree_preview(jobs: Sequence[Job], grace: float) -> str:
    """What stopping ``jobs`` will do to their processes, in one sentence."""
    processes = sum(max(job.executing_job.process.process_count, 1) for job in jobs)
    noun = "process" if processes == 1 else "processes"
    return f"{processes} {noun} will get SIGTERM, then SIGKILL after {grace:g} s."


@dataclass(frozen=True)
class ActionResult:
    """What an action did: a line for a notification, and whether something went wrong."""

    message: str
    error: bool = False


class JobActions:
    """Receive, stop, remove, suspend and resume jobs for the UI's keys."""

    def __init__(self, engine: JobEngine, console: ConsoleBuffer) -> None:
        self.engine = engine
        self.console = console

    def _echo(self, line: str) -> None:
        self.console.append([("echo", f"PS> {line}")])

    def _error(self, text: str) -> ActionResult:
        self.console.append([("error", text)])
        return ActionResult(text, error=True)

    def receive(self, jobs: Sequence[Job]) -> ActionResult:
        """``Receive-Job``: consume the new output of ``jobs`` and print it to the console."""
        self._echo(f"Receive-Job -Id {id_list(jobs)}")
        try:
            received = self.engine.receive_job(jobs)
        except JobError as exc:
            return self._error(f"Receive-Job: {exc}")
        lines: list[tuple[str, str]] = [
            ("error" if stream is Stream.Error else "output", text)
            for stream, text in received.lines()
        ]
        lines.extend(("error", f"Receive-Job: {failure.message}") for failure in received.failures)
        self.console.append(lines)
        count = len(lines) - len(received.failures)
        names = ", ".join(job.name for job in jobs)
        return ActionResult(f"Received {count} line(s) from {names}.")

    def stop(self, jobs: Sequence[Job]) -> ActionResult:
        """``Stop-Job``: ask the unfinished ones to stop; returns at once (they show Stopping)."""
        running = [job for job in jobs if not job.state.is_finished]
        self._echo(f"Stop-Job -Id {id_list(jobs)}")
        if not running:
            return ActionResult("Nothing to stop: the job(s) already finished.")
        preview = tree_preview(running, self.engine.grace)
        try:
            self.engine.stop_job(running, wait=False)
        except JobError as exc:
            return self._error(f"Stop-Job: {exc}")
        names = ", ".join(job.name for job in running)
        return ActionResult(f"Stopping {names}: {preview}")

    def remove(self, jobs: Sequence[Job], *, force: bool) -> ActionResult:
        """``Remove-Job`` (``-Force`` stops running jobs first, so it may block: use a thread)."""
        self._echo(f"Remove-Job -Id {id_list(jobs)}{' -Force' if force else ''}")
        removed = []
        if force:
            try:
                self.engine.stop_job(jobs, wait=True)  # together: one sweep, not one per job
            except JobError as exc:
                return self._error(f"Remove-Job: {exc}")
        for job in jobs:
            try:
                self.engine.remove_job(job, force=force)
            except JobError as exc:
                return self._error(f"Remove-Job: {exc}")
            removed.append(job.name)
        return ActionResult(f"Removed {', '.join(removed)}.")

    def suspend_or_resume(self, jobs: Sequence[Job]) -> ActionResult:
        """``Suspend-Job`` the running ones, ``Resume-Job`` the suspended ones."""
        to_resume = [job for job in jobs if job.state.name == "Suspended"]
        to_suspend = [job for job in jobs if job not in to_resume]
        done: list[str] = []
        try:
            if to_suspend:
                self._echo(f"Suspend-Job -Id {id_list(to_suspend)}")
                done += [f"suspended {job.name}" for job in self.engine.suspend_job(to_suspend)]
            if to_resume:
                self._echo(f"Resume-Job -Id {id_list(to_resume)}")
                done += [f"resumed {job.name}" for job in self.engine.resume_job(to_resume)]
        except (JobError, JobFailure) as exc:
            return self._error(f"Suspend-Job: {exc}")
        if not done:
            return ActionResult("Only running jobs can be suspended, and suspended ones resumed.")
        return ActionResult(", ".join(done).capitalize() + ".")
