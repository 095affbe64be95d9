"""Get-PSSession, Disconnect-PSSession and Connect-PSSession: the session host's session.

The language asks the host through the session's
:class:`~jobtui.commands.session_control.SessionControl`; a session with none lives in the
front end's own process (``--no-host``), and each of these says so in one line.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING

from jobtui.commands import cmdlets
from jobtui.commands.declaration import BoundCommand, Cmdlet, CmdletFunction
from jobtui.commands.errors import CommandError
from jobtui.commands.records import CustomObject
from jobtui.commands.session_control import SessionControl, SessionInfo
from jobtui.commands.sessioncmdlets import refuse_input

if TYPE_CHECKING:
    from jobtui.commands.context import Context

#: Get-PSSession's type name, as PowerShell's.
PSSESSION_TYPE = "System.Management.Automation.Runspaces.PSSession"


def _control(context: Context, source: str) -> SessionControl:
    control = context.session.control
    if control is None:
        raise CommandError(
            source,
            "This session is not hosted (jobtui runs it in its own process: --no-host or "
            "JOBTUI_NO_HOST): there is no session host to connect to or disconnect from.",
        )
    return control


def _chosen(context: Context, source: str, bound: BoundCommand) -> list[SessionInfo]:
    """The sessions named by -Name (wildcards) or -Id; every one when neither is given."""
    sessions = _control(context, source).sessions()
    if bound.has("Id"):
        ids = list(bound.get("Id"))
        chosen = [info for info in sessions if info.id in ids]
        for missing in (i for i in ids if i not in {info.id for info in sessions}):
            context.error(
                source,
                f"The remote session with the session ID {missing} is not available.",
            )
        return chosen
    if bound.has("Name"):
        chosen = []
        for name in bound.get("Name"):
            found = [s for s in sessions if fnmatch.fnmatchcase(s.name.lower(), name.lower())]
            if not found and not any(c in name for c in "*?["):
                context.error(source, f"The remote session with the name {name} is not available.")
            chosen += [s for s in found if s not in chosen]
        return chosen
    return sessions


def _record(info: SessionInfo) -> CustomObject:
    return CustomObject(
        {
            "Id": info.id,
            "Name": info.name,
            "Transport": "Socket",
            "ComputerName": info.computer_name,
            "ComputerType": "SessionHost",
            "State": info.state.value,
            "Availability": info.availability.value.rstrip("_"),
            "Clients": info.clients,
            "Jobs": info.jobs,
            "Running": info.running,
            "ProcessId": info.pid,
        },
        type_name=PSSESSION_TYPE,
    )


def get_pssession(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Get-PSSession: the host's session (Id, Name, State, Availability, clients, jobs)."""
    refuse_input(context, "Get-PSSession", input)
    for info in _chosen(context, "Get-PSSession", bound):
        context.emit(_record(info))


def disconnect_pssession(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Disconnect-PSSession: this client ends; the session and its jobs go on in the host."""
    refuse_input(context, "Disconnect-PSSession", input)
    chosen = _chosen(context, "Disconnect-PSSession", bound)
    if chosen:
        _control(context, "Disconnect-PSSession").disconnect()
        context.info(
            "Disconnected: the session and its jobs go on in the host (jobtui reconnects)."
        )


def connect_pssession(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Connect-PSSession: attach this client to the host's session; emits it."""
    refuse_input(context, "Connect-PSSession", input)
    control = _control(context, "Connect-PSSession")
    chosen = _chosen(context, "Connect-PSSession", bound)
    if chosen:
        control.connect()
        for info in control.sessions():
            context.emit(_record(info))


#: The PSSession cmdlets, each with its function (see :mod:`jobtui.commands.registry`).
CMDLETS: dict[Cmdlet, CmdletFunction] = {
    cmdlets.GET_PSSESSION: get_pssession,
    cmdlets.DISCONNECT_PSSESSION: disconnect_pssession,
    cmdlets.CONNECT_PSSESSION: connect_pssession,
}
