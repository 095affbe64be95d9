"""The parser: statements, pipelines, commands, arguments, script blocks, shell commands."""

from __future__ import annotations

import pytest

from jobtui.commands import CommandError
from jobtui.commands.parser import parse
from jobtui.commands.syntax import (
    ArrayLiteral,
    CommandCall,
    CommandParameter,
    Constant,
    ExpandableString,
    IndexExpression,
    MemberExpression,
    Pipeline,
    Redirection,
    RedirectStream,
    ScriptBlockExpression,
    ShellCommand,
    SubExpression,
    VariableExpression,
)
from jobtui.commands.values import constant_value


def test_a_pipeline_of_cmdlets() -> None:
    (statement,) = parse("Start-Job {make} | Wait-Job -Any | Receive-Job").statements

    assert isinstance(statement.body, Pipeline)
    start, wait, receive = statement.body.elements
    assert start == CommandCall("Start-Job", (ScriptBlockExpression("make"),), "Start-Job {make}")
    assert wait == CommandCall(
        "Wait-Job", (CommandParameter("Any", None, "-Any"),), "Wait-Job -Any"
    )
    assert isinstance(receive, CommandCall) and receive.elements == ()


def test_assignment_of_a_cmdlet_and_of_a_shell_command() -> None:
    first, second = parse("$job = Start-Job {x}; $job = Get-Process &").statements

    assert first.assign_to == VariableExpression("job")
    assert isinstance(first.body, Pipeline)
    assert second.assign_to == VariableExpression("job")
    assert second.body == ShellCommand("Get-Process")


def test_assignment_of_values() -> None:
    number, text, block = parse("$n = 5; $s = 'a b'; $b = {make}").statements

    assert number.body == Pipeline((Constant(5, "5"),))
    assert text.body == Pipeline((Constant("a b", "'a b'"),))
    assert block.body == Pipeline((ScriptBlockExpression("make"),))


def test_member_access_and_indexing() -> None:
    (statement,) = parse("$job.ChildJobs[0].JobStateInfo.Reason").statements

    assert statement.body == Pipeline(
        (
            MemberExpression(
                MemberExpression(
                    IndexExpression(
                        MemberExpression(VariableExpression("job"), "ChildJobs"),
                        Constant(0, "0"),
                    ),
                    "JobStateInfo",
                ),
                "Reason",
            ),
        )
    )


def test_arguments_lists_colon_values_and_subexpressions() -> None:
    (statement,) = parse("Get-Job -Id 1, 3 -HasMoreData:$false (Get-Job 1).Id").statements

    assert isinstance(statement.body, Pipeline)
    call = statement.body.elements[0]
    assert isinstance(call, CommandCall)
    identifier, ids, has_more, sub = call.elements
    assert identifier == CommandParameter("Id", None, "-Id")
    assert ids == ArrayLiteral((Constant(1, "1"), Constant(3, "3")))
    assert has_more == CommandParameter(
        "HasMoreData", VariableExpression("false"), "-HasMoreData:", colon=True
    )
    assert isinstance(sub, MemberExpression) and isinstance(sub.target, SubExpression)


def test_expandable_strings() -> None:
    (statement,) = parse('"Job $($job.Id) is ${state}: $x"').statements
    assert isinstance(statement.body, Pipeline)
    value = statement.body.elements[0]

    assert isinstance(value, ExpandableString)
    assert value.parts[0] == "Job "
    assert isinstance(value.parts[1], SubExpression)
    assert value.parts[2:] == (" is ", VariableExpression("state"), ": ", VariableExpression("x"))


def test_a_lines_strings_expand_as_a_script_blocks_do() -> None:
    """The line's parser and the blocks' read strings by one splitter: a ')' quoted inside
    ``$( )`` does not close it, ``$$`` and ``$^`` are variables, an open ``${`` is an error."""
    (statement,) = parse("\"a $(Write-Output ')') [$$] [$^]\"").statements
    assert isinstance(statement.body, Pipeline)
    value = statement.body.elements[0]

    assert isinstance(value, ExpandableString)
    assert value.parts[0] == "a "
    assert isinstance(value.parts[1], SubExpression)
    assert value.parts[1].statement.text == "Write-Output ')'"
    assert value.parts[2:] == (" [", VariableExpression("$"), "] [", VariableExpression("^"), "]")
    with pytest.raises(CommandError) as caught:
        parse('Write-Output "x${abc"')
    assert str(caught.value) == "ParserError: Missing closing '}' in variable name."


def test_redirections() -> None:
    (statement,) = parse("Receive-Job -Job $job >> results.txt 2>&1").statements

    assert statement.redirections == (
        Redirection(RedirectStream.OUTPUT, True, "results.txt"),
        Redirection(RedirectStream.ERROR, False, None),
    )


@pytest.mark.parametrize(
    ("line", "commands"),
    [
        ("make", ["make"]),
        ("make -j8 &", ["make -j8"]),
        ("a & b & c &", ["a & b & c"]),
        ("gps & get-date", ["gps & get-date"]),
        ("for i in $(seq 50); do sleep 5 & done", ["for i in $(seq 50); do sleep 5 & done"]),
        ("sleep 30 &", ["sleep 30"]),
        ("sleep 30 &\nmake &", ["sleep 30", "make"]),
        ("cd src && make || echo failed &", ["cd src && make || echo failed"]),
        ("{ sleep 1; echo done; } &", ["{ sleep 1; echo done; }"]),
        ("(cd /tmp; ls)", ["(cd /tmp; ls)"]),
        ("sleep 1; echo hi", ["sleep 1; echo hi"]),
    ],
)
def test_bare_shell_commands(line: str, commands: list[str]) -> None:
    statements = parse(line).statements

    assert [s.body for s in statements] == [ShellCommand(c) for c in commands]


def test_a_cmdlet_after_a_shell_command() -> None:
    shell, cmdlet = parse("Get-Process & Receive-Job $job -Wait").statements

    assert shell.body == ShellCommand("Get-Process")
    assert isinstance(cmdlet.body, Pipeline)


@pytest.mark.parametrize(
    "line",
    [
        "make; Get-Job",
        "sleep 5 & Get-Job",
        "sleep 5 &; gjb",
        "sleep 5 & $job = Get-Job",
        "make; $job",
        "sleep 5 & (Get-Job).Count",
        "sleep 5 & $(Get-Job).Count",
    ],
)
def test_a_powershell_statement_ends_the_shell_text(line: str) -> None:
    shell, powershell = parse(line).statements

    assert shell.body in (ShellCommand("make"), ShellCommand("sleep 5"))
    assert isinstance(powershell.body, Pipeline)


def test_constant_values() -> None:
    assert constant_value("3") == 3
    assert constant_value("-1") == -1
    assert constant_value("1.5") == 1.5
    assert constant_value("1..4") == [1, 2, 3, 4]
    assert constant_value("3..1") == [3, 2, 1]
    assert constant_value("Job*") == "Job*"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("Get-Job | grep x", "'grep' is not a cmdlet of jobtui"),
        ("Get-Job | $x", "Expressions are only allowed as the first element of a pipeline."),
        ("Get-Job > a | Receive-Job", "A redirection (> file) can only end a pipeline"),
        ("Get-Job >", "Missing file specification after redirection operator."),
        ("$x =", "You must provide a value expression following the '=' operator."),
        ("$x[]", "Array index expression is missing or not valid."),
        ("Get-Job < in.txt", "The '<' operator is reserved for future use."),
        ("Get-Job &&", "Missing expression after '&&' in pipeline chain."),
        ("(Get-Job", "Missing closing ')' in expression."),
        ("Get-Job (make)", "'make' is not a cmdlet"),
        ("1..100000 | Stop-Job", ""),
        ("Stop-Job -Id 1..100000", "The range 1..100000 is too long"),
    ],
)
def test_parse_errors(line: str, message: str) -> None:
    if not message:
        parse(line)  # a shell command: the shell will say what it thinks of it
        return
    with pytest.raises(CommandError) as caught:
        parse(line)

    assert str(caught.value).startswith("ParserError: ")
    assert message in str(caught.value)
