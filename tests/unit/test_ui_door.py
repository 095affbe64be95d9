"""The UI reaches jobs through one door: no module under jobtui/ui/ uses the engine or the
command language but for their value types (snapshots, states, results)."""

from __future__ import annotations

import ast
from pathlib import Path

import jobtui.ui

UI = Path(jobtui.ui.__file__).parent

#: What the UI may take from the engine: values it reads, never a live job or the engine.
ENGINE_VALUES = frozenset(
    {
        "FailureInfo",
        "FINISHED",
        "JobChanges",
        "JobSnapshot",
        "JobState",
        "LIST_PROPERTIES",
        "OutputFacts",
        "PERSISTENT",
        "ProcessFacts",
        "StateInfo",
        "StatsSample",
        # A rule over values (a limit, a state, a begin time, now), as a snapshot applies it.
        "time_left",
    }
)
#: The live job's class, by the one module that reads a live job as a record (LiveJob: for
#: callers that hold live jobs, as tests and benchmarks do; the app hands the table snapshots).
LIVE_JOB_ADAPTERS = {"records.py": frozenset({"Job"})}
#: What the UI may take from the command language: the values a line's result carries.
COMMAND_VALUES = frozenset({"OutputLine", "WaitEnd", "WaitOutcome", "WaitStarted"})


def _type_checking_lines(tree: ast.Module) -> set[int]:
    """Lines inside ``if TYPE_CHECKING:`` blocks (imports there are for annotations only)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    annotations_only = _type_checking_lines(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(("jobtui.engine", "jobtui.commands")):
                    found.append(f"{path.name}:{node.lineno} import {alias.name}")
        elif (
            isinstance(node, ast.ImportFrom) and node.module and node.lineno not in annotations_only
        ):
            if node.module.startswith("jobtui.engine"):
                allowed = (
                    ENGINE_VALUES | LIVE_JOB_ADAPTERS.get(path.name, frozenset())
                    if node.module == "jobtui.engine"
                    else frozenset()
                )
            elif node.module.startswith("jobtui.commands"):
                allowed = COMMAND_VALUES if node.module == "jobtui.commands" else frozenset()
            else:
                continue
            for alias in node.names:
                if alias.name not in allowed:
                    found.append(f"{path.name}:{node.lineno} {node.module}.{alias.name}")
    return found


def test_no_ui_module_reaches_the_engine_or_the_language_but_for_values() -> None:
    modules = sorted(UI.rglob("*.py"))
    assert len(modules) > 20  # the walk found the package

    violations = [v for module in modules for v in _violations(module)]

    assert violations == []


def test_the_check_catches_a_live_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "from jobtui.engine import Job, JobState\n"
        "from jobtui.engine.runners import ProcessRunner\n"
        "if TYPE_CHECKING:\n"
        "    from jobtui.engine import JobEngine\n"
        "def later():\n"
        "    from jobtui.commands import CommandSession\n"
    )

    assert _violations(module) == [
        "bad.py:2 jobtui.engine.Job",
        "bad.py:3 jobtui.engine.runners.ProcessRunner",
        "bad.py:7 jobtui.commands.CommandSession",
    ]
