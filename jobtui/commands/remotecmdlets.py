"""Invoke-Command over SSH: a command on other machines, as a job (-AsJob) or waited for.

PowerShell 7's SSH parameter set: ``-HostName`` (``[user@]host[:port]`` or ``ssh://...``),
``-UserName``, ``-Port``, ``-KeyFilePath`` and ``-Options`` (ssh's ``-o`` options, as
``'Name=Value'`` strings, since the language has no hash tables). With
-AsJob it outputs one RemoteJob whose Location is ``a,b``, with one child job per host, each
with Location = that host; without, it waits and returns the output, host by host.

A -HostName that is the name of one of the settings' SSH locations (``[locations.NAME]`` with
``kind = "ssh"``, in any case) reaches that location's host with its user, port and identity
file, and its job shows the name as its Location. Where both give one, the command line wins:
-UserName, -Port and -KeyFilePath over the location's user, port and identity_file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobtui.commands import job_values
from jobtui.commands.declaration import BoundCommand, Cmdlet, CmdletFunction, Parameter, ParamType
from jobtui.commands.errors import Cancelled, CommandError
from jobtui.commands.jobcmdlets import deliver
from jobtui.commands.locations import find_named, named_target
from jobtui.commands.values import ScriptBlock, to_string
from jobtui.data.settings import SshLocation
from jobtui.engine import JobError, JobState

if TYPE_CHECKING:
    from jobtui.commands.context import Context
    from jobtui.engine import ReceivedPart

_SET = "SSHHost"
_MANDATORY = frozenset({_SET})

INVOKE_COMMAND = Cmdlet(
    "Invoke-Command",
    ("icm",),
    (
        Parameter("HostName", ParamType.STRING_ARRAY, mandatory=_MANDATORY),
        Parameter(
            "ScriptBlock",
            ParamType.SCRIPT_BLOCK,
            aliases=("Command",),
            position=0,
            mandatory=_MANDATORY,
        ),
        Parameter("UserName", ParamType.STRING),
        Parameter("Port", ParamType.INT, minimum=1, maximum=65535),
        Parameter("KeyFilePath", ParamType.STRING, aliases=("IdentityFilePath",)),
        Parameter("Options", ParamType.OBJECT),
        Parameter("AsJob", ParamType.SWITCH),
        Parameter("JobName", ParamType.STRING),
        Parameter("ArgumentList", ParamType.OBJECT_ARRAY, aliases=("Args",)),
        Parameter("InputObject", ParamType.OBJECT, from_pipeline=True),
        # Accepted for PowerShell's scripts: one connection per host carries every job there.
        Parameter("ThrottleLimit", ParamType.INT, minimum=0, maximum=1_000_000),
        Parameter(
            "ComputerName",
            ParamType.STRING_ARRAY,
            aliases=("Cn",),
            unsupported=(
                "WinRM remoting runs on Windows only; give the machines with -HostName (SSH)."
            ),
        ),
        Parameter(
            "Session",
            ParamType.OBJECT_ARRAY,
            unsupported="there are no PSSessions; give the machines with -HostName (SSH).",
        ),
    ),
    (_SET,),
    _SET,
    "Runs a shell command on other machines over SSH (-AsJob: as a job, Location = the host).",
    acts_on_jobs=True,
)


def _options(context: Context, bound: BoundCommand) -> tuple[tuple[str, str], ...]:
    """-Options as ssh's ``-o`` pairs: ``'Name=Value'`` strings (the language has no hash
    tables), or a dictionary a script built."""
    value = bound.get("Options")
    if value is None:
        return ()
    if isinstance(value, dict):
        items = [(to_string(k), to_string(v)) for k, v in value.items()]
    else:
        items = []
        for each in value if isinstance(value, list | tuple) else [value]:
            name, equals, option = to_string(each).partition("=")
            if not equals:
                raise CommandError(
                    "Invoke-Command",
                    f"Cannot bind parameter 'Options': '{to_string(each)}' is not Name=Value, "
                    "such as 'StrictHostKeyChecking=accept-new'.",
                )
            items.append((name.strip(), option.strip()))
    for name, option in items:
        if not name.isalnum() or "\n" in option:
            raise CommandError("Invoke-Command", f"'{name}' is not an ssh option name.")
    return tuple(items)


def invoke_command(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Invoke-Command -HostName: start the command on every host, as one job."""
    # Loaded here: the SSH Location is not needed until a line names a remote host.
    from jobtui.engine.ssh import TargetError, ensure_location, parse_host

    source = "Invoke-Command"
    block = bound.get("ScriptBlock")
    assert isinstance(block, ScriptBlock)
    command = job_values.expand(block.text, context.session.lookup_variable, source)
    key_file = bound.get("KeyFilePath")
    if key_file is not None:
        key_file = context.session.resolve_path(key_file)
    options = _options(context, bound)
    user, port = bound.get("UserName"), bound.get("Port")
    named = context.session.named_locations
    targets = []
    try:
        for host in bound.get("HostName"):
            setting = find_named(named, host)
            if isinstance(setting, SshLocation):
                targets.append(
                    named_target(setting, user=user, port=port, key_file=key_file, options=options)
                )
            else:
                targets.append(
                    parse_host(host, user=user, port=port, key_file=key_file, options=options)
                )
    except TargetError as error:
        raise CommandError(source, str(error)) from None
    objects: list[object] = []
    if bound.has("InputObject"):
        objects.append(bound.get("InputObject"))
    objects.extend(input or [])
    data = "".join(to_string(o) + "\n" for o in objects)
    engine = context.engine
    try:
        locations = [ensure_location(engine, target) for target in targets]
        job = engine.start_job_on(
            command,
            locations,
            name=bound.get("JobName") or None,
            environment=dict(context.session.environment) or None,
            argument_list=[to_string(a) for a in bound.get("ArgumentList", [])],
            # -AsJob: Send-JobInput can write to it later; a command waited for reads no input.
            input=data.encode() if objects or not bound.switch("AsJob") else None,
        )
    except JobError as error:
        raise CommandError(source, str(error)) from None
    if bound.switch("AsJob"):
        context.emit(job)
        return
    _run_and_receive(context, job)


def _host_reason(part: ReceivedPart) -> tuple[str, str]:
    """A host's failure, named by its host (``[gpu1] Exit code 3: ...``)."""
    assert part.failure is not None
    return f"[{part.job.location}]", part.failure.message


def _run_and_receive(context: Context, job: object) -> None:
    """Without -AsJob: wait, output what each host said, and leave no job behind."""
    from jobtui.engine import Job

    assert isinstance(job, Job)
    engine = context.engine
    shown: set[int] = set()
    for received in engine.receive_job_wait([job], force=True, cancel=context.cancel):
        deliver(context, received, shown, _host_reason)
        context.host.flush()
    if context.cancelled():
        engine.stop_job([job])
        engine.remove_job(job, force=True)
        raise Cancelled("Invoke-Command")
    if job.state is not JobState.NotStarted:
        engine.remove_job(job, force=True)


CMDLETS: dict[Cmdlet, CmdletFunction] = {INVOKE_COMMAND: invoke_command}
