"""Start-Job -DependsOn: which jobs a job waits for, and whether it may run, must fail, or waits.

A job that depends on others stays NotStarted, out of every throttle queue, until each of them
has Completed; if one Fails, is Stopped or is removed first, the job is Failed without running
(pueue's DependencyFailed), and so in turn is every job that waits for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from jobtui.engine.errors import DependencyError, JobNotFoundError
from jobtui.engine.job import Job
from jobtui.engine.states import JobFailure, JobState

#: A dependency as given: a job, its Id, or its name.
DependencyKey = Job | int | str


def resolve(
    keys: Sequence[DependencyKey],
    own_name: str | None,
    find_id: Callable[[int], Job | None],
    find_name: Callable[[str], list[Job]],
) -> list[Job]:
    """The top-level jobs ``keys`` name, in order and once each; DependencyError if any is
    unknown, removed, or the new job itself (its own -Name: a cycle of one).

    That is the only cycle there can be: a job's dependencies are fixed when it starts and
    are jobs that exist already, so none of them can depend on it, directly or not.
    """
    found: list[Job] = []
    for key in keys:
        if isinstance(key, Job):
            jobs = [key]
        elif isinstance(key, int):
            job = find_id(key)
            if job is None:
                raise DependencyError(str(JobNotFoundError.for_id(key)))
            jobs = [job]
        else:
            if own_name is not None and key.lower() == own_name.lower():
                raise DependencyError(
                    f"The dependencies form a cycle: {own_name} -> {own_name}. A job cannot "
                    "depend on itself."
                )
            jobs = find_name(key)
            if not jobs:
                raise DependencyError(str(JobNotFoundError.for_name(key)))
        for job in jobs:
            top = job.parent or job
            if top.removed:
                raise DependencyError(
                    f"The job {top.name} (Id {top.id}) has been removed from the session, so "
                    "no job can wait for it."
                )
            if top not in found:
                found.append(top)
    return found


def verdict(job: Job) -> JobFailure | bool:
    """For a job waiting on its dependencies: its failure (a dependency failed, was stopped or
    removed), True when all of them Completed, False while it must still wait."""
    for dep in job.depends_on:
        if dep.state is JobState.Failed:
            return JobFailure(f"dependency {dep.name} failed")
        if dep.state is JobState.Stopped:
            return JobFailure(f"dependency {dep.name} was stopped")
        if dep.removed:  # even Completed: what it made may be gone with it
            return JobFailure(f"dependency {dep.name} was removed")
    return all(dep.state is JobState.Completed for dep in job.depends_on)


def waiting_for(job: Job) -> str:
    """The StatusMessage of a job waiting on its dependencies."""
    names = ", ".join(dep.name for dep in job.depends_on if dep.state is not JobState.Completed)
    return f"Waiting for {names}" if names else ""
