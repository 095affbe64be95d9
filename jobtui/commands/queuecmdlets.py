"""The queue's part of the language: -DependsOn's values, Wait-Job -Match, and Restart-Job.

Restart-Job is jobtui's own cmdlet (Restart is an approved verb; PowerShell has no such job
cmdlet). The queue's Start-Job parameters are declared with Start-Job in
:mod:`jobtui.commands.cmdlets`; their engine side is ``JobEngine.start_job``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from jobtui.commands import cmdlets
from jobtui.commands.declaration import BoundCommand, Cmdlet, CmdletFunction
from jobtui.commands.errors import Cancelled, CommandError
from jobtui.commands.results import WaitStarted
from jobtui.commands.values import to_string
from jobtui.engine import Job, JobError

if TYPE_CHECKING:
    from jobtui.commands.context import Context


def dependency_keys(source: str, values: list[object]) -> list[Job | int | str]:
    """-DependsOn's values as the engine takes them: jobs, Ids (numbers, or digits) and names."""
    keys: list[Job | int | str] = []
    for value in values:
        if isinstance(value, Job | int) and not isinstance(value, bool):
            keys.append(value)
        elif isinstance(value, float) and value.is_integer():
            keys.append(int(value))
        elif isinstance(value, str) and value.strip():
            text = value.strip()
            keys.append(int(text) if text.isdigit() else text)
        else:
            raise CommandError(
                source,
                f"Cannot bind parameter 'DependsOn'. Cannot convert the \"{to_string(value)}\" "
                "value to a job: give jobs, job Ids or job names.",
            )
    return keys


def wait_for_match(
    context: Context,
    bound: BoundCommand,
    jobs: list[Job],
    pattern: re.Pattern[str],
    timeout: float | None,
) -> None:
    """Wait-Job -Match: wait for a line that matches in each job's output (or -Any one's),
    print each matching line as a notice, and output the jobs that matched."""
    any_ = bound.switch("Any")
    # The host hears of it as of any wait (a front end shows the pattern it waits for).
    ids = tuple(job.id for job in jobs)
    context.host.wait_started(WaitStarted(ids, any_, timeout, False, match=pattern.pattern))
    try:
        matches = context.engine.wait_job_match(
            jobs, pattern, any=any_, timeout=timeout, cancel=context.cancel
        )
    except JobError as error:
        raise CommandError("Wait-Job", str(error)) from None
    if context.cancelled():
        raise Cancelled("Wait-Job")
    matched = [m.job for m in matches]
    ended = [j for j in jobs if j not in matched and j.state.is_finished]
    complete = bool(matches) if any_ else len(matches) == len(jobs)
    if not complete:
        if ended and (not any_ or len(ended) == len(jobs)):
            for job in ended:
                context.error(
                    "Wait-Job",
                    f"The job {job.name} (Id {job.id}) ended ({job.state.name}) without a line "
                    f"that matches '{pattern.pattern}'.",
                )
        else:
            waited = "forever" if timeout is None else f"{timeout:g} s"
            context.info(
                f"Wait-Job: timed out after {waited}; {len(matches)} of {len(jobs)} "
                f"job{'s' if len(jobs) != 1 else ''} printed a line that matches "
                f"'{pattern.pattern}'."
            )
        if not any_:
            return
    for match in matches:
        context.info(f"{match.job.name}: {match.line}")
    for match in matches:
        context.emit(match.job)


def restart_job(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Restart-Job: each job's command again, as a new job that it outputs (a running job is
    stopped first; a child job restarts its parent; -Name restarts the newest job of each
    name)."""
    from jobtui.commands.jobcmdlets import select_jobs

    jobs = select_jobs(context, bound, input, top_level_names=True)
    if bound.set_name == cmdlets.NAME:
        # A name that many runs of one command share means its latest run, not every run.
        newest = {job.name.lower(): job for job in sorted(jobs, key=lambda j: j.id)}
        jobs = [job for job in jobs if newest[job.name.lower()] is job]
    done: list[Job] = []
    for job in jobs:
        top = job.parent or job
        if top in done:
            continue
        done.append(top)
        try:
            context.emit(context.engine.restart_job(top))
        except JobError as error:
            context.error("Restart-Job", str(error))


#: The queue's own cmdlets, each with its function (see :mod:`jobtui.commands.registry`).
CMDLETS: dict[Cmdlet, CmdletFunction] = {
    cmdlets.RESTART_JOB: restart_job,
}
