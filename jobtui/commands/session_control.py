"""What the command language may ask of the session it runs in: PSSession's cmdlets' door.

The language knows no host: a session host supplies a :class:`SessionControl` to the
:class:`~jobtui.commands.CommandSession` it runs lines in, and Disconnect-PSSession,
Connect-PSSession and Get-PSSession call it. A session with none (``--no-host``, tests) is not
hosted, and those cmdlets say so in one line.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class SessionState(enum.Enum):
    """``PSSession.State``: Opened while a client is attached, Disconnected while none is."""

    Opened = "Opened"
    Disconnected = "Disconnected"
    Closed = "Closed"


class SessionAvailability(enum.Enum):
    """``PSSession.Availability``: Available to this client, Busy when others hold it."""

    Available = "Available"
    Busy = "Busy"
    None_ = "None"


@dataclass(frozen=True)
class SessionInfo:
    """A session as Get-PSSession lists it."""

    id: int
    name: str
    computer_name: str
    state: SessionState
    availability: SessionAvailability
    #: Clients attached now.
    clients: int
    #: Jobs the session holds, and how many of them are running.
    jobs: int
    running: int
    #: The host's process id.
    pid: int


class SessionControl(Protocol):
    """The hosted session, as the cmdlets reach it (each call is about the client that ran the
    line)."""

    def disconnect(self) -> None:
        """Leave the session running, with its jobs, when the asking client ends."""
        ...

    def connect(self) -> None:
        """Attach the asking client (again)."""
        ...

    def sessions(self) -> list[SessionInfo]:
        """Every session this host serves."""
        ...
