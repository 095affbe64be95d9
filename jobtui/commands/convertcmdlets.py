"""The cmdlets that turn objects into text: ConvertTo-Json, ConvertTo-Csv, Export-Csv and
Out-String; and the ones that write: Write-Output (``echo``) and Write-Host.

``jobtui --plain`` with ``Get-Job | ConvertTo-Json`` is how a script reads the jobs: the
conversion itself is :mod:`jobtui.commands.serialization`.
"""

from __future__ import annotations

import csv
import os
from typing import TYPE_CHECKING

from jobtui.commands.declaration import (
    INPUT_OBJECT,
    BoundCommand,
    Cmdlet,
    CmdletFunction,
    Parameter,
    ParamType,
)
from jobtui.commands.errors import CommandError
from jobtui.commands.objectcmdlets import piped
from jobtui.commands.output_format import OutputFormatter
from jobtui.commands.psobjects import full_type_name
from jobtui.commands.results import LineKind
from jobtui.commands.serialization import (
    DEFAULT_DEPTH,
    MAX_DEPTH,
    TRUNCATED_WARNING,
    Quoting,
    to_csv_lines,
    to_json,
)
from jobtui.commands.values import as_list, to_string

if TYPE_CHECKING:
    from jobtui.commands.context import Context

_PIPED_OR_POSITIONAL = Parameter("InputObject", ParamType.OBJECT, position=0, from_pipeline=True)


def _each(bound: BoundCommand, input: list[object] | None) -> list[object]:
    """The objects a cmdlet converts: -InputObject's (a list's items) and the piped ones."""
    objects: list[object] = []
    if bound.has("InputObject"):
        objects.extend(as_list(bound.get("InputObject")))
    objects.extend(input or [])
    return objects


# -- ConvertTo-Json ---------------------------------------------------------------------------

CONVERTTO_JSON = Cmdlet(
    "ConvertTo-Json",
    (),
    (
        _PIPED_OR_POSITIONAL,
        Parameter("Depth", ParamType.INT, minimum=0, maximum=MAX_DEPTH),
        Parameter("Compress", ParamType.SWITCH),
        Parameter("EnumsAsStrings", ParamType.SWITCH),
        Parameter("AsArray", ParamType.SWITCH),
        Parameter("EscapeHandling", ParamType.STRING),
    ),
    ("Default",),
    "Default",
    "Converts objects to JSON (-Depth levels, 2 by default; -Compress: one line).",
)


def convertto_json(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """ConvertTo-Json: one JSON text of everything that flows in."""
    objects = _each(bound, input)
    depth = bound.get("Depth", DEFAULT_DEPTH)
    text, truncated = to_json(
        objects, depth=depth, compress=bound.switch("Compress"), as_array=bound.switch("AsArray")
    )
    if truncated:
        context.info(TRUNCATED_WARNING.format(depth=depth))
    context.emit(text)


# -- ConvertTo-Csv and Export-Csv -------------------------------------------------------------


def _check_delimiter(bound: BoundCommand) -> None:
    delimiter = bound.get("Delimiter")
    if delimiter is not None and len(delimiter) != 1:
        raise bound.fail(
            f"Cannot bind parameter 'Delimiter'. Cannot convert value \"{delimiter}\" to type "
            '"System.Char". Error: "String must be exactly one character long."'
        )
    quotes = bound.get("UseQuotes")
    if quotes is not None:
        try:
            Quoting.parse(quotes)
        except ValueError as error:
            raise bound.fail(f"Cannot bind parameter 'UseQuotes'. {error}") from None


_CSV_PARAMETERS = (
    Parameter("Delimiter", ParamType.STRING, position=1),
    Parameter("NoTypeInformation", ParamType.SWITCH, aliases=("NTI",)),
    Parameter("IncludeTypeInformation", ParamType.SWITCH, aliases=("ITI",)),
    Parameter("UseQuotes", ParamType.STRING, aliases=("UQ",)),
    Parameter("NoHeader", ParamType.SWITCH),
    Parameter("UseCulture", ParamType.SWITCH),
)

CONVERTTO_CSV = Cmdlet(
    "ConvertTo-Csv",
    (),
    (_PIPED_OR_POSITIONAL, *_CSV_PARAMETERS),
    ("Default",),
    "Default",
    "Converts objects to CSV lines: a header of the first object's properties, then one line each.",
    check=_check_delimiter,
)


def _csv(bound: BoundCommand, objects: list[object], columns: list[str] | None = None) -> list[str]:
    quotes = bound.get("UseQuotes")
    return to_csv_lines(
        objects,
        delimiter=bound.get("Delimiter") or ",",
        quoting=Quoting.parse(quotes) if quotes is not None else Quoting.ALWAYS,
        header=not bound.switch("NoHeader") and columns is None,
        type_information=full_type_name(objects[0])
        if objects and bound.switch("IncludeTypeInformation") and columns is None
        else None,
        columns=columns,
    )


def convertto_csv(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """ConvertTo-Csv: the CSV lines of what flows in."""
    for line in _csv(bound, _each(bound, input)):
        context.emit(line)


EXPORT_CSV = Cmdlet(
    "Export-Csv",
    ("epcsv",),
    (
        Parameter(
            "Path",
            ParamType.STRING,
            sets=frozenset({"Path"}),
            position=0,
            mandatory=frozenset({"Path"}),
        ),
        Parameter(
            "LiteralPath",
            ParamType.STRING,
            aliases=("PSPath", "LP"),
            sets=frozenset({"LiteralPath"}),
            mandatory=frozenset({"LiteralPath"}),
        ),
        INPUT_OBJECT,
        *_CSV_PARAMETERS,
        Parameter("Append", ParamType.SWITCH),
        Parameter("Force", ParamType.SWITCH),
        Parameter("NoClobber", ParamType.SWITCH, aliases=("NoOverwrite",)),
        Parameter("Encoding", ParamType.STRING),
    ),
    ("Path", "LiteralPath"),
    "Path",
    "Writes objects to a CSV file (-Append adds rows under the file's own header).",
    check=_check_delimiter,
)


def _existing_columns(path: str, delimiter: str) -> list[str] | None:
    """The header of the CSV file at ``path`` (None if it has none: a new file)."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle, delimiter=delimiter):
                if row and not row[0].startswith("#TYPE"):
                    return row
    except FileNotFoundError:
        return None
    return None


def export_csv(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Export-Csv: the CSV of what flows in, written to a file."""
    written = bound.get("LiteralPath") or bound.get("Path")
    path = context.session.resolve_path(written)
    append = bound.switch("Append")
    if bound.switch("NoClobber") and not append and os.path.exists(path):
        raise CommandError("Export-Csv", f"The file '{path}' already exists.")
    objects = _each(bound, input)
    columns = _existing_columns(path, bound.get("Delimiter") or ",") if append else None
    lines = _csv(bound, objects, columns) if objects else []
    try:
        with open(path, "a" if append else "w", encoding="utf-8") as handle:
            handle.writelines(line + "\n" for line in lines)
    except FileNotFoundError:
        raise CommandError("Export-Csv", f"Could not find a part of the path '{path}'.") from None
    except IsADirectoryError:
        raise CommandError("Export-Csv", f"Access to the path '{path}' is denied.") from None
    except OSError as error:
        raise CommandError("Export-Csv", f"Cannot write '{path}': {error.strerror}.") from None


# -- Out-String -------------------------------------------------------------------------------

OUT_STRING = Cmdlet(
    "Out-String",
    (),
    (
        INPUT_OBJECT,
        Parameter("Stream", ParamType.SWITCH),
        Parameter("Width", ParamType.INT, minimum=2),
        Parameter("NoNewline", ParamType.SWITCH),
    ),
    ("Default",),
    "Default",
    "Turns objects into the text they print as: one string (-Stream: a string per line).",
)


def out_string(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Out-String: the objects formatted as they would print, as text."""
    formatter = OutputFormatter(bound.get("Width") or context.session.width)
    lines: list[str] = []
    for value in piped(bound, input):
        lines.extend(formatter.format(value))
    lines.extend(formatter.end())
    if bound.switch("Stream"):
        for line in lines:
            context.emit(line)
        return
    if bound.switch("NoNewline"):
        context.emit("".join(lines))
        return
    context.emit("".join(line + "\n" for line in lines))


# -- Write-Output and Write-Host --------------------------------------------------------------

WRITE_OUTPUT = Cmdlet(
    "Write-Output",
    ("echo",),
    (
        Parameter(
            "InputObject",
            ParamType.OBJECT_ARRAY,
            position=0,
            from_pipeline=True,
            remaining=True,
        ),
        Parameter("NoEnumerate", ParamType.SWITCH),
    ),
    ("Default",),
    "Default",
    "Writes objects down the pipeline (echo a b: two strings); at the end, to the screen.",
    pipeline_aliases=("write",),  # write is also the program that writes to another user
)


def write_output(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Write-Output: the given objects, then the piped ones, passed on."""
    given: list[object] = list(bound.get("InputObject", []))
    if bound.switch("NoEnumerate") and len(given) > 1:
        context.emit(given)
    else:
        for value in given:
            context.emit(value)
    for value in input or []:
        context.emit(value)


WRITE_HOST = Cmdlet(
    "Write-Host",
    (),
    (
        Parameter("Object", ParamType.OBJECT_ARRAY, position=0, from_pipeline=True, remaining=True),
        Parameter("NoNewline", ParamType.SWITCH),
        Parameter("Separator", ParamType.OBJECT),
        Parameter("ForegroundColor", ParamType.STRING),
        Parameter("BackgroundColor", ParamType.STRING),
    ),
    ("Default",),
    "Default",
    "Writes text to the screen, not down the pipeline (its colours are not shown).",
)


def write_host(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Write-Host: the objects' text to the screen (a variable or file does not take it)."""
    separator = to_string(bound.get("Separator", " "))
    given: list[object] = list(bound.get("Object", []))
    if given or not input:
        context.host.print_line(
            separator.join(_host_text(v, separator) for v in given), LineKind.OUTPUT
        )
    for value in input or []:
        context.host.print_line(_host_text(value, separator), LineKind.OUTPUT)


def _host_text(value: object, separator: str) -> str:
    if isinstance(value, list | tuple):
        return separator.join(_host_text(v, separator) for v in value)
    return to_string(value)


#: The cmdlets of this module, each with its function (see :mod:`jobtui.commands.registry`).
CMDLETS: dict[Cmdlet, CmdletFunction] = {
    CONVERTTO_JSON: convertto_json,
    CONVERTTO_CSV: convertto_csv,
    EXPORT_CSV: export_csv,
    OUT_STRING: out_string,
    WRITE_OUTPUT: write_output,
    WRITE_HOST: write_host,
}
