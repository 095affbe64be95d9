"""The cmdlets the language knows: names, aliases, parameters, positions, types and sets.

The table follows PowerShell's own declarations (Start-Job.md, Get-Job.md... and the source's
parameter attributes); :func:`resolve_parameter` resolves a written ``-Ti`` to ``-Timeout`` the way
PowerShell does, with its errors.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from jobtui.commands.errors import CommandError


class ParamType(enum.Enum):
    """What a parameter takes; the value is PowerShell's type name, used in messages."""

    INT = "System.Int32"
    DOUBLE = "System.Double"
    INT_ARRAY = "System.Int32[]"
    STRING = "System.String"
    STRING_ARRAY = "System.String[]"
    GUID_ARRAY = "System.Guid[]"
    JOB_ARRAY = "System.Management.Automation.Job[]"
    JOB_STATE = "System.Management.Automation.JobState"
    BOOL = "System.Boolean"
    SWITCH = "System.Management.Automation.SwitchParameter"
    SCRIPT_BLOCK = "System.Management.Automation.ScriptBlock"
    OBJECT = "System.Management.Automation.PSObject"
    OBJECT_ARRAY = "System.Object[]"
    DATETIME = "System.DateTime"


#: A parameter that belongs to every parameter set of its cmdlet.
ALL_SETS: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Parameter:
    """One parameter of a cmdlet, as PowerShell declares it."""

    name: str
    type: ParamType
    aliases: tuple[str, ...] = ()
    #: The sets it belongs to; ALL_SETS (empty) means every set.
    sets: frozenset[str] = ALL_SETS
    #: Its position (0, 1...) when written without its name; None if it must be named.
    position: int | None = None
    #: The sets in which it is mandatory.
    mandatory: frozenset[str] = frozenset()
    #: Takes pipeline input by value.
    from_pipeline: bool = False
    #: ValidateRange: the smallest and largest values allowed.
    minimum: float | None = None
    maximum: float | None = None
    #: Accepted, but cannot work on Linux or macOS: using it is an error with this text.
    unsupported: str | None = None

    def in_set(self, set_name: str) -> bool:
        """Whether the parameter can be used in ``set_name``."""
        return not self.sets or set_name in self.sets

    @property
    def is_switch(self) -> bool:
        """Whether it is a switch (``-Keep``), which takes no argument unless ``-Keep:$false``."""
        return self.type is ParamType.SWITCH


@dataclass(frozen=True)
class Cmdlet:
    """A cmdlet: its name, aliases, parameters and parameter sets."""

    name: str
    aliases: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    sets: tuple[str, ...]
    default_set: str
    summary: str = ""
    by_name: dict[str, Parameter] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for parameter in self.parameters:
            self.by_name[parameter.name.lower()] = parameter
            for alias in parameter.aliases:
                self.by_name[alias.lower()] = parameter

    def parameter(self, name: str) -> Parameter:
        """The parameter with this exact (canonical) name."""
        return self.by_name[name.lower()]

    @property
    def is_job_cmdlet(self) -> bool:
        """Whether the cmdlet acts on this session's jobs (it cannot run inside a job)."""
        return self.name.endswith("-Job") or self.name in ("Start-ThreadJob", "Send-JobInput")


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
        Parameter(
            "StreamingHost",
            ParamType.OBJECT,
            unsupported="a job's output is shown live by jobtui's output pane instead.",
        ),
    ),
    ("ScriptBlock", "FilePath"),
    "ScriptBlock",
    "Starts a shell command as a thread job (no child job; -ThrottleLimit queues jobs).",
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
)

WAIT_JOB = Cmdlet(
    "Wait-Job",
    ("wjb",),
    (
        *_selection(*_SELECT),
        _switch("Any"),
        Parameter("Timeout", ParamType.INT, aliases=("TimeoutSec",), minimum=-1, maximum=2**31 - 1),
        _switch("Force"),
    ),
    _SELECT,
    ID,
    "Waits until all (or -Any) of the jobs are finished, then outputs them.",
)

STOP_JOB = Cmdlet(
    "Stop-Job",
    ("spjb",),
    (*_selection(*_SELECT), _switch("PassThru")),
    _SELECT,
    ID,
    "Stops jobs (their whole process tree).",
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
)

SUSPEND_JOB = Cmdlet(
    "Suspend-Job",
    ("sujb",),
    (*_selection(*_SELECT), _switch("Force", "F"), _switch("Wait")),
    _SELECT,
    ID,
    "Suspends running jobs (SIGSTOP to their processes).",
)

RESUME_JOB = Cmdlet(
    "Resume-Job",
    ("rujb",),
    (*_selection(*_SELECT), _switch("Wait")),
    _SELECT,
    ID,
    "Resumes suspended jobs (SIGCONT).",
)

_FORMAT_PARAMETERS = (Parameter("Property", ParamType.STRING_ARRAY, position=0), _INPUT_OBJECT)

FORMAT_LIST = Cmdlet(
    "Format-List",
    ("fl",),
    _FORMAT_PARAMETERS,
    ("Default",),
    "Default",
    "Shows every property of each job, one per line.",
)

FORMAT_TABLE = Cmdlet(
    "Format-Table",
    ("ft",),
    _FORMAT_PARAMETERS,
    ("Default",),
    "Default",
    "Shows jobs as a table (of the given properties).",
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

CMDLETS: tuple[Cmdlet, ...] = (
    START_JOB,
    START_THREAD_JOB,
    GET_JOB,
    RECEIVE_JOB,
    WAIT_JOB,
    STOP_JOB,
    REMOVE_JOB,
    SUSPEND_JOB,
    RESUME_JOB,
    FORMAT_LIST,
    FORMAT_TABLE,
    OUT_FILE,
    OUT_NULL,
    SET_LOCATION,
    GET_LOCATION,
    START_SLEEP,
    SEND_JOB_INPUT,
)

_BY_NAME: dict[str, Cmdlet] = {}
for _cmdlet in CMDLETS:
    _BY_NAME[_cmdlet.name.lower()] = _cmdlet
    for _alias in _cmdlet.aliases:
        _BY_NAME[_alias.lower()] = _cmdlet


def find_cmdlet(name: str) -> Cmdlet | None:
    """The cmdlet called ``name`` (or an alias of it), in any case; None if there is none."""
    return _BY_NAME.get(name.lower())


def command_names() -> list[str]:
    """Every cmdlet name and alias, names first."""
    return [c.name for c in CMDLETS] + [a for c in CMDLETS for a in c.aliases]


def resolve_parameter(cmdlet: Cmdlet, written: str) -> Parameter:
    """The parameter ``-written`` means: an exact name or alias, else a unique prefix.

    Several parameters sharing the prefix is PowerShell's ambiguity error; a prefix of one
    parameter's name and its alias (``-Time`` for Timeout and TimeoutSec) is not ambiguous.
    """
    key = written.lower()
    if key in cmdlet.by_name:
        return cmdlet.by_name[key]
    matches: list[Parameter] = []
    for parameter in cmdlet.parameters:
        names = (parameter.name, *parameter.aliases)
        if any(n.lower().startswith(key) for n in names) and parameter not in matches:
            matches.append(parameter)
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise CommandError(
            cmdlet.name, f"A parameter cannot be found that matches parameter name '{written}'."
        )
    listed = " ".join(f"-{p.name}" for p in matches)
    raise CommandError(
        cmdlet.name,
        f"Parameter cannot be processed because the parameter name '{written}' is ambiguous. "
        f"Possible matches include: {listed}.",
    )
