"""The object cmdlets that reshape a pipeline: Select-Object and Sort-Object (and the -Property
specs that Group-Object shares: names with wildcards, or script blocks over each object).

Each is a pure function over a list of values (``project``, ``slice_objects``, ``unique``,
``sort``) and a thin cmdlet function that binds it to the pipeline.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from jobtui.commands import comparison as ops
from jobtui.commands.declaration import (
    INPUT_OBJECT,
    BoundCommand,
    Cmdlet,
    CmdletFunction,
    Parameter,
    ParamType,
)
from jobtui.commands.errors import CommandError
from jobtui.commands.evaluation import Evaluator
from jobtui.commands.expressions import parse_block
from jobtui.commands.objectcmdlets import block_evaluator, piped, report
from jobtui.commands.psobjects import (
    canonical_name,
    full_type_name,
    has_property,
    property_names,
    property_value,
)
from jobtui.commands.records import CustomObject
from jobtui.commands.values import ScriptBlock, as_list, to_string, unwrap

if TYPE_CHECKING:
    from jobtui.commands.context import Context


def check_property_blocks(bound: BoundCommand) -> None:
    """The check of cmdlets whose -Property may hold script blocks: they parse."""
    for spec in property_specs(bound.get("Property")) or []:
        if isinstance(spec, ScriptBlock):
            parse_block(spec.text)


# -- Select-Object ----------------------------------------------------------------------------

SELECT_OBJECT = Cmdlet(
    "Select-Object",
    ("select",),
    (
        INPUT_OBJECT,
        Parameter(
            "Property",
            ParamType.OBJECT_ARRAY,
            sets=frozenset({"DefaultParameter", "SkipLastParameter"}),
            position=0,
        ),
        Parameter(
            "ExcludeProperty",
            ParamType.STRING_ARRAY,
            sets=frozenset({"DefaultParameter", "SkipLastParameter"}),
        ),
        Parameter(
            "ExpandProperty",
            ParamType.STRING,
            sets=frozenset({"DefaultParameter", "SkipLastParameter"}),
        ),
        Parameter("Unique", ParamType.SWITCH),
        Parameter("CaseInsensitive", ParamType.SWITCH),
        Parameter("Last", ParamType.INT, sets=frozenset({"DefaultParameter"}), minimum=0),
        Parameter("First", ParamType.INT, sets=frozenset({"DefaultParameter"}), minimum=0),
        Parameter("Skip", ParamType.INT, sets=frozenset({"DefaultParameter"}), minimum=0),
        Parameter("SkipLast", ParamType.INT, sets=frozenset({"SkipLastParameter"}), minimum=0),
        Parameter("Wait", ParamType.SWITCH, sets=frozenset({"DefaultParameter"})),
        Parameter(
            "Index",
            ParamType.INT_ARRAY,
            sets=frozenset({"IndexParameter"}),
            mandatory=frozenset({"IndexParameter"}),
        ),
    ),
    ("DefaultParameter", "SkipLastParameter", "IndexParameter"),
    "DefaultParameter",
    "Selects properties of objects (wildcards), or the first, last, unique ones.",
    check=check_property_blocks,
)


def expand_names(value: object, patterns: Sequence[str]) -> list[str]:
    """The property names ``patterns`` select on ``value``: a wildcard gives the matching
    names in the object's order; a plain name is kept as written even if missing (its value
    is then $null, as in PowerShell)."""
    names: list[str] = []
    known = property_names(value)
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            regex = ops.wildcard(pattern)
            matches = [n for n in known if regex.match(n)]
        else:
            matches = [canonical_name(value, pattern)]
        for name in matches:
            if name.lower() not in (n.lower() for n in names):
                names.append(name)
    return names


def project(
    value: object, patterns: Sequence[PropertySpec] | KeyReader, exclude: Sequence[str] = ()
) -> CustomObject:
    """Select-Object -Property: a record of the selected properties of ``value`` (a script
    block makes a property named by its text)."""
    reader = patterns if isinstance(patterns, KeyReader) else KeyReader(patterns)
    pairs = reader.named(value)
    if exclude:
        excluded = [ops.wildcard(p) for p in exclude]
        pairs = [(n, v) for n, v in pairs if not any(r.match(n) for r in excluded)]
    properties: dict[str, object] = {}
    for name, current in pairs:
        if name.lower() not in (k.lower() for k in properties):
            properties[name] = current
    return CustomObject(properties, type_name="Selected." + full_type_name(value))


def slice_objects(
    objects: Sequence[object],
    *,
    first: int | None = None,
    last: int | None = None,
    skip: int = 0,
    skip_last: int = 0,
    index: Sequence[int] | None = None,
) -> list[object]:
    """-First, -Last, -Skip, -SkipLast and -Index over a list (PowerShell's order: skip, then
    the first and the last; -First with -Last gives both ends)."""
    items = list(objects)
    if index is not None:
        n = len(items)
        return [items[i] for i in index if -n <= i < n]
    if skip_last:
        items = items[: max(len(items) - skip_last, 0)]
    items = items[skip:]
    if first is None and last is None:
        return items
    head = items[:first] if first is not None else []
    tail = items[len(items) - last :] if last is not None and last > 0 else []
    if first is not None and last is not None and first + last >= len(items):
        return items
    return head + tail


def same(a: object, b: object, case_sensitive: bool = True) -> bool:
    """Select-Object -Unique's equality: records by their properties, other values by
    PowerShell's -eq (case-sensitive for strings unless ``case_sensitive`` is False)."""
    if isinstance(a, CustomObject) and isinstance(b, CustomObject):
        if [k.lower() for k in a.properties] != [k.lower() for k in b.properties]:
            return False
        return all(
            same(x, y, case_sensitive)
            for x, y in zip(a.properties.values(), b.properties.values(), strict=True)
        )
    if isinstance(a, CustomObject) or isinstance(b, CustomObject):
        return False
    if a is None or b is None:
        return a is b
    return type(a) is type(b) and ops.equals(a, b, case_sensitive)


def unique(objects: Sequence[object], case_sensitive: bool = True) -> list[object]:
    """The objects without repeats, first ones kept."""
    kept: list[object] = []
    for item in objects:
        if not any(same(item, k, case_sensitive) for k in kept):
            kept.append(item)
    return kept


def select_object(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Select-Object: properties, expansion, slices and unique objects."""
    objects = slice_objects(
        piped(bound, input),
        first=bound.get("First"),
        last=bound.get("Last"),
        skip=bound.get("Skip", 0),
        skip_last=bound.get("SkipLast", 0),
        index=bound.get("Index"),
    )
    specs = property_specs(bound.get("Property"))
    reader = KeyReader(specs or ["*"], block_evaluator(context), lambda e: report(context, e))
    exclude: list[str] = bound.get("ExcludeProperty", [])
    expand: str | None = bound.get("ExpandProperty")
    output: list[object] = []
    for item in objects:
        if expand is not None:
            if not has_property(item, expand):
                context.error("Select-Object", f'Property "{expand}" cannot be found.')
                continue
            output.extend(as_list(property_value(item, expand)))
        elif specs or exclude:
            output.append(project(item, reader, exclude))
        else:
            output.append(item)
    if bound.switch("Unique"):
        output = unique(output, case_sensitive=not bound.switch("CaseInsensitive"))
    for value in output:
        context.emit(value)


# -- Sort-Object ------------------------------------------------------------------------------

SORT_OBJECT = Cmdlet(
    "Sort-Object",
    (),
    (
        INPUT_OBJECT,
        Parameter("Property", ParamType.OBJECT_ARRAY, position=0),
        Parameter("Descending", ParamType.SWITCH),
        Parameter("Unique", ParamType.SWITCH),
        Parameter("CaseSensitive", ParamType.SWITCH),
        Parameter("Stable", ParamType.SWITCH, sets=frozenset({"Default"})),
        Parameter(
            "Top", ParamType.INT, sets=frozenset({"Top"}), mandatory=frozenset({"Top"}), minimum=1
        ),
        Parameter(
            "Bottom",
            ParamType.INT,
            sets=frozenset({"Bottom"}),
            mandatory=frozenset({"Bottom"}),
            minimum=1,
        ),
        Parameter("Culture", ParamType.STRING),
    ),
    ("Default", "Top", "Bottom"),
    "Default",
    "Sorts objects by their properties (or by value), text without regard to case.",
    check=check_property_blocks,
    pipeline_aliases=("sort",),
)


#: A -Property item of Sort-Object, Group-Object and Select-Object: a property name
#: (wildcards allowed) or a script block computed over each object (``{ $_.Name.Length }``).
PropertySpec = str | ScriptBlock


def property_specs(written: object) -> list[PropertySpec] | None:
    """A bound -Property value as names and script blocks (None when not given)."""
    if written is None:
        return None
    return [item if isinstance(item, ScriptBlock) else to_string(item) for item in as_list(written)]


class KeyReader:
    """Reads an object's values for property specs; a script block's error leaves its value
    $null and goes to ``on_error`` (as PowerShell's Sort-Object reports it and goes on)."""

    def __init__(
        self,
        specs: Sequence[PropertySpec] | None,
        evaluator: Evaluator | None = None,
        on_error: Callable[[CommandError], None] | None = None,
    ) -> None:
        self.specs = list(specs or [])
        self.evaluator = evaluator
        self.on_error = on_error

    def named(self, value: object) -> list[tuple[str, object]]:
        """Each spec's name (a block's is its text, as in PowerShell) and value on ``value``."""
        pairs: list[tuple[str, object]] = []
        for spec in self.specs:
            if isinstance(spec, ScriptBlock):
                pairs.append((spec.text.strip(), self.computed(spec, value)))
                continue
            names = expand_names(value, [spec]) if any(c in spec for c in "*?[") else [spec]
            pairs.extend((name, property_value(value, name)) for name in names)
        return pairs

    def keys(self, value: object) -> list[object]:
        """What ``value`` sorts or groups by: its specs' values, or itself."""
        if not self.specs:
            return [value]
        return [v for _, v in self.named(value)]

    def computed(self, block: ScriptBlock, value: object) -> object:
        if self.evaluator is None:
            raise CommandError("ParserError", "A script block needs a session to run in.")
        try:
            return unwrap(self.evaluator.run(parse_block(block.text), value))
        except CommandError as error:
            if self.on_error is None:
                raise
            self.on_error(error)
            return None


def sort(
    objects: Sequence[object],
    properties: Sequence[PropertySpec] | KeyReader | None = None,
    *,
    descending: bool = False,
    unique_only: bool = False,
    case_sensitive: bool = False,
) -> list[object]:
    """Sort-Object over a list: stable, $null first, text without regard to case."""
    reader = properties if isinstance(properties, KeyReader) else KeyReader(properties)
    keyed = [(reader.keys(item), item) for item in objects]

    def order(a: tuple[list[object], object], b: tuple[list[object], object]) -> int:
        for x, y in zip(a[0], b[0], strict=False):
            result = ops.sort_compare(x, y, case_sensitive)
            if result:
                return result
        return 0

    keyed.sort(key=functools.cmp_to_key(order), reverse=descending)
    if unique_only:
        kept: list[tuple[list[object], object]] = []
        for entry in keyed:
            if not kept or order(kept[-1], entry) != 0:
                kept.append(entry)
        keyed = kept
    return [item for _, item in keyed]


def key_reader(context: Context, bound: BoundCommand) -> KeyReader:
    """The -Property specs of a cmdlet, their blocks evaluated in the session."""
    return KeyReader(
        property_specs(bound.get("Property")),
        block_evaluator(context),
        lambda error: report(context, error),
    )


def sort_object(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Sort-Object: the objects in order."""
    descending = bound.switch("Descending")
    if bound.has("Bottom"):
        descending = not descending  # the bottom N, taken from the other end
    ordered = sort(
        piped(bound, input),
        key_reader(context, bound),
        descending=descending,
        unique_only=bound.switch("Unique"),
        case_sensitive=bound.switch("CaseSensitive"),
    )
    if bound.has("Top"):
        ordered = ordered[: bound.get("Top")]
    if bound.has("Bottom"):
        ordered = list(reversed(ordered[: bound.get("Bottom")]))
    for value in ordered:
        context.emit(value)


#: The cmdlets of this module, each with its function (see :mod:`jobtui.commands.registry`).
CMDLETS: dict[Cmdlet, CmdletFunction] = {
    SELECT_OBJECT: select_object,
    SORT_OBJECT: sort_object,
}
