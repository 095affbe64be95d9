"""The session's own cmdlets: Set-Location, Get-Location and Start-Sleep act on this session.

The location is the directory later jobs start in (the engine's ``working_directory``); relative
paths the language writes or reads (``> results.txt``, ``Out-File``, ``-FilePath``,
``-WorkingDirectory``) are taken against it, as PowerShell takes them against its location.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from jobtui.commands import cmdlets
from jobtui.commands.declaration import BoundCommand, Cmdlet, CmdletFunction
from jobtui.commands.errors import INPUT_NOT_BOUND, Cancelled, CommandError
from jobtui.commands.values import PathInfo

if TYPE_CHECKING:
    from jobtui.commands.context import Context

#: How many locations ``cd -`` can go back through (PowerShell keeps 20).
LOCATION_HISTORY = 20


def refuse_input(context: Context, source: str, input: list[object] | None) -> None:
    """Objects piped into a cmdlet that takes none: PowerShell's error for each of them."""
    for _ in input or []:
        context.error(source, INPUT_NOT_BOUND)


def set_location(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Set-Location (cd): the directory later jobs start in; no path is home, ``-`` the
    previous location and ``+`` the next one again."""
    refuse_input(context, "Set-Location", input)
    session = context.session
    literal = bound.has("LiteralPath")
    written = bound.get("LiteralPath") if literal else bound.get("Path", "~")
    if not literal and written in ("-", "+"):
        target = _step(session.back_locations if written == "-" else session.forward_locations)
        if target is None:
            way = "backward" if written == "-" else "forward"
            raise CommandError(
                "Set-Location", f"There is no location history left to navigate {way}."
            )
        (session.forward_locations if written == "-" else session.back_locations).append(
            session.location
        )
    else:
        target = session.resolve_path(written)
        _check_directory(target)
        session.back_locations.append(session.location)
        del session.back_locations[:-LOCATION_HISTORY]
        session.forward_locations.clear()
    context.engine.working_directory = target
    if bound.switch("PassThru"):
        context.emit(PathInfo(target))


def _step(history: list[str]) -> str | None:
    """The newest location of ``history`` that still exists, taken off it."""
    while history:
        candidate = history.pop()
        if os.path.isdir(candidate):
            return candidate
    return None


def _check_directory(path: str) -> None:
    if not os.path.isdir(path):
        raise CommandError("Set-Location", f"Cannot find path '{path}' because it does not exist.")
    if not os.access(path, os.X_OK):
        raise CommandError("Set-Location", f"Access to the path '{path}' is denied.")


def get_location(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Get-Location (pwd): the directory later jobs start in."""
    del bound
    refuse_input(context, "Get-Location", input)
    context.emit(PathInfo(context.session.location))


def pause_session(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Start-Sleep: pause the session (``-Seconds``, also fractional, or ``-Milliseconds``);
    Ctrl+C ends the pause and the rest of the line. (In ``{ }`` or with ``&`` Start-Sleep is
    a job instead, run by the engine's built-in ``start_sleep``.)"""
    refuse_input(context, "Start-Sleep", input)
    if bound.has("Milliseconds"):
        seconds = bound.get("Milliseconds") / 1000
    else:
        seconds = bound.get("Seconds")
    if context.cancel is None:
        time.sleep(seconds)
    elif context.cancel.wait(seconds):
        raise Cancelled("Start-Sleep")


#: The session's own cmdlets, each with its function (see :mod:`jobtui.commands.registry`).
CMDLETS: dict[Cmdlet, CmdletFunction] = {
    cmdlets.SET_LOCATION: set_location,
    cmdlets.GET_LOCATION: get_location,
    cmdlets.START_SLEEP: pause_session,
}
