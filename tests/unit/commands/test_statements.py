"""Statements that span lines, block comments, pipeline chains (&&, ||) and exit."""

from __future__ import annotations

import pytest

from jobtui.commands import CommandError, CommandSession
from jobtui.commands.parser import parse
from jobtui.commands.syntax import ChainOperator, Exit, Pipeline, ShellCommand, SubExpression
from jobtui.engine import JobEngine

from .support import errors, output, run


@pytest.mark.parametrize(
    "text",
    [
        "Get-Job `",
        "Get-Job -Id 1 `  ",
        "Get-Job |",
        "Get-Job |\n",
        "Get-Job -Id 9 &&",
        "Get-Job -Id 9 ||\n",
        "Start-Job {",
        "Start-Job { echo '}'",
        "(Get-Job",
        "@(Get-Job",
        "@{ a = 1",
        "'open",
        '"open',
        "<# a block comment",
        "ls |",
        "make &&",
        "make ||",
        "make `",
        "make \\",
        "foreach ($j in Get-Job) {",
        "while ($j.State -eq 'Running') {\n  sleep 1",
    ],
)
def test_an_open_statement_is_incomplete(session: CommandSession, text: str) -> None:
    assert not session.is_complete(text)
    with pytest.raises(CommandError) as caught:
        parse(text)
    assert caught.value.incomplete


@pytest.mark.parametrize(
    "text",
    [
        "Get-Job",
        "Get-Job `\n-Id 1",
        "Get-Job |\n  Format-List Id",
        "Get-Job -Id 9 ||\n Get-Job",
        "Start-Job {\n echo one\n}",
        "<# a\n block #> Get-Job",
        "ls |\n wc -l",
        "make `\n -j4",
        "Get-Job -Bogus",  # an error, but complete: running it reports the error
        "Get-Job )",
        "(Get-Job\nGet-Job)",
        "if [ -f x ]; then",  # the shell's own business, started as a job
    ],
)
def test_a_whole_statement_is_complete(session: CommandSession, text: str) -> None:
    assert session.is_complete(text)


def test_a_statement_spans_lines(session: CommandSession) -> None:
    run(session, "Start-Job {true} -Name one | Wait-Job")

    assert output(run(session, "Get-Job `\n  -Name one |\n  Format-List Id, Name")) == [
        "Id   : 1",
        "Name : one",
    ]


def test_a_shell_command_spans_lines_the_shell_way(session: CommandSession) -> None:
    result = run(session, "/bin/echo one `\n two |\n tr a-z A-Z")  # echo: Write-Output's

    (job,) = result.jobs
    assert job.command == "/bin/echo one \\\n two |\n tr a-z A-Z"
    assert output(run(session, "Receive-Job 1 -Wait")) == ["ONE TWO"]


def test_block_comments(session: CommandSession) -> None:
    (statement,) = parse("<# starts\n the line #> Get-Job <# and ends it #>").statements
    assert isinstance(statement.body, Pipeline)
    (shell,) = parse("/bin/echo kept <# gone #> too").statements
    assert shell.body == ShellCommand("/bin/echo kept   too")
    assert parse("<# only a comment #>").statements == ()
    assert output(run(session, "Start-Job { echo '<# kept #>' } | Receive-Job -Wait")) == [
        "<# kept #>"  # inside { } the text is the shell's
    ]


def test_and_runs_the_next_pipeline_after_a_success(session: CommandSession) -> None:
    result = run(session, "Start-Job {echo hi} -Name a | Wait-Job | Out-Null && Receive-Job a")

    assert output(result) == ["hi"]
    result = run(session, "Get-Job -Id 9 && Start-Job {true}")
    assert result.jobs == [] and len(errors(result)) == 1
    assert output(run(session, "$?")) == ["False"]


def test_or_runs_the_next_pipeline_after_a_failure(
    session: CommandSession, engine: JobEngine
) -> None:
    result = run(session, "Get-Job -Name web || Start-Job {true} -Name web")

    assert [job.name for job in result.jobs] == ["web"]
    assert errors(result) == [
        "Get-Job: The command cannot find the job because the job name web was not found. "
        "Verify the value of the Name parameter, and then try the command again."
    ]
    result = run(session, "Get-Job -Name web || Start-Job {true} -Name web2")
    assert [job.name for job in engine.jobs] == ["web"]  # the left side succeeded
    assert output(run(session, "$?")) == ["True"]


def test_a_chain_is_one_statement_with_links() -> None:
    (statement,) = parse("Get-Job -Id 1 && Receive-Job 1 || make clean; Get-Job").statements[:1]

    assert [link.operator for link in statement.chain] == [ChainOperator.AND, ChainOperator.OR]
    assert statement.chain[-1].statement.body == ShellCommand("make clean")
    assert len(parse("Get-Job -Id 1 && Get-Job; Get-Job").statements) == 2
    # The shell's own chains stay the shell's: one job.
    (shell,) = parse("cd src && make || echo failed").statements
    assert shell.body == ShellCommand("cd src && make || echo failed") and not shell.chain


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("$x = Get-Job && Get-Job", "A pipeline chain (&&, ||) cannot be assigned in jobtui"),
        ("Get-Job && $x = Get-Job", "A pipeline chain (&&, ||) cannot be assigned in jobtui"),
        ("(Get-Job && Get-Job)", "cannot be used inside ( ) in jobtui"),
        ("Get-Job && Get-Jbo", "The term 'Get-Jbo' is not recognized"),
        ("Get-Job && Get-Job -Bogus", "A parameter cannot be found that matches"),
        ("Get-Job || exit nope", 'Cannot convert value "nope" to type "System.Int32"'),
        ("$x = exit", "The exit statement ends the session"),
        ("Get-Job -Id (exit)", "The exit statement ends the session"),
    ],
)
def test_chain_errors_stop_the_whole_line(session: CommandSession, line: str, message: str) -> None:
    result = run(session, f"Start-Job {{true}}; {line}")

    assert result.jobs == []  # nothing of the line ran
    (error,) = result.errors
    assert message in error and "\n" not in error


def test_exit_ends_the_line_with_a_status(session: CommandSession) -> None:
    result = run(session, "Start-Job {true} -Name a; exit 3; Start-Job {true} -Name b")

    assert result.exit_requested and result.exit_code == 3
    assert [job.name for job in result.jobs] == ["a"]
    assert run(session, "exit").exit_code == 0  # the statement before succeeded
    assert run(session, "Get-Job -Id 9; exit").exit_code == 1
    assert run(session, "Get-Job -Id 9 || exit 4").exit_code == 4
    assert run(session, "Get-Job || exit 4").exit_code is None
    assert run(session, "$code = 7; exit $code").exit_code == 7
    failed = run(session, "$code = 'x'; exit $code")
    assert failed.exit_code is None and not failed.succeeded
    assert not run(session, "Get-Job").exit_requested
    (statement,) = parse("EXIT 2").statements
    assert isinstance(statement.body, Exit)


def test_exit_and_an_int_parameter_take_the_same_whole_numbers(session: CommandSession) -> None:
    """$true is 1 and 3.0 is 3 both for ``exit`` and for an Int32 parameter; 2.5 is neither."""
    run(session, "Start-Job {true} -Name a")

    assert run(session, "exit $true").exit_code == 1
    assert run(session, "exit 3.0").exit_code == 3
    assert not run(session, "exit 2.5").succeeded
    assert output(run(session, "(Get-Job -Id $true).Name; (Get-Job -Id 1.0).Name")) == ["a", "a"]
    assert not run(session, "Get-Job -Id 1.5").succeeded


def test_array_subexpression_is_always_a_list(session: CommandSession) -> None:
    assert output(run(session, "@(Get-Job).Count")) == ["0"]
    run(session, "Start-Job {true}")
    assert output(run(session, "@(Get-Job).Count; (Get-Job).Count")) == ["1", "1"]
    (statement,) = parse("@(Get-Job)").statements
    assert isinstance(statement.body, Pipeline)
    (element,) = statement.body.elements
    assert isinstance(element, SubExpression) and element.array


def test_hash_tables_are_refused(session: CommandSession) -> None:
    result = run(session, "@{ Name = 'x' }")

    assert result.errors == [
        "ParserError: Hash tables (@{ }) are PowerShell's, which jobtui does not run."
    ]
    assert result.jobs == []


def test_a_backtick_right_after_a_word_continues_the_line(session: CommandSession) -> None:
    run(session, "Start-Job {true} -Name one")

    assert output(run(session, "Get-Job`\n-Name one | Format-List Name")) == ["Name : one"]


def test_an_error_that_quotes_several_lines_is_still_one_line(session: CommandSession) -> None:
    (error,) = run(session, 'Get-Job -State "Run`nning"').errors

    assert error.startswith(
        "Get-Job: Cannot bind parameter 'State'. Cannot convert value \"Run\\nning\""
    )


def test_completion_after_a_chain_operator(session: CommandSession) -> None:
    assert session.complete("Get-Job -Id 1 && Rec") == ["Get-Job -Id 1 && Receive-Job"]
    assert session.complete("Get-Job -Id 1 || Stop-Job -Pa") == [
        "Get-Job -Id 1 || Stop-Job -PassThru"
    ]
