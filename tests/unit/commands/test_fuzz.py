"""Random lines: only CommandError ever comes out of the parser and binder; execute never raises.

Lines are random text, and random recombinations of the language's real tokens (which reach
much deeper into the binder and the cmdlets than random text does).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jobtui.commands import CommandError, CommandSession
from jobtui.commands.evaluation import Evaluator
from jobtui.commands.expressions import parse_block
from jobtui.commands.parser import is_complete, parse
from jobtui.commands.preflight import check_line
from jobtui.commands.registry import command_names
from jobtui.engine import JobEngine, JobState

#: Cmdlets and aliases, parameters, values, operators and shell words, recombined at random.
_PARAMETERS = (
    "-Id",
    "-Name",
    "-Job",
    "-State",
    "-Keep",
    "-Wait",
    "-Any",
    "-Force",
    "-Timeout",
    "-Ti",
    "-T",
    "-PassThru",
    "-ScriptBlock",
    "-Command",
    "-ArgumentList",
    "-InputObject",
    "-WorkingDirectory",
    "-ThrottleLimit",
    "-NoRecurse",
    "-AutoRemoveJob",
    "-WriteEvents",
    "-WriteJobInResults",
    "-IncludeChildJob",
    "-HasMoreData",
    "-Newest",
    "-InstanceId",
    "-Location",
    "-ComputerName",
    "-Property",
    "-Append",
    "-FilePath",
    "-X",
    "-Keep:$false",
    "-Id:1",
    "-Timeout:0",
    "-First",
    "-Last",
    "-Skip",
    "-Unique",
    "-Descending",
    "-ExpandProperty",
    "-MemberName",
    "-Sum",
    "-Maximum",
    "-Depth",
    "-Compress",
    "-AutoSize",
    "-Wrap",
    "-HideTableHeaders",
    "-eq",
    "-like",
    "-in",
    "-Not",
    "-Value",
)
_VALUES = (
    "1",
    "3",
    "-1",
    "0",
    "1,3",
    "1..3",
    "Job*",
    "Job1",
    "Running",
    "Completed",
    "Failed",
    "$true",
    "$false",
    "$null",
    "$job",
    "$jobs",
    "$job.Id",
    "$job.State",
    "$job.ChildJobs[0].JobStateInfo.Reason",
    "$job.ChildJobs[9]",
    "$x.y[0]",
    "$env:HOME",
    "$?",
    "'a'",
    "'it''s'",
    '"b $job"',
    '"$($job.Name)"',
    "{true}",
    "{echo hi}",
    "{}",
    "{{}}",
    "(Get-Job)",
    "(Get-Job -Id 1).State",
    "out.txt",
    "{ $_.State -eq 'Failed' }",
    "{ $_ -gt 1 -and $_.Name -like 'b*' }",
    '{ "$($_.Id): $_" }',
    "{ $_.ChildJobs[0].JobStateInfo.Reason }",
    "{ $total += $_ }",
    "{ if ($_) { 1 } else { 'x' } }",
    "{ -not $_ }",
    "{ $_ -match '(\\d+)'; $Matches[1] }",
    "{ '{0,5}' -f $_ }",
    "{ $_.ToUpper() }",
    "{ [int]$_ }",
)
_OPERATORS = (
    "|",
    ";",
    "&",
    ">",
    ">>",
    "2>",
    "2>&1",
    "*>",
    "=",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    "'",
    '"',
    "`",
    "$",
    "#",
    "&&",
    "||",
    "<",
    ".",
    "-",
)
_SHELL = (
    "echo",
    "true",
    "make",
    "Get-Process",
    "gps",
    "Get-EventLog",
    "New-Item",
    "HKLM:\\x",
    "Get-Jbo",
    "sleep 0",
)
#: The second turn's syntax: continuation, block comments, chains, exit, @( ), values into
#: jobs, and the PowerShell that is refused.
_SYNTAX = (
    "`\n",
    "`",
    "|\n",
    "&&\n",
    "<#",
    "#>",
    "<# c #>",
    "exit",
    "exit 3",
    "exit $x",
    "@(",
    "@(Get-Job)",
    "@{",
    "@{a=1}",
    "{echo $using:job}",
    "{echo $using:nope}",
    '{echo "$using:x $env:HOME"}',
    "{echo ${env:PATH}}",
    "foreach",
    "foreach ($j in Get-Job) {}",
    "for",
    "for ((i=0;i<1;i++)); do true; done",
    "while",
    "while ($true) {}",
    "if",
    "if [ -f x ]; then true; fi",
    "if ($x) {}",
    "do {}",
    "try {}",
    "function f {}",
    "param($x)",
    "switch",
    "[int]",
    "[void](Get-Job)",
    "[ -f x ]",
    "throw",
    "else {",
    "\\",
)
_PIECES = [*command_names(), *_PARAMETERS, *_VALUES, *_OPERATORS, *_SHELL, *_SYNTAX, "\n"]

_TEXT = st.text(
    alphabet=st.sampled_from(list("abcJob-$.,;&|{}()[]'\"`<>=*?#\\ 0123\n\t:@")), max_size=60
)
_RECOMBINED = st.lists(st.sampled_from(_PIECES), max_size=10).flatmap(
    lambda pieces: st.sampled_from([" ", ""]).map(lambda sep: sep.join(pieces))
)
LINES = st.one_of(_TEXT, _RECOMBINED)

#: Pieces of PowerShell expressions, for the script blocks of Where-Object and ForEach-Object.
_EXPRESSION_PIECES = (
    "$_", "$PSItem", "$x", "$null", "$true", "$Matches", "$env:HOME", "${a b}", "1", "-1", "2.5",
    "0x1F", "1kb", "'a'", "'it''s'", '"b $_ $(1)"', '"$($_.Name)"', "-eq", "-ne", "-gt", "-lt",
    "-le", "-ge", "-like", "-notlike", "-match", "-notmatch", "-in", "-notin", "-contains",
    "-ceq", "-and", "-or", "-xor", "-not", "!", "-replace", "-split", "-join", "-f", "-is",
    "-foo", "+", "-", "*", "/", "%", "..", ",", "(", ")", "[", "]", "{", "}", "$(", "@(", ".",
    "::", ";", "=", "+=", "++", "==", ">", "|", "[int]", "[string]", "[datetime]", "[foo]",
    ".Name", ".State", ".ChildJobs", "[0]", ".ToUpper()", ".Substring(1)", ".Split(',')",
    "if", "else", "elseif", "foreach", "Get-Job", "'", '"', "`", "#", "<#", "#>", "\n", " ",
    "Receive-Job", "Stop-Job", "Wait-Job -Timeout 0", "Remove-Job", "-Keep", "-Id", "-Name",
    "| Measure-Object", "| Select-Object -First 1", "echo", "Start-Job {true}",
)  # fmt: skip
EXPRESSIONS = st.lists(st.sampled_from(_EXPRESSION_PIECES), max_size=12).flatmap(
    lambda pieces: st.sampled_from([" ", ""]).map(lambda sep: sep.join(pieces))
)
#: What flows into the blocks: strings, numbers, nothing, a list, a date, a state.
_CURRENT = (None, "abc", "", 0, 3, 2.5, [1, "a"], datetime(2026, 12, 1), JobState.Failed)


@settings(max_examples=600, deadline=None)
@given(st.one_of(EXPRESSIONS, _TEXT))
def test_script_blocks_only_raise_command_error(source: str) -> None:
    """Parsing and evaluating any text as a block gives values or one line of CommandError."""
    try:
        block = parse_block(source)
    except CommandError as error:
        assert str(error) and "\n" not in str(error)
        return
    scope = _Scope()
    for current in _CURRENT:
        try:
            Evaluator(scope).run(block, current)
        except CommandError as error:
            assert str(error) and "\n" not in str(error)


class _Scope:
    """Variables in a dict."""

    def __init__(self) -> None:
        self.variables: dict[str, object] = {"x": [1, 2]}

    def get_variable(self, name: str) -> object:
        return self.variables.get(name.lower())

    def set_variable(self, name: str, value: object) -> None:
        self.variables[name.lower()] = value


_PIPED_BLOCKS = EXPRESSIONS.flatmap(
    lambda body: st.sampled_from(
        [
            f"Get-Job | ? {{ {body} }}",
            f"1..3 | % {{ {body} }}",
            f"'a', 2 | Where-Object {{{body}}} | Sort-Object",
            f"Get-Job | ForEach-Object -Process {{ {body} }} | Group-Object | ConvertTo-Json",
        ]
    )
)


@settings(max_examples=400, deadline=None)
@given(LINES)
@example("Get-Location ' \n '")  # a quoted value with a new line, quoted in the error
def test_only_command_error_comes_out_of_the_parser_and_binder(line: str) -> None:
    try:
        check_line(parse(line))
    except CommandError as error:
        text = str(error)
        assert text and "\n" not in text


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_completeness_is_the_parsers_word(line: str) -> None:
    """is_complete never raises; a text it calls incomplete is one the parser says more input
    could complete, and the parser's error for it is still one line."""
    complete = is_complete(line)
    try:
        parse(line)
    except CommandError as error:
        assert complete is not error.incomplete
        assert "\n" not in str(error)
    else:
        assert complete


@pytest.fixture
def fuzz_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CommandSession]:
    """A session whose shell is /bin/true: random shell text starts jobs that do nothing; home
    is the test's directory, where a random ``cd`` then ``> out.txt`` may write."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    engine = JobEngine(shell="/bin/true", grace=0.5)
    try:
        yield CommandSession(engine, width=100)
    finally:
        engine.shutdown()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.one_of(LINES, _PIPED_BLOCKS))
def test_execute_never_raises(fuzz_session: CommandSession, line: str) -> None:
    cancel = threading.Event()
    timer = threading.Timer(1.0, cancel.set)  # a wait on a suspended job ends, as by Ctrl+C
    timer.start()
    try:
        result = fuzz_session.execute(line, cancel=cancel)
    finally:
        timer.cancel()

    error_lines = [item.text for item in result.lines if item.kind == "error"]
    assert all(message in error_lines for message in result.errors)
    assert not any("internal error" in text for text in error_lines)
    assert all("\n" not in item.text for item in result.lines)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(LINES)
def test_completion_and_wait_requests_only_raise_command_error(
    fuzz_session: CommandSession, line: str
) -> None:
    assert all(isinstance(c, str) for c in fuzz_session.complete(line))
    try:
        fuzz_session.wait_request(line)
    except CommandError as error:
        assert "\n" not in str(error)
