"""Helpers shared by the command-language tests."""

from __future__ import annotations

import time
from collections.abc import Callable

from jobtui.commands import CommandResult, CommandSession

HEADER = (
    "Id     Name            PSJobTypeName   State         HasMoreData     Location             "
    "Command"
)
UNDERLINE = (
    "--     ----            -------------   -----         -----------     --------             "
    "-------"
)


def run(session: CommandSession, line: str) -> CommandResult:
    """Execute a line and return its result."""
    return session.execute(line)


def output(result: CommandResult) -> list[str]:
    """The result's output lines (results, not errors or notices)."""
    return [line.text for line in result.lines if line.kind == "output"]


def errors(result: CommandResult) -> list[str]:
    """The result's error lines (command errors and received stderr)."""
    return [line.text for line in result.lines if line.kind == "error"]


def infos(result: CommandResult) -> list[str]:
    """The result's notices."""
    return [line.text for line in result.lines if line.kind == "info"]


def row(
    job_id: int,
    name: str,
    state: str,
    has_more_data: bool,
    command: str,
    type_name: str = "BackgroundJob",
    location: str = "localhost",
) -> str:
    """A Get-Job row as PowerShell 7 lays it out (width 120: Command gets 30 characters)."""
    cells = [
        str(job_id).ljust(6),
        name.ljust(15),
        type_name.ljust(15),
        state.ljust(13),
        str(has_more_data).ljust(15),
        location.ljust(20),
        command,
    ]
    return " ".join(cells).rstrip()


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll until ``predicate`` holds; fail the test if it never does."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)
