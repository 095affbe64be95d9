"""Script blocks as PowerShell expressions: parsing, precedence, evaluation and their errors."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from jobtui.commands import CommandError
from jobtui.commands.evaluation import Evaluator
from jobtui.commands.expressions import parse_block
from jobtui.engine import JobState


class Scope:
    """Variables in a dict, as the session keeps them (names in any case)."""

    def __init__(self, **variables: object) -> None:
        self.variables = {k.lower(): v for k, v in variables.items()}

    def get_variable(self, name: str) -> object:
        return self.variables.get(name.lower())

    def set_variable(self, name: str, value: object) -> None:
        self.variables[name.lower()] = value


def evaluate(source: str, current: object = None, scope: Scope | None = None) -> list[object]:
    """What the block writes for ``$_ = current``."""
    return Evaluator(scope or Scope()).run(parse_block(source), current)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # precedence: * before +, comparison after arithmetic, -and/-or last (left to right)
        ("1 + 2 * 3", [7]),
        ("(1 + 2) * 3", [9]),
        ("1 + 2 -eq 3", [True]),
        ("$true -or $false -and $false", [False]),  # PowerShell: -and and -or are equal, left first
        ("-not $true -eq $false", [True]),  # -not binds tighter than -eq
        ("!$null", [True]),
        ("-not (1 -eq 2)", [True]),
        ("1, 2, 3 -contains 2", [True]),
        ("2 -in 1, 2, 3", [True]),
        ("10 / 4", [2.5]),
        ("10 / 5", [2]),
        ("-7 % 3", [-1]),
        ("1..4", [1, 2, 3, 4]),
        ("'ab' * 2", ["abab"]),
        ("'a' + 1", ["a1"]),
        ("1 + '2'", [3]),
        ("0x10 + 1kb", [1040]),
        ("1.5e2", [150.0]),
        # comparison and coercion: the right side converts to the left side's type
        ("'abc' -eq 'ABC'", [True]),
        ("'abc' -ceq 'ABC'", [False]),
        ("'abc' -like 'A*'", [True]),
        ("'abc' -notlike '*z*'", [True]),
        ("'abc' -match '^A'", [True]),
        ("'abc' -cmatch '^A'", [False]),
        ("5 -gt '10'", [False]),
        ("'5' -gt 10", [True]),  # the left is a string: compared as text
        ("1, 2, 3 -gt 1", [2, 3]),  # a list on the left filters
        ("$null -eq $null", [True]),
        ("0 -eq $null", [False]),
        ("'b' -in 'A', 'B'", [True]),
        # strings, members, indexes and methods
        ('"x=$(1 + 1) y=$_"', ["x=2 y=cur"]),
        ('"$_.Length"', ["cur.Length"]),  # as in PowerShell: only $_ expands
        ("$_.Length", [3]),
        ("$_[0]", ["c"]),
        ("$_.ToUpper()", ["CUR"]),
        ("$_.Substring(1, 2)", ["ur"]),
        ("'a,b'.Split(',')", ["a", "b"]),
        ("'{0,-4}|{1:N1}|{2:D3}' -f 'ab', 1234.56, 7", ["ab  |1,234.6|007"]),
        ("'a-b-c' -replace '-', '+'", ["a+b+c"]),
        ("'job12' -replace 'job(\\d+)', 'n$1'", ["n12"]),
        ("'a b  c' -split '\\s+'", ["a", "b", "c"]),
        ("(1, 2, 3) -join '+'", ["1+2+3"]),
        ("[int]'42' + 1", [43]),
        ("[int]2.5", [2]),  # .NET rounds half to even
        ("[string]12 + 1", ["121"]),
        ("[bool]'false'", [True]),  # PowerShell: a non-empty string is true
        ("@(1, 2).Count", [2]),
        ("@().Count", [0]),
        ("$($null)", [None]),
        # statements
        ("if ($_ -eq 'cur') { 'yes' } else { 'no' }", ["yes"]),
        ("if ($false) { 1 } elseif ($true) { 2 } else { 3 }", [2]),
        ("if ($false) { 1 }", []),
        ("'a'; 'b'", ["a", "b"]),
        ("<# a block comment #> 1 # and a line comment", [1]),
        ("1 +\n2", [3]),
    ],
)
def test_expressions_evaluate_as_in_powershell(source: str, expected: list[object]) -> None:
    assert evaluate(source, "cur") == expected


def test_current_object_is_dollar_underscore_and_psitem() -> None:
    assert evaluate("$_ * 2; $PSItem + 1", 5) == [10, 6]


def test_assignments_go_to_the_scope_and_matches_are_kept() -> None:
    scope = Scope(total=1)

    evaluate("$total += $_; $seen = $_; $n++", 4, scope)
    evaluate("$_ -match 'b(?<rest>.)'", "abc", scope)

    assert scope.variables["total"] == 5
    assert scope.variables["seen"] == 4
    assert scope.variables["n"] == 1
    matches = scope.variables["matches"]
    assert isinstance(matches, dict)
    assert matches[0] == "bc" and matches["rest"] == "c"
    assert evaluate("$Matches.rest; $Matches[1]", None, scope) == ["c", "c"]


def test_states_compare_by_name_or_number_and_order_by_number() -> None:
    assert evaluate("$_ -eq 'failed'", JobState.Failed) == [True]
    assert evaluate("$_ -eq 3", JobState.Failed) == [True]
    assert evaluate("$_ -eq 'NoSuchState'", JobState.Failed) == [False]
    assert evaluate("$_ -gt 'Running'", JobState.Completed) == [True]
    assert evaluate("$_ -in 'Failed', 'Stopped'", JobState.Stopped) == [True]


def test_dates_subtract_to_spans_with_their_members() -> None:
    begin = datetime(2026, 12, 1, 10, 0, 0)
    scope = Scope(begin=begin, end=begin + timedelta(seconds=90))

    assert evaluate("($end - $begin).TotalSeconds", None, scope) == [90.0]
    assert evaluate("[string]($end - $begin)", None, scope) == ["00:01:30"]
    assert evaluate("$end -gt $begin", None, scope) == [True]
    assert evaluate("$begin -lt '2027-01-01'", None, scope) == [True]
    assert evaluate("$begin.AddMinutes(1).Minute", None, scope) == [1]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "$_.State -eq",
            "ParserError: You must provide a value expression following the '-eq' operator.",
        ),
        ("1 -foo 2", "ParserError: Unexpected token '-foo' in expression or statement."),
        ("'abc", "ParserError: The string is missing the terminator: '."),
        ('"abc', 'ParserError: The string is missing the terminator: ".'),
        ("(1 + 2", "ParserError: Missing closing ')' in expression."),
        ("$a == 1", "ParserError: The '==' operator is not PowerShell's: write -eq."),
        ("$_.Id > 2", "ParserError: The '>' operator is not PowerShell's: write -gt."),
        ("[foo]1", "ParserError: Unable to find type [foo]."),
        ("1 -is 2", "ParserError: The '-is' operator is not supported in jobtui's script blocks."),
        ("$_ | Get-Job", "ParserError: A pipeline inside Where-Object or ForEach-Object"),
        ("foreach ($a in $b) { }", "ParserError: The 'foreach' statement is not supported"),
        (
            "State -eq 'x'",
            "ParserError: Unexpected token 'State' in expression or statement: it is not a cmdlet",
        ),
        ("Get-Jbo", "ParserError: Unexpected token 'Get-Jbo' in expression or statement: it is"),
        ("Receive-Job -Bogus", "Receive-Job: A parameter cannot be found that matches parameter"),
        ("Get-Job -Id 1; Get-Job |", "ParserError: An empty pipe element is not allowed."),
        ("@{a = 1}", "ParserError: Hash tables (@{ }) are not supported"),
        ("$", "ParserError: Variable reference is not valid."),
        ("$_.Name -eq Failed", "ParserError: Unexpected token 'Failed' in expression or statement"),
        ("if ($true) 1", "ParserError: Missing statement block after if ( condition )."),
        ("(" * 100 + "1" + ")" * 100, "ParserError: The script block nests too deeply"),
        ('"$(' * 40, "ParserError: Strings and subexpressions nest too deeply"),
    ],
)
def test_syntax_errors_are_one_line_in_powershells_words(source: str, message: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_block(source)

    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("source", "current", "message"),
    [
        (
            "$_.Foo()",
            "x",
            "InvalidOperation: Method invocation failed because [System.String] does not "
            "contain a method named 'Foo'.",
        ),
        (
            "$_.Trim()",
            None,
            "InvalidOperation: You cannot call a method on a null-valued expression.",
        ),
        ("1 / $_", 0, "RuntimeException: Attempted to divide by zero."),
        ("1 + $_", "a", 'InvalidArgument: Cannot convert value "a" to type "System.Int32".'),
        (
            "[int]$_",
            "1e300",
            'InvalidArgument: Cannot convert value "1e300" to type "System.Int32".',
        ),
        ("$_ -gt 'x'", 5, 'InvalidOperation: Could not compare "5" to "x".'),
        ("'x' * $_", 10**9, "InvalidOperation: The result of '*' would be too long"),
        ("1..$_", 10**6, "InvalidOperation: The range 1..1000000 is too long"),
        ("Get-Job -Id $_", 1, "InvalidOperation: 'Get-Job -Id $_' cannot run here"),
        ("'{1}' -f $_", "x", "FormatException: Error formatting a string: Index (zero based)"),
    ],
)
def test_run_time_errors_are_command_errors(source: str, current: object, message: str) -> None:
    block = parse_block(source)
    with pytest.raises(CommandError) as caught:
        Evaluator(Scope()).run(block, current)

    assert str(caught.value).startswith(message)
