"""The command language: PowerShell's job cmdlets over jobtui's engine, with no user interface.

from jobtui.commands import CommandSession
from jobtui.engine import JobEngine
with JobEngine() as engine:
    session = CommandSession(engine)
    for line in session.execute("Start-Job {sleep 1; echo hi} | Wait-Job | Receive-Job").lines:
        print(line.kind, line.text)

The names below load their modules when first used, not when the package is imported: the app
draws its first frame before it loads the language (see jobtui.ui.language), and a module it
needs early (``jobtui.commands.errors``) can be imported without the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobtui.commands.errors import CommandError
    from jobtui.commands.output_format import format_job_table
    from jobtui.commands.results import (
        CommandResult,
        LineKind,
        OutputLine,
        WaitEnd,
        WaitOutcome,
        WaitStarted,
    )
    from jobtui.commands.session import CommandSession

#: Each public name and the module it comes from.
_MODULES = {
    "CommandError": "jobtui.commands.errors",
    "CommandResult": "jobtui.commands.results",
    "CommandSession": "jobtui.commands.session",
    "LineKind": "jobtui.commands.results",
    "OutputLine": "jobtui.commands.results",
    "WaitEnd": "jobtui.commands.results",
    "WaitOutcome": "jobtui.commands.results",
    "WaitStarted": "jobtui.commands.results",
    "format_job_table": "jobtui.commands.output_format",
}

__all__ = [
    "CommandError",
    "CommandResult",
    "CommandSession",
    "LineKind",
    "OutputLine",
    "WaitEnd",
    "WaitOutcome",
    "WaitStarted",
    "format_job_table",
]


def __dir__() -> list[str]:
    """The public names too, loaded or not."""
    return sorted({*globals(), *__all__})


def __getattr__(name: str) -> object:
    """Import a public name's module on first use (PEP 562)."""
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULES[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value
