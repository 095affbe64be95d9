"""The command language: PowerShell's job cmdlets over jobtui's engine, with no user interface.

from jobtui.commands import CommandSession
from jobtui.engine import JobEngine
with JobEngine() as engine:
    session = CommandSession(engine)
    for line in session.execute("Start-Job {sleep 1; echo hi} | Wait-Job | Receive-Job").lines:
        print(line.kind, line.text)
"""

from jobtui.commands.errors import CommandError
from jobtui.commands.formatting import format_job_table
from jobtui.commands.results import CommandResult, OutputLine, WaitRequest
from jobtui.commands.session import CommandSession

__all__ = [
    "CommandError",
    "CommandResult",
    "CommandSession",
    "OutputLine",
    "WaitRequest",
    "format_job_table",
]
