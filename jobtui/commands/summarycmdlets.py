"""The object cmdlets that summarise a pipeline: Group-Object, Measure-Object and Get-Member.

Each makes records (:class:`~jobtui.commands.records.CustomObject`) with PowerShell's type
names and views: a group prints as ``Count Name Group``, a measure as a list, Get-Member's
members as a table under each ``TypeName:`` line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from jobtui.commands import comparison as ops
from jobtui.commands.comparison import ConversionError, text, to_number
from jobtui.commands.declaration import (
    INPUT_OBJECT,
    BoundCommand,
    Cmdlet,
    CmdletFunction,
    Parameter,
    ParamType,
)
from jobtui.commands.errors import CommandError
from jobtui.commands.methods import STRING_METHODS
from jobtui.commands.objectcmdlets import piped
from jobtui.commands.psobjects import (
    JOB_SETTABLE,
    declared_types,
    full_type_name,
    has_property,
    properties_of,
    property_value,
    short_type_name,
)
from jobtui.commands.records import CustomObject, View, ViewKind
from jobtui.commands.selectcmdlets import (
    KeyReader,
    PropertySpec,
    check_property_blocks,
    key_reader,
)
from jobtui.engine import Job

if TYPE_CHECKING:
    from jobtui.commands.context import Context


# -- Group-Object -----------------------------------------------------------------------------

GROUP_INFO = "Microsoft.PowerShell.Commands.GroupInfo"
GROUP_INFO_NO_ELEMENT = "Microsoft.PowerShell.Commands.GroupInfoNoElement"
#: PowerShell's GroupInfo view: Count (5, to the right), Name (25), Group (the rest).
GROUP_VIEW = View(
    ViewKind.TABLE, columns=("Count", "Name", "Group"), right=frozenset({"Count"}), widths=(5, 25)
)
GROUP_NO_ELEMENT_VIEW = View(
    ViewKind.TABLE, columns=("Count", "Name"), right=frozenset({"Count"}), widths=(5,)
)

GROUP_OBJECT = Cmdlet(
    "Group-Object",
    ("group",),
    (
        INPUT_OBJECT,
        Parameter("Property", ParamType.OBJECT_ARRAY, position=0),
        Parameter("NoElement", ParamType.SWITCH),
        Parameter("CaseSensitive", ParamType.SWITCH),
        Parameter("AsString", ParamType.SWITCH),
        Parameter(
            "AsHashTable",
            ParamType.SWITCH,
            aliases=("AHT",),
            unsupported="jobtui has no hash tables; use the groups' Name and Group properties.",
        ),
    ),
    ("Default",),
    "Default",
    "Groups objects that have the same value of the given properties (Count, Name, Group).",
    check=check_property_blocks,
)


def group(
    objects: Sequence[object],
    properties: Sequence[PropertySpec] | KeyReader | None = None,
    *,
    case_sensitive: bool = False,
    no_element: bool = False,
) -> list[CustomObject]:
    """Group-Object over a list: one GroupInfo per distinct key, in the keys' order (as
    PowerShell 7 sorts its groups); a group's Name is its key values joined by ``, ``."""
    reader = properties if isinstance(properties, KeyReader) else KeyReader(properties)
    groups: list[tuple[list[object], list[object]]] = []
    for item in objects:
        keys = reader.keys(item)
        for existing_keys, members in groups:
            if len(existing_keys) == len(keys) and all(
                _same_key(a, b, case_sensitive) for a, b in zip(existing_keys, keys, strict=True)
            ):
                members.append(item)
                break
        else:
            groups.append((keys, [item]))
    groups.sort(key=lambda g: [ops.sort_key(k) for k in g[0]])
    records: list[CustomObject] = []
    for keys, members in groups:
        properties_of_group: dict[str, object] = {
            "Count": len(members),
            "Name": ", ".join(text(k) for k in keys),
        }
        if not no_element:
            properties_of_group["Group"] = members
        properties_of_group["Values"] = keys
        records.append(
            CustomObject(
                properties_of_group,
                type_name=GROUP_INFO_NO_ELEMENT if no_element else GROUP_INFO,
                view=GROUP_NO_ELEMENT_VIEW if no_element else GROUP_VIEW,
                declared={
                    "Count": "int",
                    "Name": "string",
                    "Group": "System.Collections.ObjectModel.Collection[psobject]",
                    "Values": "System.Collections.ArrayList",
                },
            )
        )
    return records


def _same_key(a: object, b: object, case_sensitive: bool) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return ops.equals(text(a), text(b), case_sensitive)
    return ops.equals(a, b, case_sensitive)


def group_object(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Group-Object: the groups of the objects by the given properties."""
    for record in group(
        piped(bound, input),
        key_reader(context, bound),
        case_sensitive=bound.switch("CaseSensitive"),
        no_element=bound.switch("NoElement"),
    ):
        if bound.switch("AsString"):
            record.properties["Values"] = [record.properties["Name"]]
        context.emit(record)


# -- Measure-Object ---------------------------------------------------------------------------

GENERIC_MEASURE = "Microsoft.PowerShell.Commands.GenericMeasureInfo"
GENERIC_OBJECT_MEASURE = "Microsoft.PowerShell.Commands.GenericObjectMeasureInfo"
TEXT_MEASURE = "Microsoft.PowerShell.Commands.TextMeasureInfo"
_MEASURE_FIELDS = ("Count", "Average", "Sum", "Maximum", "Minimum", "StandardDeviation", "Property")
_STATISTICS = ("Sum", "Average", "Maximum", "Minimum", "StandardDeviation")

MEASURE_OBJECT = Cmdlet(
    "Measure-Object",
    ("measure",),
    (
        INPUT_OBJECT,
        Parameter("Property", ParamType.STRING_ARRAY, position=0),
        *(Parameter(n, ParamType.SWITCH, sets=frozenset({"GenericMeasure"})) for n in _STATISTICS),
        Parameter("AllStats", ParamType.SWITCH, sets=frozenset({"GenericMeasure"})),
        Parameter("Line", ParamType.SWITCH, sets=frozenset({"TextMeasure"})),
        Parameter("Word", ParamType.SWITCH, sets=frozenset({"TextMeasure"})),
        Parameter("Character", ParamType.SWITCH, sets=frozenset({"TextMeasure"})),
        Parameter("IgnoreWhiteSpace", ParamType.SWITCH, sets=frozenset({"TextMeasure"})),
    ),
    ("GenericMeasure", "TextMeasure"),
    "GenericMeasure",
    "Counts objects; with -Property, also their -Sum -Average -Maximum -Minimum.",
)


def _not_numeric(value: object) -> CommandError:
    return CommandError("Measure-Object", f'Input object "{text(value)}" is not numeric.')


def measure(
    objects: Sequence[object], property_name: str | None, wanted: Sequence[str]
) -> CustomObject:
    """One GenericMeasureInfo: the count of the values (of ``property_name``, when given) and
    the statistics in ``wanted``. Maximum and Minimum of values that are not all numbers
    compare them as PowerShell does (dates, text). Raises CommandError."""
    if property_name is None:
        values = [v for v in objects if v is not None]
    else:
        values = [
            property_value(v, property_name) for v in objects if has_property(v, property_name)
        ]
    numbers: list[float] | None = None
    if any(s in wanted for s in ("Sum", "Average", "StandardDeviation")):
        numbers = []
        for value in values:
            try:
                numbers.append(float(to_number(value, "System.Double")))
            except ConversionError:
                raise _not_numeric(value) from None
    result: dict[str, object] = {name: None for name in _MEASURE_FIELDS}
    result["Count"] = len(values)
    result["Property"] = property_name
    type_name = GENERIC_MEASURE
    if numbers is not None:
        total = math.fsum(numbers)
        if "Sum" in wanted:
            result["Sum"] = total
        if "Average" in wanted and numbers:
            result["Average"] = total / len(numbers)
        if "StandardDeviation" in wanted and len(numbers) > 1:
            mean = total / len(numbers)
            variance = math.fsum((n - mean) ** 2 for n in numbers) / (len(numbers) - 1)
            result["StandardDeviation"] = math.sqrt(variance)
    if values and ("Maximum" in wanted or "Minimum" in wanted):
        extremes, numeric = _extremes(values)
        if not numeric:
            type_name = GENERIC_OBJECT_MEASURE
        if "Maximum" in wanted:
            result["Maximum"] = extremes[1]
        if "Minimum" in wanted:
            result["Minimum"] = extremes[0]
    return CustomObject(result, type_name=type_name, view=View(ViewKind.LIST))


def _extremes(values: list[object]) -> tuple[tuple[object, object], bool]:
    """The smallest and largest values, and whether they were compared as numbers."""
    try:
        numbers = [float(to_number(v, "System.Double")) for v in values]
    except ConversionError:
        smallest = largest = values[0]
        for value in values[1:]:
            if ops.sort_compare(value, smallest) < 0:
                smallest = value
            if ops.sort_compare(value, largest) > 0:
                largest = value
        return (smallest, largest), False
    return (min(numbers), max(numbers)), True


def measure_text(
    objects: Sequence[object], wanted: Sequence[str], ignore_space: bool
) -> CustomObject:
    """Measure-Object -Line -Word -Character over the text of the objects."""
    lines = words = characters = 0
    for value in objects:
        body = text(value)
        lines += len(body.splitlines()) if body else 0
        words += len(body.split())
        characters += len("".join(body.split())) if ignore_space else len(body)
    result: dict[str, object] = {
        "Lines": lines if "Line" in wanted else None,
        "Words": words if "Word" in wanted else None,
        "Characters": characters if "Character" in wanted else None,
        "Property": None,
    }
    return CustomObject(result, type_name=TEXT_MEASURE, view=View(ViewKind.TABLE))


def measure_object(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Measure-Object: counts and statistics of the objects (or of their properties)."""
    objects = piped(bound, input)
    if bound.set_name == "TextMeasure":
        wanted = [n for n in ("Line", "Word", "Character") if bound.switch(n)]
        context.emit(measure_text(objects, wanted, bound.switch("IgnoreWhiteSpace")))
        return
    wanted = [n for n in _STATISTICS if bound.switch(n) or bound.switch("AllStats")]
    properties: list[str] | None = bound.get("Property")
    names: list[str | None] = list(properties) if properties else [None]
    for name in names:
        if name is not None and objects and not any(has_property(v, name) for v in objects):
            context.error(
                "Measure-Object",
                f'The property "{name}" cannot be found in the input for any objects.',
            )
            continue
        context.emit(measure(objects, name, wanted))


# -- Get-Member -------------------------------------------------------------------------------

MEMBER_DEFINITION = "Microsoft.PowerShell.Commands.MemberDefinition"
MEMBER_VIEW = View(
    ViewKind.TABLE, columns=("Name", "MemberType", "Definition"), group_by="TypeName"
)

GET_MEMBER = Cmdlet(
    "Get-Member",
    (),
    (
        INPUT_OBJECT,
        Parameter("Name", ParamType.STRING_ARRAY, position=0),
        Parameter("MemberType", ParamType.STRING_ARRAY, aliases=("Type",)),
        Parameter("Force", ParamType.SWITCH),
        Parameter("View", ParamType.STRING),
        Parameter("Static", ParamType.SWITCH),
    ),
    ("Default",),
    "Default",
    "Lists the properties (and the methods jobtui runs) of the objects that flow in.",
    pipeline_aliases=("gm",),  # gm is also GraphicsMagick
)


def members(value: object) -> list[tuple[str, str, str]]:
    """``value``'s members as (Name, MemberType, Definition), sorted as Get-Member sorts them
    (by member type, then name)."""
    found: list[tuple[str, str, str]] = []
    types = declared_types(value)
    for name, current in properties_of(value):
        if types is None:  # a record's own notes: their definitions show their values
            found.append(
                (name, "NoteProperty", f"{short_type_name(current)} {name}={text(current)}")
            )
            continue
        kind = types.get(name, short_type_name(current))
        access = "{get;set;}" if isinstance(value, Job) and name in JOB_SETTABLE else "{get;}"
        found.append((name, "Property", f"{kind} {name} {access}"))
    methods = {"ToString": "string ToString()"}
    if isinstance(value, str):
        methods = {name: spec[3] for name, spec in STRING_METHODS.items()}
    found.extend((name, "Method", definition) for name, definition in methods.items())
    return sorted(found, key=lambda m: (m[1], m[0].lower()))


def get_member(
    objects: Sequence[object],
    names: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
) -> list[CustomObject]:
    """Get-Member over a list: the members of each distinct type, in order of appearance."""
    seen: list[str] = []
    output: list[CustomObject] = []
    name_patterns = [ops.wildcard(n) for n in names or []]
    kind_patterns = [ops.wildcard(k) for k in kinds or []]
    for value in objects:
        type_name = full_type_name(value)
        if type_name in seen:
            continue
        seen.append(type_name)
        for name, kind, definition in members(value):
            if name_patterns and not any(p.match(name) for p in name_patterns):
                continue
            if (
                kind_patterns
                and not any(
                    p.match(kind) or (p.match("Properties") and kind.endswith("Property"))
                    for p in kind_patterns
                )
                and not any(k.lower() == "all" for k in kinds or [])
            ):
                continue
            output.append(
                CustomObject(
                    {
                        "TypeName": type_name,
                        "Name": name,
                        "MemberType": kind,
                        "Definition": definition,
                    },
                    type_name=MEMBER_DEFINITION,
                    view=MEMBER_VIEW,
                    declared={
                        "TypeName": "string",
                        "Name": "string",
                        "MemberType": "System.Management.Automation.PSMemberTypes",
                        "Definition": "string",
                    },
                )
            )
    return output


def get_member_cmdlet(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Get-Member: the members of what flows in."""
    objects = piped(bound, input)
    if not objects:
        raise CommandError("Get-Member", "You must specify an object for the Get-Member cmdlet.")
    for record in get_member(objects, bound.get("Name"), bound.get("MemberType")):
        context.emit(record)


#: The cmdlets of this module, each with its function (see :mod:`jobtui.commands.registry`).
CMDLETS: dict[Cmdlet, CmdletFunction] = {
    GROUP_OBJECT: group_object,
    MEASURE_OBJECT: measure_object,
    GET_MEMBER: get_member_cmdlet,
}
