"""Errors of the job cmdlets, with PowerShell's own texts."""

from __future__ import annotations

from jobtui.engine.job import Job


class JobError(Exception):
    """An error a user caused (a wrong id, a running job to remove); its text is for them."""

    #: PowerShell's FullyQualifiedErrorId, for programs and tests.
    error_id = "JobError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class JobNotFoundError(JobError):
    """No job has that id, name or instance id."""

    error_id = "JobNotFound"

    @classmethod
    def for_id(cls, job_id: int) -> JobNotFoundError:
        """PowerShell's JobWithSpecifiedSessionNotFound."""
        return cls(
            f"The command cannot find a job with the job ID {job_id}. Verify the value of the "
            "Id parameter and then try the command again."
        )

    @classmethod
    def for_name(cls, name: str) -> JobNotFoundError:
        """PowerShell's JobWithSpecifiedNameNotFound."""
        return cls(
            f"The command cannot find the job because the job name {name} was not found. Verify "
            "the value of the Name parameter, and then try the command again."
        )

    @classmethod
    def for_instance_id(cls, instance_id: object) -> JobNotFoundError:
        """PowerShell's JobWithSpecifiedInstanceIdNotFound."""
        return cls(
            f"The command cannot find a job with the instance identifier {instance_id}. Verify "
            "the value of the InstanceId parameter, and then try the command again."
        )


class JobNotFinishedError(JobError):
    """Remove-Job without -Force on a job that still runs."""

    error_id = "JobObjectNotFinishedCannotBeRemoved"

    def __init__(self, job: Job) -> None:
        super().__init__(
            f"The command cannot remove the job with the job ID {job.id} because the job is not "
            "finished. To remove the job, first stop the job, or use the Force parameter."
        )
        self.job = job


class CannotRemoveChildJobError(JobError):
    """Remove-Job on a child job."""

    error_id = "CannotRemoveJob"

    def __init__(self) -> None:
        super().__init__(
            "The command cannot remove the job because it does not exist or because it is a "
            "child job. Child jobs can be removed only by removing the parent job."
        )


class WorkingDirectoryNotFoundError(JobError):
    """Start-Job -WorkingDirectory with a path that is not a directory; no job is created."""

    error_id = "DirectoryNotFoundException"

    def __init__(self, path: str) -> None:
        super().__init__(f"Cannot find the WorkingDirectory path {path}.")


class BlockedJobsDeadlockError(JobError):
    """Wait-Job on jobs that wait for input, which would never end."""

    error_id = "BlockedJobsDeadlockWithWaitJob"

    def __init__(self) -> None:
        super().__init__(
            "The Wait-Job cmdlet cannot finish working, because one or more jobs are blocked "
            "waiting for user interaction.  Process interactive job output by using the "
            "Receive-Job cmdlet, and then try again."
        )


class JobInputError(JobError):
    """Input sent to a job whose input is closed, or that does not read input."""

    error_id = "JobInputClosed"


class DependencyError(JobError):
    """Start-Job -DependsOn names a job that cannot be waited for: unknown, removed, or one
    that would close a cycle. No job is created."""

    error_id = "InvalidDependency"

    def __init__(self, detail: str) -> None:
        super().__init__(f"Cannot validate argument on parameter 'DependsOn'. {detail}")
