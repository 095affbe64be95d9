"""The output cmdlets: Format-List, Format-Table, Out-File and Out-Null.

They take whatever flows down the pipeline. Jobs are laid out as PowerShell's views lay them out
(:mod:`jobtui.commands.output_format`); other objects pass through as they are.
"""

from __future__ import annotations

import fnmatch
import os
from typing import TYPE_CHECKING

from jobtui.commands import cmdlets
from jobtui.commands.declaration import BoundCommand, Cmdlet, CmdletFunction
from jobtui.commands.errors import CommandError
from jobtui.commands.output_format import (
    OutputFormatter,
    format_job_table,
    format_list,
    format_property,
    format_table,
)
from jobtui.commands.record_format import format_record_list, format_rows, job_rows, table_rows
from jobtui.commands.records import CustomObject
from jobtui.commands.selectcmdlets import expand_names
from jobtui.commands.values import JOB_PROPERTIES, FormattedText, as_list, get_member
from jobtui.engine import Job, JobFailure, JobStateInfo
from jobtui.engine.job import SCHEDULER_PROPERTIES

if TYPE_CHECKING:
    from jobtui.commands.context import Context


def format_list_cmdlet(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Format-List: each job's or record's properties, one per line; other objects (text,
    numbers) as they are."""
    properties = bound.get("Property")
    objects = _format_input(bound, input)
    first = True
    for value in objects:
        if isinstance(value, Job):
            names = _expand_properties(properties)
            if not properties and get_member(value, "SlurmJobId") is not None:
                names.extend(SCHEDULER_PROPERTIES)  # a job on a cluster
            lines = format_list(value, names)
        elif has_properties(value):
            lines = list_lines(value, properties)
        else:
            context.emit(value)
            continue
        if lines:
            context.emit(FormattedText(tuple(lines if first else ["", *lines])))
            first = False


def format_table_cmdlet(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Format-Table: jobs as the Get-Job table, or as a table of the given properties; records
    as tables of their properties. -AutoSize sizes the job view's columns to their cells,
    -Wrap wraps long cells instead of cutting them, -HideTableHeaders leaves out the header."""
    properties = bound.get("Property")
    objects = _format_input(bound, input)
    jobs = [v for v in objects if isinstance(v, Job)]
    hide, wrap = bound.switch("HideTableHeaders"), bound.switch("Wrap")
    width = context.session.width
    if jobs and (hide or wrap or bound.switch("AutoSize")):
        names = _expand_properties(properties) if properties else None
        laid_out = job_rows(jobs, names, width, autosize=bound.switch("AutoSize"))
        context.emit(
            FormattedText(tuple(format_rows(laid_out, width, hide_headers=hide, wrap=wrap)))
        )
    elif jobs:
        if properties:
            names = _expand_properties(properties)
            rows = [[format_property(get_member(j, n)) for n in names] for j in jobs]
            lines = format_table(rows, names)
        else:
            lines = format_job_table(jobs, context.session.width)
        context.emit(FormattedText(tuple(lines)))
    tabular = [v for v in objects if not isinstance(v, Job) and has_properties(v)]
    if tabular:
        records = [table_rows(v, table_names(v, properties)) for v in tabular]
        context.emit(
            FormattedText(tuple(format_rows(records, width, hide_headers=hide, wrap=wrap)))
        )
    for value in objects:
        if not isinstance(value, Job) and not has_properties(value):
            context.emit(value)


def has_properties(value: object) -> bool:
    """Whether Format-Table and Format-List lay ``value`` out by its properties (records and
    objects; text and numbers print as they are)."""
    return isinstance(value, CustomObject | JobStateInfo | JobFailure)


def table_names(value: object, patterns: list[str] | None) -> list[str] | None:
    """The properties -Property selects on ``value`` (wildcards expanded)."""
    return expand_names(value, patterns) if patterns else None


def list_lines(value: object, patterns: list[str] | None) -> list[str]:
    """Format-List of an object that is not a job: its (selected) properties."""
    row = table_rows(value, table_names(value, patterns))
    return format_record_list(row)


def _format_input(bound: BoundCommand, input: list[object] | None) -> list[object]:
    objects: list[object] = []
    if bound.has("InputObject"):
        objects.extend(as_list(bound.get("InputObject")))
    objects.extend(input or [])
    return objects


def _expand_properties(patterns: list[str] | None) -> list[str]:
    """The job properties ``patterns`` name (wildcards expanded, in the jobs' order); a name
    no job has stays as written: Format-Table shows it as an empty column."""
    if not patterns:
        return list(JOB_PROPERTIES)
    names: list[str] = []
    for pattern in patterns:
        matches = [n for n in JOB_PROPERTIES if fnmatch.fnmatchcase(n.lower(), pattern.lower())]
        for name in matches or [pattern]:
            if name not in names:
                names.append(name)
    return names


def out_file(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Out-File: write what comes down the pipeline to a file, as it would print."""
    path = context.session.resolve_path(bound.get("FilePath"))
    if bound.switch("NoClobber") and not bound.switch("Append") and os.path.exists(path):
        raise CommandError("Out-File", f"The file '{path}' already exists.")
    formatter = OutputFormatter(context.session.width)
    try:
        handle = open(path, "a" if bound.switch("Append") else "w", encoding="utf-8")  # noqa: SIM115
    except FileNotFoundError:
        raise CommandError("Out-File", f"Could not find a part of the path '{path}'.") from None
    except OSError:
        raise CommandError("Out-File", f"Access to the path '{path}' is denied.") from None
    with handle:  # written as formatted: a large input is never held twice
        for value in _format_input(bound, input):
            handle.writelines(line + "\n" for line in formatter.format(value))
        handle.writelines(line + "\n" for line in formatter.end())


def out_null(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Out-Null: discard (``Wait-Job $job | Out-Null`` waits without printing)."""
    del context, bound, input


#: The output cmdlets, each with its function (see :mod:`jobtui.commands.registry`).
CMDLETS: dict[Cmdlet, CmdletFunction] = {
    cmdlets.FORMAT_LIST: format_list_cmdlet,
    cmdlets.FORMAT_TABLE: format_table_cmdlet,
    cmdlets.OUT_FILE: out_file,
    cmdlets.OUT_NULL: out_null,
}
