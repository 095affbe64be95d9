"""What the job cmdlets do once bound: PowerShell's job cmdlets over the engine.

Their declarations are in :mod:`jobtui.commands.cmdlets`; :data:`CMDLETS` pairs the two.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from jobtui.commands import cmdlets, job_values
from jobtui.commands.cmdlets import COMMAND, ID, INSTANCE_ID, JOB, NAME, STATE, match_pattern
from jobtui.commands.declaration import BoundCommand, Cmdlet, CmdletFunction
from jobtui.commands.errors import INPUT_NOT_BOUND, Cancelled, CommandError
from jobtui.commands.locations import job_location, job_resources
from jobtui.commands.queuecmdlets import dependency_keys, wait_for_match
from jobtui.commands.results import WaitEnd, WaitOutcome, WaitStarted
from jobtui.commands.values import ScriptBlock, to_string
from jobtui.engine import (
    BACKGROUND_JOB,
    THREAD_JOB,
    BlockedJobsDeadlockError,
    CannotRemoveChildJobError,
    Job,
    JobError,
    JobFailure,
    JobInputError,
    JobNotFinishedError,
    JobNotFoundError,
    JobState,
    Received,
    ReceivedPart,
)

if TYPE_CHECKING:
    from jobtui.commands.context import Context


# -- choosing jobs (PowerShell's JobCmdletBase) -----------------------------------------------


def select_jobs(
    context: Context,
    bound: BoundCommand,
    input: list[object] | None,
    *,
    top_level_names: bool = False,
) -> list[Job]:
    """The jobs a cmdlet acts on, in the order given; not-found errors are non-terminating."""
    engine = context.engine
    source = bound.cmdlet.name
    found: list[Job] = []
    set_name = bound.set_name
    if set_name == ID and bound.has(ID):
        found.extend(
            _find_each(context, source, bound.get(ID), engine.find_by_id, JobNotFoundError.for_id)
        )
    elif set_name == NAME and bound.has(NAME):
        for pattern in bound.get(NAME):
            errors: list[JobError] = []
            matches = engine.get_job(name=[pattern], errors=errors)
            if top_level_names:
                matches = [j for j in matches if j.parent is None]
                if not matches and not set("*?[") & set(pattern) and not errors:
                    errors.append(JobNotFoundError.for_name(pattern))
            for error in errors:
                context.error(source, str(error))
            found.extend(matches)
    elif set_name == INSTANCE_ID and bound.has(INSTANCE_ID):
        found.extend(
            _find_each(
                context,
                source,
                bound.get(INSTANCE_ID),
                engine.find_by_instance_id,
                JobNotFoundError.for_instance_id,
            )
        )
    elif set_name == STATE and bound.has(STATE):
        found.extend(engine.get_job(state=bound.get(STATE)))
    elif set_name == COMMAND and bound.has(COMMAND):
        found.extend(engine.get_job(command=bound.get(COMMAND)))
    elif bound.has(JOB):
        found.extend(bound.get(JOB))
    for item in input or []:
        if isinstance(item, Job) and not _named_selection(bound):
            found.append(item)
        else:
            context.error(source, INPUT_NOT_BOUND)
    unique: list[Job] = []
    for job in found:
        if job not in unique:
            unique.append(job)
    return unique


def _find_each(
    context: Context,
    source: str,
    keys: list[Any],
    find: Callable[[Any], Job | None],
    not_found: Callable[[Any], JobError],
) -> list[Job]:
    """The job for each key (an Id, an InstanceId); a not-found error for each missing one."""
    jobs: list[Job] = []
    for key in keys:
        job = find(key)
        if job is None:
            context.error(source, str(not_found(key)))
        else:
            jobs.append(job)
    return jobs


def _named_selection(bound: BoundCommand) -> bool:
    return any(bound.has(name) for name in (ID, NAME, INSTANCE_ID, STATE, COMMAND))


def _engine_error(source: str, error: JobError) -> CommandError:
    return CommandError(source, str(error))


# -- Start-Job, Start-ThreadJob ---------------------------------------------------------------


#: Start-ThreadJob's ThrottleLimit until -ThrottleLimit sets another: PowerShell's default.
DEFAULT_THREAD_THROTTLE_LIMIT = 5
#: Seconds before the first retry when -MaximumRetryCount comes without -RetryIntervalSec.
DEFAULT_RETRY_INTERVAL = 5


def start_job(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Start-Job / Start-ThreadJob: start the command and output the job (already Running)."""
    source = bound.cmdlet.name
    thread_job = source == "Start-ThreadJob"
    command = _command_text(context, source, bound)
    init = bound.get("InitializationScript")
    init_text = (
        job_values.expand(init.text, context.session.lookup_variable, source)
        if isinstance(init, ScriptBlock)
        else None
    )
    stdin_objects: list[object] = []
    if bound.has("InputObject"):
        stdin_objects.append(bound.get("InputObject"))
    stdin_objects.extend(input or [])
    data = "".join(to_string(v) + "\n" for o in stdin_objects for v in _items(o))
    if thread_job and bound.has("ThrottleLimit"):
        # PowerShell's ThrottleLimit is sticky: it stays for every later job of the session.
        context.engine.throttle_limit = bound.get("ThrottleLimit")
    elif thread_job and context.engine.throttle_limit is None:
        context.engine.throttle_limit = DEFAULT_THREAD_THROTTLE_LIMIT
    elif bound.has("ThrottleLimit"):
        # jobtui's own for background jobs, and sticky as Start-ThreadJob's is.
        context.engine.background_throttle_limit = bound.get("ThrottleLimit")
    named = context.session.named_locations
    location = job_location(context.engine, source, bound, named)
    resources = job_resources(location, source, bound, named)
    working_directory = bound.get("WorkingDirectory")
    if working_directory is not None and not location.startswith("ssh://"):
        # A directory here (or on a cluster's shared disk); an SSH host's is its own, as given.
        working_directory = context.session.resolve_path(working_directory)
    depends_on = dependency_keys(source, bound.get("DependsOn", []))
    if_not_running = bound.switch("IfNotRunning")
    known = {j.id for j in context.engine.jobs} if if_not_running else set()
    try:
        job = context.engine.start_job(
            command,
            # -Name '' keeps the default Job<Id>, as PowerShell's Start-Job does.
            name=bound.get("Name") or None,
            working_directory=working_directory,
            environment=dict(context.session.environment) or None,
            argument_list=[to_string(a) for a in bound.get("ArgumentList", [])],
            input=data.encode() if stdin_objects else None,
            initialization_script=init_text,
            job_type=THREAD_JOB if thread_job else BACKGROUND_JOB,
            depends_on=depends_on,
            timeout_sec=bound.get("TimeoutSec"),
            maximum_retry_count=bound.get("MaximumRetryCount", 0),
            retry_interval_sec=bound.get("RetryIntervalSec", DEFAULT_RETRY_INTERVAL),
            if_not_running=if_not_running,
            location=location,
            resources=resources or None,
        )
    except JobError as error:
        raise _engine_error(source, error) from None
    if job.id in known:
        same = "name" if bound.get("Name") else "command"
        context.info(
            f"{source}: the job {job.name} (Id {job.id}) with the same {same} is already "
            f"{job.state.name}; -IfNotRunning returns it instead of starting another."
        )
    context.emit(job)


def _items(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _command_text(context: Context, source: str, bound: BoundCommand) -> str:
    script_block = bound.get("ScriptBlock")
    if isinstance(script_block, ScriptBlock):
        return job_values.expand(script_block.text, context.session.lookup_variable, source)
    path = bound.get("FilePath") or bound.get("LiteralPath")
    full = context.session.resolve_path(str(path))
    try:
        with open(full, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except FileNotFoundError:
        raise CommandError(
            source, f"Cannot find path '{full}' because it does not exist."
        ) from None
    except OSError as error:
        raise CommandError(source, f"Cannot read '{full}': {error.strerror}.") from None


# -- Get-Job ----------------------------------------------------------------------------------


def get_job(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Get-Job: the session's jobs, filtered, sorted by Id."""
    ids: list[int] | None = bound.get(ID)
    for item in input or []:
        if isinstance(item, Job) and not _named_selection(bound):
            ids = [*(ids or []), item.id]
        else:
            context.error("Get-Job", INPUT_NOT_BOUND)
    if input is not None and ids is None and not _named_selection(bound):
        return  # everything piped in was refused
    errors: list[JobError] = []
    jobs = context.engine.get_job(
        id=ids,
        name=bound.get(NAME),
        instance_id=bound.get(INSTANCE_ID),
        state=bound.get(STATE),
        command=bound.get(COMMAND),
        has_more_data=bound.get("HasMoreData"),
        newest=bound.get("Newest"),
        before=bound.get("Before"),
        after=bound.get("After"),
        child_job_state=bound.get("ChildJobState"),
        include_child_job=bound.switch("IncludeChildJob"),
        errors=errors,
    )
    for error in errors:
        context.error("Get-Job", str(error))
    for job in jobs:
        context.emit(job)


# -- Receive-Job ------------------------------------------------------------------------------


def receive_job(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Receive-Job: the results not yet received (all of them with -Keep), or -Wait for all."""
    jobs = select_jobs(context, bound, input)
    if bound.has("ComputerName"):
        for _ in jobs:
            context.error(
                "Receive-Job",
                "The command cannot retrieve the jobs of the specified computers. The "
                "ComputerName parameter can be used only with jobs created by using PowerShell "
                "remoting.",
            )
        return
    if bound.has("Location"):
        patterns = [p.lower() for p in bound.get("Location")]
        jobs = [
            child
            for job in jobs
            for child in (job.child_jobs or [job])
            if any(fnmatch.fnmatchcase(child.location.lower(), p) for p in patterns)
        ]
    if not jobs:
        return
    engine = context.engine
    if not bound.switch("Wait"):
        received = engine.receive_job(
            jobs, keep=bound.switch("Keep"), no_recurse=bound.switch("NoRecurse")
        )
        if context.feeds_search:
            _deliver_unread(context, received)
        else:
            deliver(context, received, set())
        return
    if bound.switch("WriteJobInResults"):
        for job in jobs:
            context.emit(job)
    failures_shown: set[int] = set()
    until = _UntilBlocked(context.cancel, jobs)
    for received in engine.receive_job_wait(
        jobs,
        auto_remove=bound.switch("AutoRemoveJob"),
        force=bound.switch("Force"),
        cancel=until,
    ):
        deliver(context, received, failures_shown)
        context.host.flush()
    if context.cancelled():
        raise Cancelled("Receive-Job")
    if until.blocked:
        context.error("Receive-Job", RECEIVE_BLOCKED)
        context.info(input_hint(until.blocked))
        return
    if bound.switch("WriteEvents"):
        for job in jobs:
            for each in (*job.child_jobs, job):
                context.emit(f"StateChanged: {each.name} (Id {each.id}) {each.state.name}")


#: jobtui's error when Receive-Job -Wait stops for a job that waits for its input (PowerShell's
#: host would prompt; a job's stdin here is a pipe that only Send-JobInput fills).
RECEIVE_BLOCKED = (
    "Receive-Job cannot finish waiting, because one or more jobs are blocked waiting for input. "
    "The results received so far are shown."
)


class _UntilBlocked(threading.Event):
    """The cancel event Receive-Job -Wait gives the engine: set by Ctrl+C, or as soon as a job
    it waits for is Blocked on its input, which would make the wait endless (Wait-Job stops
    there too, with BlockedJobsDeadlockError)."""

    def __init__(self, cancel: threading.Event | None, jobs: list[Job]) -> None:
        super().__init__()
        self._cancel = cancel
        self._jobs = jobs
        #: The Blocked jobs that ended the wait (empty while it goes on).
        self.blocked: list[Job] = []

    def is_set(self) -> bool:
        if self._cancel is not None and self._cancel.is_set():
            return True
        if not self.blocked:
            self.blocked = [j for j in self._jobs if j.state is JobState.Blocked]
        return bool(self.blocked)


def deliver(
    context: Context,
    received: Received,
    failures_shown: set[int],
    reason: Callable[[ReceivedPart], tuple[str, str]] | None = None,
) -> None:
    """Received records in arrival order: stdout as output, stderr as error lines; then the
    Reason of each Failed job (on every Receive-Job call, once per call), as ``reason`` words
    it (its source and text; Receive-Job's own by default)."""
    for part in received.parts:
        for record in part.records():
            for text in record.lines():
                if record.stream.name == "Output":
                    context.emit(text)
                else:
                    context.stream_error(text)
        if part.failure is not None and part.job.id not in failures_shown:
            failures_shown.add(part.job.id)
            if reason is None:
                context.error("Receive-Job", _failure_text(part.failure))
            else:
                context.error(*reason(part))


def _deliver_unread(context: Context, received: Received) -> None:
    """For ``Receive-Job | Select-String``: each job's records as taken (consumed unless -Keep,
    exactly as if they were read), unread, for the search to run over the store rather than
    over a gigabyte of strings; then each Failed job's Reason, as :func:`_deliver` does."""
    for part in received.parts:
        if part.store is not None and part.stop > part.start:
            context.emit(part)
        if part.failure is not None:
            context.error("Receive-Job", _failure_text(part.failure))


def _failure_text(failure: JobFailure) -> str:
    return failure.message


# -- Wait-Job ---------------------------------------------------------------------------------


def wait_job(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Wait-Job: block until all (or -Any) jobs are done, then output them in input order.

    The host hears when the wait begins and how it ended (a front end shows it as a view of the
    running line), with the very notices printed here.
    """
    jobs = select_jobs(context, bound, input)
    if not jobs:
        return
    timeout = wait_timeout(bound)
    pattern = match_pattern(bound)
    if pattern is not None:
        wait_for_match(context, bound, jobs, pattern, timeout)
        return
    started = WaitStarted(
        tuple(job.id for job in jobs), bound.switch("Any"), timeout, bound.switch("Force")
    )
    host = context.host
    host.wait_started(started)

    def ended(end: WaitEnd, *notices: str, finished: Sequence[Job] = ()) -> None:
        host.wait_ended(WaitOutcome(started, end, tuple(j.id for j in finished), notices))

    try:
        done = context.engine.wait_job(
            jobs,
            any=started.any,
            timeout=timeout,
            force=started.force,
            cancel=context.cancel,
        )
    except BlockedJobsDeadlockError as error:
        hint = input_hint([j for j in jobs if j.state is JobState.Blocked])
        context.error("Wait-Job", str(error))
        context.info(hint)
        ended(WaitEnd.BLOCKED, f"Wait-Job: {error}", hint)
        return
    except JobError as error:
        raise _engine_error("Wait-Job", error) from None
    if context.cancelled():
        cancelled = Cancelled("Wait-Job")
        ended(WaitEnd.CANCELLED, cancelled.notice)
        raise cancelled
    if not done:
        finished = sum(1 for j in jobs if j.state.is_persistent)
        notice = (
            f"Wait-Job: timed out after {_seconds(timeout)}; {finished} of {len(jobs)} "
            f"job{'s' if len(jobs) != 1 else ''} finished."
        )
        context.info(notice)
        ended(WaitEnd.TIMED_OUT, notice)
        return
    notices = []
    if not started.force and any(not j.state.is_finished for j in done):
        notices.append(SUSPENDED_WARNING)
        context.info(SUSPENDED_WARNING)
    ended(WaitEnd.FINISHED, *notices, finished=done)
    for job in done:
        context.emit(job)


#: Wait-Job's warning when it returns for a Suspended or Disconnected job (PowerShell's words).
SUSPENDED_WARNING = (
    "WARNING: One or more jobs are in a suspended or disconnected state, and cannot continue "
    "without additional user input. Specify the -Force parameter to continue to a completed, "
    "failed, or stopped state."
)


def input_hint(blocked: list[Job]) -> str:
    """jobtui's notice after Wait-Job's deadlock error: how to give Blocked jobs their input."""
    ids = ",".join(str(job.id) for job in blocked) or "<Id>"
    waiting = f"Job {ids} is" if len(blocked) <= 1 else f"Jobs {ids} are"
    return (
        f"jobtui: {waiting} waiting for input: send a line with Send-JobInput {ids} 'text', or "
        f"end the input with Send-JobInput {ids} -Close (jobtui's own cmdlet; in the app, the i "
        "key on the job)."
    )


def wait_timeout(bound: BoundCommand) -> float | None:
    """Wait-Job's -Timeout in seconds; None (forever) for -1 or no -Timeout."""
    value = bound.get("Timeout", -1)
    return None if value < 0 else float(value)


def _seconds(timeout: float | None) -> str:
    if timeout is None:
        return "forever"
    return f"{timeout:g} s"


# -- Send-JobInput (jobtui's own) -------------------------------------------------------------


def send_job_input(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Send-JobInput, jobtui's own cmdlet (PowerShell has none): write each string and a new
    line to the jobs' stdin (a Blocked job runs on once it reads); ``-Close`` then closes it."""
    data = "".join(f"{text}\n" for text in bound.get("InputObject", [])).encode()
    for job in select_jobs(context, bound, input):
        try:
            if data:
                written = context.engine.send_input(job, data)
                if written < len(data):
                    context.error(
                        "Send-JobInput",
                        f"Only {written} of {len(data)} bytes were written: the job with the job "
                        f"ID {job.id} is not reading its input.",
                    )
                    continue
            if bound.switch("Close"):
                context.engine.close_input(job)
        except JobInputError as error:
            context.error("Send-JobInput", str(error))


# -- Stop-Job, Remove-Job, Suspend-Job, Resume-Job --------------------------------------------


def stop_job(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Stop-Job: stop unfinished jobs (finished ones are skipped); -PassThru outputs them all."""
    jobs = select_jobs(context, bound, input)
    context.engine.stop_job(jobs, wait=True)
    if bound.switch("PassThru"):
        for job in jobs:
            context.emit(job)


def remove_job(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Remove-Job: delete finished jobs; running ones need -Force (which stops them first).

    As PowerShell's source does, -State and -Command remove what they match without -Force.
    """
    jobs = select_jobs(context, bound, input, top_level_names=True)
    force = bound.switch("Force") or bound.set_name in (STATE, COMMAND)
    if force:
        # Stopped together, in one sweep of the process table: one job at a time, 500 running
        # jobs took over half a minute to remove.
        context.engine.stop_job([job for job in jobs if job.parent is None], wait=True)
    for job in jobs:
        try:
            context.engine.remove_job(job, force=force)
        except JobNotFinishedError:
            context.error("Remove-Job", _not_finished(job, bound.set_name))
        except (CannotRemoveChildJobError, JobNotFoundError) as error:
            context.error("Remove-Job", str(error))


def _not_finished(job: Job, set_name: str) -> str:
    if set_name == NAME:
        return (
            f"The command cannot remove the job with the job ID {job.id} and the name "
            f"{job.name} because the job is not finished. To remove the job, first stop the "
            "job, or use the Force parameter."
        )
    if set_name == INSTANCE_ID:
        return (
            f"The command cannot remove the job with the job ID {job.id} and the instance "
            f"identifier {job.instance_id} because the job is not finished. To remove the job, "
            "first stop the job or use the Force parameter."
        )
    return str(JobNotFinishedError(job))


def suspend_job(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Suspend-Job: SIGSTOP running jobs; outputs the jobs."""
    _suspend_or_resume(context, bound, input, suspend=True)


def resume_job(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Resume-Job: SIGCONT suspended jobs; outputs the jobs."""
    _suspend_or_resume(context, bound, input, suspend=False)


def _suspend_or_resume(
    context: Context, bound: BoundCommand, input: list[object] | None, *, suspend: bool
) -> None:
    source = bound.cmdlet.name
    jobs = select_jobs(context, bound, input)
    verb, state = ("suspended", "running") if suspend else ("resumed", "suspended")
    for job in jobs:
        try:
            changed = (
                context.engine.suspend_job([job]) if suspend else context.engine.resume_job([job])
            )
        except JobFailure as failure:
            context.error(source, str(failure))
            continue
        if not changed:
            context.info(
                f"WARNING: The job with the job ID {job.id} is not {state}, so it was not {verb}."
            )
        context.emit(job)


#: The job cmdlets, each with its function (see :mod:`jobtui.commands.registry`).
CMDLETS: dict[Cmdlet, CmdletFunction] = {
    cmdlets.START_JOB: start_job,
    cmdlets.START_THREAD_JOB: start_job,
    cmdlets.GET_JOB: get_job,
    cmdlets.RECEIVE_JOB: receive_job,
    cmdlets.WAIT_JOB: wait_job,
    cmdlets.STOP_JOB: stop_job,
    cmdlets.REMOVE_JOB: remove_job,
    cmdlets.SUSPEND_JOB: suspend_job,
    cmdlets.RESUME_JOB: resume_job,
    cmdlets.SEND_JOB_INPUT: send_job_input,
}
