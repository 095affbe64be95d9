"""jobtui's settings as typed records, with the defaults that hold when config.toml is absent.

The defaults are the embedded configuration: jobtui needs no file. :mod:`jobtui.data.config`
builds a :class:`Settings` from the file and the environment; nothing here reads either.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, TypedDict

#: Seconds Stop-Job waits between SIGTERM and SIGKILL (the engine's own default; a test holds
#: them equal).
DEFAULT_GRACE = 3.0
#: Seconds a disconnected session with nothing running is kept (PowerShell's 7,200,000 ms).
DEFAULT_IDLE_TIMEOUT = 7200.0
#: The theme the app starts on.
DEFAULT_THEME = "textual-dark"

#: The job table's columns by name, in the table's order (``ui/widgets/jobs_table.py``'s
#: ``COLUMNS``; a test holds them equal). Settings name columns by these.
COLUMN_NAMES: tuple[str, ...] = (
    "id",
    "name",
    "type",
    "state",
    "more",
    "location",
    "pid",
    "cpu",
    "mem",
    "elapsed",
    "left",
    "exit",
    "progress",
    "command",
)


class DesktopNotice(enum.Enum):
    """How a desktop notification is sent: through the terminal (an OSC sequence, which travels
    over SSH; OSC 777 is rxvt's, VTE's, foot's and WezTerm's, OSC 9 iTerm2's, Windows
    Terminal's and kitty's), with ``notify-send`` on this machine, or not at all."""

    OFF = "off"
    OSC777 = "osc777"
    OSC9 = "osc9"
    NOTIFY_SEND = "notify-send"


class LocationKind(enum.Enum):
    """A kind of named location: the backend that will run its jobs."""

    SSH = "ssh"
    SLURM = "slurm"


class SshLocation(NamedTuple):
    """A host that jobs reach over SSH (``[locations.NAME]`` with ``kind = "ssh"``).

    (Locations are named tuples, not dataclasses: making a dataclass costs every start about
    half a millisecond, and these are only read.)
    """

    name: str
    host: str
    user: str | None = None
    port: int | None = None
    identity_file: Path | None = None

    @property
    def kind(self) -> LocationKind:
        """The backend that will run this location's jobs."""
        return LocationKind.SSH


class SlurmLocation(NamedTuple):
    """A Slurm cluster and the resources its jobs ask for unless told otherwise
    (``[locations.NAME]`` with ``kind = "slurm"``). Its jobs are submitted with this machine's
    Slurm commands; a ``host`` (a login node) is read and checked, but Start-Job refuses it:
    nothing submits through one yet."""

    name: str
    host: str | None = None
    partition: str | None = None
    account: str | None = None
    qos: str | None = None
    time: str | None = None
    cpus: int | None = None
    memory: str | None = None
    gpus: int | None = None

    @property
    def kind(self) -> LocationKind:
        """The backend that will run this location's jobs."""
        return LocationKind.SLURM


Location = SshLocation | SlurmLocation


@dataclass(frozen=True)
class Settings:
    """Every setting, each with its default."""

    #: Keep on at start: showing output leaves it unread (Receive-Job -Keep).
    keep: bool = True
    #: Seconds Stop-Job waits between SIGTERM and SIGKILL.
    grace: float = DEFAULT_GRACE
    #: Where transcripts too large for memory go; None: the system's temporary directory.
    spill_dir: Path | None = None
    #: Where the command bar's history is kept; None: ``$XDG_STATE_HOME/jobtui``.
    history_dir: Path | None = None
    #: Bytes of transcripts the session host keeps in all; None: no budget.
    disk_budget: int | None = None
    #: The job table's columns, by name (shown in the table's order).
    columns: tuple[str, ...] = COLUMN_NAMES
    #: The Textual theme.
    theme: str = DEFAULT_THEME
    #: Whether the app takes the mouse (clicks, wheel); off leaves it to the terminal.
    mouse: bool = True
    #: Binding id -> keys (comma-separated), applied over the built-in keys.
    keymap: dict[str, str] = field(default_factory=dict)
    #: Named locations (SSH hosts, Slurm clusters), in the file's order.
    locations: tuple[Location, ...] = ()
    #: Notifications when a job ends, fails or starts waiting for input: a toast in the app...
    notify_toast: bool = True
    #: ...the terminal's bell while the app does not have the terminal's focus...
    notify_bell: bool = True
    #: ...a desktop notification...
    notify_desktop: DesktopNotice = DesktopNotice.OFF
    #: ...and a shell command that gets the job's record as JSON on stdin (None: none).
    notify_hook: str | None = None
    #: Seconds a disconnected session host with no running job and no client lives on
    #: (PowerShell's IdleTimeout, 2 hours by default).
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT

    def engine_options(self) -> EngineOptions:
        """The keyword arguments of ``JobEngine`` that settings decide."""
        spill_dir = None if self.spill_dir is None else str(self.spill_dir)
        return EngineOptions(grace=self.grace, spill_dir=spill_dir)


class EngineOptions(TypedDict):
    """``JobEngine(**options)``: what the settings decide of an engine."""

    grace: float
    spill_dir: str | None
