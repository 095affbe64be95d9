"""The object cmdlets that run script blocks over a pipeline: Where-Object and ForEach-Object.

They take whatever flows: jobs, the lines Receive-Job gives, numbers, and the records the object
cmdlets make. Each cmdlet is a pure function over a list of values (``where``,
``for_each_member``) and a thin cmdlet function that binds it to the pipeline; the blocks are
evaluated by :mod:`jobtui.commands.evaluation`, and the cmdlets they hold run as the line's do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from jobtui.commands import comparison as ops
from jobtui.commands.comparison import Operator, is_true
from jobtui.commands.declaration import (
    INPUT_OBJECT,
    BoundCommand,
    Cmdlet,
    CmdletFunction,
    Parameter,
    ParamType,
)
from jobtui.commands.errors import CommandError
from jobtui.commands.evaluation import CommandRunner, Evaluator
from jobtui.commands.executor import Executor
from jobtui.commands.expression_tree import Block
from jobtui.commands.expressions import parse_block
from jobtui.commands.methods import call_method
from jobtui.commands.psobjects import (
    has_property,
    property_value,
)
from jobtui.commands.syntax import Pipeline, Statement
from jobtui.commands.values import ScriptBlock, as_list, unwrap

if TYPE_CHECKING:
    from jobtui.commands.context import Context


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


def report(context: Context, error: CommandError) -> None:
    """A block's error against one object: written, and the cmdlet goes on."""
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
        INPUT_OBJECT,
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
    for item in where(objects, test, lambda error: report(context, error)):
        context.emit(item)


# -- ForEach-Object ---------------------------------------------------------------------------


def _check_foreach(bound: BoundCommand) -> None:
    compile_blocks(bound, "Process", "Begin", "End")


_MEMBER_SET = "PropertyAndMethodSet"

FOREACH_OBJECT = Cmdlet(
    "ForEach-Object",
    ("%",),
    (
        INPUT_OBJECT,
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
            report(context, error)
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
                report(context, error)
                continue
            for value in written:
                context.emit(value)

    run("Begin", [None])
    # First in its pipeline, with no -InputObject, the block runs once (with $_ = $null).
    run("Process", objects if input is not None or bound.has("InputObject") else [None])
    run("End", [None])


#: The cmdlets of this module, each with its function (see :mod:`jobtui.commands.registry`).
CMDLETS: dict[Cmdlet, CmdletFunction] = {
    WHERE_OBJECT: where_object,
    FOREACH_OBJECT: foreach_object,
}
