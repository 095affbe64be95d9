"""The declarations of the job and session cmdlets: names, aliases, parameters, sets, rules.

The tables follow PowerShell's own declarations (Start-Job.md, Get-Job.md... and the source's
parameter attributes). Each cmdlet's rules between parameters are its ``check``. The functions
that run them are in :mod:`jobtui.commands.jobcmdlets` and :mod:`jobtui.commands.sessioncmdlets`;
:mod:`jobtui.commands.registry` pairs the two.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from jobtui.commands.declaration import (
    BoundCommand,
    Cmdlet,
    Parameter,
    ParamType,
)

# -- the job selection parameters shared by the job cmdlets (PowerShell's JobCmdletBase) ------

ID, NAME, INSTANCE_ID, JOB, STATE, COMMAND = "Id", "Name", "InstanceId", "Job", "State", "Command"


def _selection(*sets: str, mandatory: bool = True) -> tuple[Parameter, ...]:
    """Id, Name, InstanceId, Job, State and Command, each the Position 0 of its own set."""
    table = {
        ID: Parameter(ID, ParamType.INT_ARRAY, position=0),
        NAME: Parameter(NAME, ParamType.STRING_ARRAY, position=0),
        INSTANCE_ID: Parameter(INSTANCE_ID, ParamType.GUID_ARRAY, position=0),
        JOB: Parameter(JOB, ParamType.JOB_ARRAY, position=0, from_pipeline=True),
        STATE: Parameter(STATE, ParamType.JOB_STATE, position=0),
        COMMAND: Parameter(COMMAND, ParamType.STRING_ARRAY),
    }
    out = []
    for set_name in sets:
        base = table[set_name]
        out.append(
            Parameter(
                base.name,
                base.type,
                sets=frozenset({set_name}),
                position=base.position,
                mandatory=frozenset({set_name}) if mandatory else frozenset(),
                from_pipeline=base.from_pipeline,
            )
        )
    return tuple(out)


def _switch(name: str, *aliases: str, sets: Iterable[str] = ()) -> Parameter:
    return Parameter(name, ParamType.SWITCH, aliases=aliases, sets=frozenset(sets))


_SELECT = (ID, JOB, NAME, INSTANCE_ID, STATE)
_SELECT_NO_COMMAND = (ID, NAME, INSTANCE_ID, STATE)

# -- Start-Job and Start-ThreadJob: the parameters both declare ---------------------------------

_SCRIPT_BLOCK = Parameter(
    "ScriptBlock",
    ParamType.SCRIPT_BLOCK,
    aliases=("Command",),
    sets=frozenset({"ScriptBlock"}),
    position=0,
    mandatory=frozenset({"ScriptBlock"}),
)
_FILE_PATH = Parameter(
    "FilePath",
    ParamType.STRING,
    sets=frozenset({"FilePath"}),
    position=0,
    mandatory=frozenset({"FilePath"}),
)
#: A path taken as written, wildcards and all (Start-Job's script file, Set-Location's path).
_LITERAL_PATH = Parameter(
    "LiteralPath",
    ParamType.STRING,
    aliases=("PSPath", "LP"),
    sets=frozenset({"LiteralPath"}),
    mandatory=frozenset({"LiteralPath"}),
)
_JOB_NAME = Parameter("Name", ParamType.STRING)
_INITIALIZATION_SCRIPT = Parameter("InitializationScript", ParamType.SCRIPT_BLOCK, position=1)
#: The objects a cmdlet takes from the pipeline (Start-Job's become the job's stdin).
_INPUT_OBJECT = Parameter("InputObject", ParamType.OBJECT, from_pipeline=True)
_ARGUMENT_LIST = Parameter("ArgumentList", ParamType.OBJECT_ARRAY, aliases=("Args",))
_INT32_MAX = 2**31 - 1
#: jobtui's own parameters of Start-Job for a queue (README's deviations table): dependencies,
#: a time limit, retries (Invoke-WebRequest's names), a throttle for background jobs
#: (Start-ThreadJob's), and a start that returns the job already running.
_QUEUE_PARAMETERS = (
    Parameter("DependsOn", ParamType.OBJECT_ARRAY),
    Parameter("TimeoutSec", ParamType.INT, minimum=0, maximum=_INT32_MAX),
    Parameter("MaximumRetryCount", ParamType.INT, minimum=0, maximum=_INT32_MAX),
    Parameter("RetryIntervalSec", ParamType.INT, minimum=1, maximum=_INT32_MAX),
    Parameter("ThrottleLimit", ParamType.INT, minimum=1, maximum=1_000_000),
    Parameter("IfNotRunning", ParamType.SWITCH),
)

# -- the rules between parameters that PowerShell checks before a cmdlet runs -----------------


def _check_start_job(bound: BoundCommand) -> None:
    directory = bound.get("WorkingDirectory")
    if directory is not None and not str(directory).strip():
        raise bound.fail(
            "Cannot validate argument on parameter 'WorkingDirectory'. The argument is null, "
            "empty, or consists of only white-space characters. Provide an argument that "
            "contains non white-space characters, and then try the command again."
        )
    if bound.has("RetryIntervalSec") and not bound.get("MaximumRetryCount"):
        raise bound.fail(
            "The RetryIntervalSec parameter cannot be used without the MaximumRetryCount "
            "parameter (how many times a failed job runs again)."
        )


def match_pattern(bound: BoundCommand) -> re.Pattern[str] | None:
    """Wait-Job's -Match as a regular expression (case-insensitive, as PowerShell's -match
    and Select-String are); None without -Match. An invalid pattern is the parameter's error."""
    text = bound.get("Match")
    if text is None:
        return None
    try:
        return re.compile(text, re.IGNORECASE)
    except re.error as error:
        raise bound.fail(
            f"Cannot validate argument on parameter 'Match'. The string '{text}' is not a valid "
            f"regular expression: {error}."
        ) from None


def _check_wait_job(bound: BoundCommand) -> None:
    match_pattern(bound)


#: Receive-Job's switches that need -Wait, with PowerShell's message for each.
_NEED_WAIT = (
    ("WriteEvents", "The WriteEvents parameter cannot be used without the Wait parameter."),
    ("AutoRemoveJob", "The -AutoRemoveJob parameter cannot be used without the -Wait parameter"),
    ("Force", "The -Force parameter cannot be used without the -Wait parameter."),
    (
        "WriteJobInResults",
        "The -WriteJobInResults parameter cannot be used without the -Wait parameter",
    ),
)


def _check_receive_job(bound: BoundCommand) -> None:
    if bound.switch("Wait") and bound.switch("Keep"):
        raise bound.fail(
            "The Wait and Keep parameters cannot be used together in the same command."
        )
    if not bound.switch("Wait"):
        for switch, message in _NEED_WAIT:
            if bound.switch(switch):
                raise bound.fail(message)


def _check_send_job_input(bound: BoundCommand) -> None:
    if not bound.has("InputObject") and not bound.switch("Close"):
        raise bound.fail(
            "Cannot process command because of one or more missing mandatory parameters: "
            "InputObject. Give the lines to send, -Close to end the job's input, or both."
        )


START_JOB = Cmdlet(
    "Start-Job",
    ("sajb",),
    (
        _SCRIPT_BLOCK,
        _FILE_PATH,
        _LITERAL_PATH,
        _JOB_NAME,
        _INITIALIZATION_SCRIPT,
        Parameter("WorkingDirectory", ParamType.STRING),
        _INPUT_OBJECT,
        _ARGUMENT_LIST,
        *_QUEUE_PARAMETERS,
        # jobtui's own: where the job runs (localhost, or a cluster such as slurm) and what it
        # asks of the cluster's scheduler (Partition=gpu,Cpus=4,Memory=16G,Time=02:00:00).
        Parameter("Location", ParamType.STRING),
        Parameter("Resources", ParamType.OBJECT_ARRAY),
        Parameter(
            "Credential",
            ParamType.OBJECT,
            unsupported="jobs run as the current user; use sudo inside the command instead.",
        ),
        Parameter(
            "Authentication",
            ParamType.STRING,
            unsupported="jobs run locally as the current user, with no remoting authentication.",
        ),
        Parameter(
            "RunAs32",
            ParamType.SWITCH,
            unsupported="jobs run shell commands, not a 32-bit PowerShell.",
        ),
        Parameter(
            "PSVersion",
            ParamType.STRING,
            unsupported="jobs run shell commands, not a given version of PowerShell.",
        ),
    ),
    ("ScriptBlock", "FilePath", "LiteralPath"),
    "ScriptBlock",
    "Starts a shell command as a background job.",
    check=_check_start_job,
    acts_on_jobs=True,
)

START_THREAD_JOB = Cmdlet(
    "Start-ThreadJob",
    (),
    (
        _SCRIPT_BLOCK,
        _FILE_PATH,
        _JOB_NAME,
        _INITIALIZATION_SCRIPT,
        _INPUT_OBJECT,
        _ARGUMENT_LIST,
        Parameter("ThrottleLimit", ParamType.INT, minimum=1, maximum=1_000_000),
        # jobtui's own, as on Start-Job; no retries: a thread job has no child for each attempt.
        *(p for p in _QUEUE_PARAMETERS if p.name in ("DependsOn", "TimeoutSec", "IfNotRunning")),
        Parameter(
            "StreamingHost",
            ParamType.OBJECT,
            unsupported="a job's output is shown live by jobtui's output pane instead.",
        ),
    ),
    ("ScriptBlock", "FilePath"),
    "ScriptBlock",
    "Starts a shell command as a thread job (no child job; -ThrottleLimit queues jobs).",
    acts_on_jobs=True,
)

_GET_JOB_FILTERS = (
    _switch("IncludeChildJob"),
    Parameter("ChildJobState", ParamType.JOB_STATE),
    Parameter("HasMoreData", ParamType.BOOL),
    Parameter("Before", ParamType.DATETIME),
    Parameter("After", ParamType.DATETIME),
    Parameter("Newest", ParamType.INT),
)

GET_JOB = Cmdlet(
    "Get-Job",
    ("gjb",),
    (
        *_selection(ID, NAME, INSTANCE_ID, STATE, COMMAND, mandatory=False),
        *_GET_JOB_FILTERS,
    ),
    (ID, NAME, INSTANCE_ID, STATE, COMMAND),
    ID,
    "Gets the jobs of this session.",
    acts_on_jobs=True,
)

RECEIVE_JOB = Cmdlet(
    "Receive-Job",
    ("rcjb",),
    (
        Parameter(
            JOB,
            ParamType.JOB_ARRAY,
            sets=frozenset({"Location", "ComputerName"}),
            position=0,
            mandatory=frozenset({"Location", "ComputerName"}),
            from_pipeline=True,
        ),
        Parameter("Location", ParamType.STRING_ARRAY, sets=frozenset({"Location"}), position=1),
        Parameter(
            "ComputerName",
            ParamType.STRING_ARRAY,
            aliases=("Cn",),
            sets=frozenset({"ComputerName"}),
            position=1,
        ),
        *_selection(NAME, INSTANCE_ID, ID),
        _switch("Keep"),
        _switch("NoRecurse"),
        _switch("Force"),
        _switch("Wait"),
        _switch("AutoRemoveJob"),
        _switch("WriteEvents"),
        _switch("WriteJobInResults"),
    ),
    ("Location", "ComputerName", NAME, INSTANCE_ID, ID),
    "Location",
    "Gets the results of jobs (and removes them from the job unless -Keep).",
    check=_check_receive_job,
    acts_on_jobs=True,
)

WAIT_JOB = Cmdlet(
    "Wait-Job",
    ("wjb",),
    (
        *_selection(*_SELECT),
        _switch("Any"),
        Parameter("Timeout", ParamType.INT, aliases=("TimeoutSec",), minimum=-1, maximum=2**31 - 1),
        _switch("Force"),
        Parameter("Match", ParamType.STRING),
    ),
    _SELECT,
    ID,
    "Waits until all (or -Any) of the jobs are finished (or, with -Match, have printed a line "
    "that matches), then outputs them.",
    check=_check_wait_job,
    acts_on_jobs=True,
)

STOP_JOB = Cmdlet(
    "Stop-Job",
    ("spjb",),
    (*_selection(*_SELECT), _switch("PassThru")),
    _SELECT,
    ID,
    "Stops jobs (their whole process tree).",
    acts_on_jobs=True,
)

REMOVE_JOB = Cmdlet(
    "Remove-Job",
    ("rjb",),
    (
        *_selection(*_SELECT, COMMAND),
        _switch("Force", "F", sets=(ID, JOB, NAME, INSTANCE_ID)),
    ),
    (*_SELECT, COMMAND),
    ID,
    "Deletes finished jobs (running ones with -Force).",
    acts_on_jobs=True,
)

SUSPEND_JOB = Cmdlet(
    "Suspend-Job",
    ("sujb",),
    (*_selection(*_SELECT), _switch("Force", "F"), _switch("Wait")),
    _SELECT,
    ID,
    "Suspends running jobs (SIGSTOP to their processes).",
    acts_on_jobs=True,
)

RESUME_JOB = Cmdlet(
    "Resume-Job",
    ("rujb",),
    (*_selection(*_SELECT), _switch("Wait")),
    _SELECT,
    ID,
    "Resumes suspended jobs (SIGCONT).",
    acts_on_jobs=True,
)

_FORMAT_PARAMETERS = (Parameter("Property", ParamType.STRING_ARRAY, position=0), _INPUT_OBJECT)

FORMAT_LIST = Cmdlet(
    "Format-List",
    ("fl",),
    (
        *_FORMAT_PARAMETERS,
        _switch("Force"),  # accepted as typed: every property is shown already
        Parameter("Expand", ParamType.STRING),
    ),
    ("Default",),
    "Default",
    "Shows every property of each job, one per line.",
)

FORMAT_TABLE = Cmdlet(
    "Format-Table",
    ("ft",),
    (
        *_FORMAT_PARAMETERS,
        _switch("AutoSize"),
        _switch("Wrap"),
        _switch("HideTableHeaders"),
        _switch("Force"),
    ),
    ("Default",),
    "Default",
    "Shows objects as a table (of the given properties); -AutoSize, -Wrap, -HideTableHeaders.",
)

OUT_FILE = Cmdlet(
    "Out-File",
    (),
    (
        Parameter(
            "FilePath",
            ParamType.STRING,
            aliases=("Path",),
            position=0,
            mandatory=frozenset({"Default"}),
        ),
        _switch("Append"),
        _switch("NoClobber", "NoOverwrite"),
        _INPUT_OBJECT,
    ),
    ("Default",),
    "Default",
    "Writes what it receives to a file, as it would be printed.",
)

OUT_NULL = Cmdlet(
    "Out-Null",
    (),
    (_INPUT_OBJECT,),
    ("Default",),
    "Default",
    "Discards what it receives.",
)

RESTART_JOB = Cmdlet(
    "Restart-Job",
    (),
    (*_selection(*_SELECT),),
    _SELECT,
    ID,
    "jobtui's own, not PowerShell's: starts a job's command again as a new job (same directory, "
    "environment, name and location); a running job is stopped first.",
    acts_on_jobs=True,
)

SEND_JOB_INPUT = Cmdlet(
    "Send-JobInput",
    (),
    (
        *_selection(ID, NAME, JOB),
        Parameter("InputObject", ParamType.STRING_ARRAY, position=1),
        _switch("Close"),
    ),
    (ID, NAME, JOB),
    ID,
    "jobtui's own, not PowerShell's: writes lines to a job's stdin; -Close ends its input.",
    check=_check_send_job_input,
    acts_on_jobs=True,
)

# -- the session's own cmdlets: they act on this session, never inside a job -------------------

SET_LOCATION = Cmdlet(
    "Set-Location",
    ("sl", "cd", "chdir"),
    (
        Parameter("Path", ParamType.STRING, sets=frozenset({"Path"}), position=0),
        _LITERAL_PATH,
        _switch("PassThru"),
    ),
    ("Path", "LiteralPath"),
    "Path",
    "Sets the directory later jobs start in (no path: your home; - : the previous one).",
)

GET_LOCATION = Cmdlet(
    "Get-Location",
    ("gl", "pwd"),
    (),
    ("Default",),
    "Default",
    "Shows the directory later jobs start in.",
)

START_SLEEP = Cmdlet(
    "Start-Sleep",
    (),  # no "sleep": on Linux and macOS PowerShell leaves that name to the system's command
    (
        Parameter(
            "Seconds",
            ParamType.DOUBLE,
            sets=frozenset({"Seconds"}),
            position=0,
            mandatory=frozenset({"Seconds"}),
            minimum=0,
            maximum=2**31 // 1000,
        ),
        Parameter(
            "Milliseconds",
            ParamType.INT,
            aliases=("ms",),
            sets=frozenset({"Milliseconds"}),
            mandatory=frozenset({"Milliseconds"}),
            minimum=0,
            maximum=2**31 - 1,
        ),
    ),
    ("Seconds", "Milliseconds"),
    "Seconds",
    "Pauses this session (Ctrl+C or Esc ends the pause); with & or in { } it is a job.",
)

# -- the session's own PSSession cmdlets (the session host answers them) ------------------------

_SESSION_NAME = Parameter("Name", ParamType.STRING_ARRAY, sets=frozenset({"Name"}), position=0)
_SESSION_ID = Parameter("Id", ParamType.INT_ARRAY, sets=frozenset({"Id"}))

GET_PSSESSION = Cmdlet(
    "Get-PSSession",
    ("gsn",),
    (_SESSION_NAME, _SESSION_ID),
    ("Name", "Id"),
    "Name",
    "Lists the session host's session: its state, clients and jobs.",
)

DISCONNECT_PSSESSION = Cmdlet(
    "Disconnect-PSSession",
    ("dnsn",),
    (_SESSION_NAME, _SESSION_ID),
    ("Name", "Id"),
    "Name",
    "Ends this client and leaves the session and its jobs running in the host.",
)

CONNECT_PSSESSION = Cmdlet(
    "Connect-PSSession",
    ("cnsn",),
    (_SESSION_NAME, _SESSION_ID),
    ("Name", "Id"),
    "Name",
    "Attaches this client to the session host's session.",
)
