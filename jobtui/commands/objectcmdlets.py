"""The object cmdlets that filter and reshape a pipeline: Where-Object, ForEach-Object,
Select-Object and Sort-Object.

They take whatever flows: jobs, the lines Receive-Job gives, numbers, and the records they make
themselves. Each cmdlet is a pure function over a list of values (``where``, ``select``,
``sort``...) and a thin cmdlet function that binds it to the pipeline.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from jobtui.commands import comparison as ops
from jobtui.commands.comparison import Operator, is_true
from jobtui.commands.declaration import (
    BoundCommand,
    Cmdlet,
    CmdletFunction,
    Parameter,
    ParamType,
)
from jobtui.commands.errors import CommandError
from jobtui.commands.evaluation import CommandRunner, Evaluator, call_method
from jobtui.commands.executor import Executor
from jobtui.commands.expressions import Block, parse_block
from jobtui.commands.psobjects import (
    canonical_name,
    full_type_name,
    has_property,
    property_names,
    property_value,
)
from jobtui.commands.records import CustomObject
from jobtui.commands.syntax import Pipeline, Statement
from jobtui.commands.values import ScriptBlock, as_list, to_string, unwrap

if TYPE_CHECKING:
    from jobtui.commands.context import Context

_INPUT_OBJECT = Parameter("InputObject", ParamType.OBJECT, from_pipeline=True)


def piped(bound: BoundCommand, input: list[object] | None) -> list[object]:
    """The objects a cmdlet works on: -InputObject (one object, even a list), then its input."""
    objects: list[object] = []
    if bound.has("InputObject"):
        objects.append(bound.get("InputObject"))
    objects.extend(input or [])
    return objects


def compile_blocks(bound: BoundCommand, *names: str) -> None:
    """Parse the script blocks of the named parameters: a wrong block is a ParserError before
    anything of the line runs (this is the cmdlets' ``check``)."""
    for name in names:
        block = bound.get(name)
        if isinstance(block, ScriptBlock):
            parse_block(block.text)


def check_property_blocks(bound: BoundCommand) -> None:
    """The check of cmdlets whose -Property may hold script blocks: they parse."""
    for spec in property_specs(bound.get("Property")) or []:
        if isinstance(spec, ScriptBlock):
            parse_block(spec.text)


def block_evaluator(context: Context) -> Evaluator:
    """An evaluator of blocks in the session, whose cmdlets run as the line's do."""
    return Evaluator(context.session, commands=command_runner(context))


def command_runner(context: Context) -> CommandRunner:
    """Runs a block's cmdlet statement (``Receive-Job $_ -Keep``) with ``$_`` and ``$PSItem``
    set to the object, its output collected, its errors written as the line's."""

    def run(statement: Statement, current: object) -> list[object]:
        session = context.session
        saved = {name: session.variables.pop(name, _UNSET) for name in ("_", "PSItem")}
        session.variables.update({"_": current, "PSItem": current})
        collected: list[object] = []
        try:
            body = statement.body
            assert isinstance(body, Pipeline)  # the block's parser allows only pipelines
            executor = Executor(session, context.host, context.cancel)
            executor.run_body(body, collected.append, context.write_error, context.status)
            if statement.assign_to is not None:
                session.set_variable(statement.assign_to.name, unwrap(collected))
                return []
            return collected
        finally:
            for name, value in saved.items():
                session.variables.pop(name, None)
                if value is not _UNSET:
                    session.variables[name] = value

    return run


_UNSET = object()


def _report(context: Context, error: CommandError) -> None:
    context.error(error.source, error.message)


# -- Where-Object -----------------------------------------------------------------------------

#: Where-Object's comparison switches, each in its own parameter set: (switch, operator,
#: case-sensitive). ``-EQ`` also has its set's alias ``-IEQ``, and so on.
_WHERE_SWITCHES: tuple[tuple[str, Operator, bool], ...] = tuple(
    (("C" if cs else "") + written, op, cs)
    for written, op in (
        ("EQ", Operator.EQ),
        ("NE", Operator.NE),
        ("GT", Operator.GT),
        ("GE", Operator.GE),
        ("LT", Operator.LT),
        ("LE", Operator.LE),
        ("Like", Operator.LIKE),
        ("NotLike", Operator.NOTLIKE),
        ("Match", Operator.MATCH),
        ("NotMatch", Operator.NOTMATCH),
        ("Contains", Operator.CONTAINS),
        ("NotContains", Operator.NOTCONTAINS),
        ("In", Operator.IN),
        ("NotIn", Operator.NOTIN),
    )
    for cs in (False, True)
)
_WHERE_SET_OF = {switch: f"{switch}Set" for switch, _, _ in _WHERE_SWITCHES}
_EQUAL_SET = _WHERE_SET_OF["EQ"]
_NOT_SET = "NotSet"
_SCRIPT_SET = "ScriptBlockSet"
_COMPARISON_SETS = frozenset([*_WHERE_SET_OF.values(), _NOT_SET])


def _where_switch(switch: str) -> Parameter:
    set_name = _WHERE_SET_OF[switch]
    return Parameter(
        switch,
        ParamType.SWITCH,
        aliases=() if switch.startswith("C") and switch != "Contains" else (f"I{switch}",),
        sets=frozenset({set_name}),
        # In its own set the switch is what chose the set; -EQ may be left out (EqualSet is
        # also "a property alone": Where-Object HasMoreData).
        mandatory=frozenset() if switch == "EQ" else frozenset({set_name}),
    )


def _check_where(bound: BoundCommand) -> None:
    compile_blocks(bound, "FilterScript")


WHERE_OBJECT = Cmdlet(
    "Where-Object",
    ("where", "?"),
    (
        _INPUT_OBJECT,
        Parameter(
            "FilterScript",
            ParamType.SCRIPT_BLOCK,
            sets=frozenset({_SCRIPT_SET}),
            position=0,
            mandatory=frozenset({_SCRIPT_SET}),
        ),
        Parameter(
            "Property",
            ParamType.STRING,
            sets=_COMPARISON_SETS,
            position=0,
            mandatory=_COMPARISON_SETS,
        ),
        Parameter("Value", ParamType.OBJECT, sets=_COMPARISON_SETS, position=1),
        *(_where_switch(switch) for switch, _, _ in _WHERE_SWITCHES),
        Parameter(
            "Not",
            ParamType.SWITCH,
            sets=frozenset({_NOT_SET}),
            mandatory=frozenset({_NOT_SET}),
        ),
    ),
    (_EQUAL_SET, _SCRIPT_SET, *(s for s in _WHERE_SET_OF.values() if s != _EQUAL_SET), _NOT_SET),
    _EQUAL_SET,
    "Passes on the objects for which a script block or a comparison holds.",
    check=_check_where,
)


def where(
    objects: Sequence[object],
    test: Callable[[object], bool],
    on_error: Callable[[CommandError], None],
) -> list[object]:
    """The objects that pass ``test``; an object whose test fails with an error is left out
    (the error goes to ``on_error``)."""
    kept: list[object] = []
    for item in objects:
        try:
            if test(item):
                kept.append(item)
        except CommandError as error:
            on_error(error)
    return kept


def comparison_test(
    property_name: str,
    operator: Operator | None,
    value: object,
    case_sensitive: bool,
    *,
    negate: bool = False,
) -> Callable[[object], bool]:
    """Where-Object's comparison statement as a test: ``State -eq 'Failed'``; with no
    operator, the property's truth (``Where-Object HasMoreData``; ``-Not``: its falsehood)."""

    def test(item: object) -> bool:
        left = property_value(item, property_name)
        if operator is None:
            return is_true(left) != negate
        return ops.test(operator, left, value, case_sensitive)

    return test


def block_test(block: Block, evaluator: Evaluator) -> Callable[[object], bool]:
    """A script block as a test: true when what it writes for ``$_`` is true."""

    def test(item: object) -> bool:
        return is_true(unwrap(evaluator.run(block, item)))

    return test


def where_object(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Where-Object: the objects a script block or a comparison keeps."""
    objects = piped(bound, input)
    if bound.has("FilterScript"):
        block = parse_block(bound.get("FilterScript").text)
        test = block_test(block, block_evaluator(context))
    else:
        operator: Operator | None = None
        case_sensitive = False
        for switch, op, cs in _WHERE_SWITCHES:
            if bound.switch(switch):
                operator, case_sensitive = op, cs
        if operator is None and bound.has("Value") and not bound.switch("Not"):
            operator = Operator.EQ
        test = comparison_test(
            bound.get("Property"),
            operator,
            bound.get("Value"),
            case_sensitive,
            negate=bound.switch("Not"),
        )
    for item in where(objects, test, lambda error: _report(context, error)):
        context.emit(item)


# -- ForEach-Object ---------------------------------------------------------------------------


def _check_foreach(bound: BoundCommand) -> None:
    compile_blocks(bound, "Process", "Begin", "End")


_MEMBER_SET = "PropertyAndMethodSet"

FOREACH_OBJECT = Cmdlet(
    "ForEach-Object",
    ("%",),
    (
        _INPUT_OBJECT,
        Parameter(
            "Process",
            ParamType.SCRIPT_BLOCK,
            sets=frozenset({_SCRIPT_SET}),
            position=0,
            mandatory=frozenset({_SCRIPT_SET}),
        ),
        Parameter("Begin", ParamType.SCRIPT_BLOCK, sets=frozenset({_SCRIPT_SET})),
        Parameter("End", ParamType.SCRIPT_BLOCK, sets=frozenset({_SCRIPT_SET})),
        Parameter(
            "MemberName",
            ParamType.STRING,
            sets=frozenset({_MEMBER_SET}),
            position=0,
            mandatory=frozenset({_MEMBER_SET}),
        ),
        Parameter(
            "ArgumentList", ParamType.OBJECT_ARRAY, aliases=("Args",), sets=frozenset({_MEMBER_SET})
        ),
        Parameter(
            "Parallel",
            ParamType.SCRIPT_BLOCK,
            unsupported="ForEach-Object evaluates its block in this session, one object at a "
            "time; run work in parallel as jobs (Start-Job, or & after a shell command).",
        ),
    ),
    (_SCRIPT_SET, _MEMBER_SET),
    _SCRIPT_SET,
    "Runs a script block for each object ($_), or gets a property or calls a method of each.",
    check=_check_foreach,
    pipeline_aliases=("foreach",),
)


def for_each_member(
    objects: Sequence[object], name: str, arguments: list[object]
) -> tuple[list[object], list[CommandError]]:
    """``ForEach-Object -MemberName``: each object's property (a list's items one by one), or
    the result of its method; and the errors of the objects that have neither."""
    output: list[object] = []
    errors: list[CommandError] = []
    for item in objects:
        if not arguments and has_property(item, name):
            output.extend(as_list(property_value(item, name)) or [None])
            continue
        try:
            output.extend(as_list(call_method(item, name, arguments)))
        except CommandError:
            errors.append(
                CommandError(
                    "ForEach-Object",
                    f'The input name "{name}" cannot be resolved to a member.',
                )
            )
    return output, errors


def foreach_object(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """ForEach-Object: what a script block writes for each object, or each object's member."""
    objects = piped(bound, input)
    if bound.has("MemberName"):
        output, errors = for_each_member(
            objects, bound.get("MemberName"), list(bound.get("ArgumentList", []))
        )
        for error in errors:
            _report(context, error)
        for value in output:
            context.emit(value)
        return
    evaluator = block_evaluator(context)

    def run(name: str, items: list[object]) -> None:
        script = bound.get(name)
        if not isinstance(script, ScriptBlock):
            return
        block = parse_block(script.text)
        for item in items:
            try:
                written = evaluator.run(block, item)
            except CommandError as error:
                _report(context, error)
                continue
            for value in written:
                context.emit(value)

    run("Begin", [None])
    # First in its pipeline, with no -InputObject, the block runs once (with $_ = $null).
    run("Process", objects if input is not None or bound.has("InputObject") else [None])
    run("End", [None])


# -- Select-Object ----------------------------------------------------------------------------

SELECT_OBJECT = Cmdlet(
    "Select-Object",
    ("select",),
    (
        _INPUT_OBJECT,
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
    reader = KeyReader(specs or ["*"], block_evaluator(context), lambda e: _report(context, e))
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
        _INPUT_OBJECT,
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
        lambda error: _report(context, error),
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
    WHERE_OBJECT: where_object,
    FOREACH_OBJECT: foreach_object,
    SELECT_OBJECT: select_object,
    SORT_OBJECT: sort_object,
}
