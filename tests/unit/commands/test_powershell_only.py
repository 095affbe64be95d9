"""PowerShell that jobtui does not run gets one clear error; ambiguous lines stay the shell's."""

from __future__ import annotations

import sys
from types import ModuleType

import pytest

from jobtui.commands import CommandError, CommandSession, registry
from jobtui.commands.declaration import Cmdlet
from jobtui.commands.parser import parse
from jobtui.commands.syntax import ShellCommand

from .support import run


@pytest.mark.parametrize(
    ("line", "start"),
    [
        ("foreach ($j in Get-Job) { Receive-Job $j }", "The foreach loop is PowerShell's"),
        ("ForEach ($j in $jobs) {}", "The ForEach loop is PowerShell's"),
        ("for ($i = 0; $i -lt 3; $i++) { }", "The for loop is PowerShell's"),
        ("while ($j.State -eq 'Running') { Start-Sleep 1 }", "The while loop is PowerShell's"),
        ("while ($true)", "The while loop is PowerShell's"),
        ("do { Start-Sleep 1 } while ($j.State -eq 'Running')", "The do loop is PowerShell's"),
        ("if ($j.State -eq 'Failed') { Receive-Job $j }", "The if statement is PowerShell's"),
        ("if (Get-Job -State Failed) { 'x' }", "The if statement is PowerShell's"),
        ("if (-not $j) {}", "The if statement is PowerShell's"),
        ("elseif ($x) {}", "The elseif statement is PowerShell's"),
        ("else { 'x' }", "The else statement is PowerShell's"),
        ("switch ($j.State) { 'Failed' { 1 } }", "The switch statement is PowerShell's"),
        ("switch -Wildcard ($x) {}", "The switch statement is PowerShell's"),
        ("try { Receive-Job 1 } catch { $_ }", "PowerShell's try is not part"),
        ("catch [System.Exception] { }", "PowerShell's catch is not part"),
        ("trap { continue }", "PowerShell's trap is not part"),
        ("throw 'bad'", "PowerShell's throw is not part"),
        ("function Get-Thing { Get-Job }", "PowerShell's function is not part"),
        ("function f($x) { $x }", "PowerShell's function is not part"),
        ("param($Name)", "PowerShell's param is not part"),
        ("class Thing { }", "PowerShell's class is not part"),
        ("using namespace System.IO", "PowerShell's using is not part"),
        ("[void](Start-Job { true })", "Type literals such as [void] are PowerShell's"),
        ("[int]$x", "Type literals such as [int] are PowerShell's"),
        ("[string]::Join(',', $a)", "Type literals such as [string] are PowerShell's"),
        ("[System.IO.Path]::GetTempPath()", "Type literals such as [System.IO.Path]"),
        ("$n = [int]'5'", "Type literals such as [int] are PowerShell's"),
        ("Get-Job; foreach ($j in 1) {}", "The foreach loop is PowerShell's"),
        ("make; foreach ($j in 1) {}", "The foreach loop is PowerShell's"),
        # its strings are scanned by the lexer's rules: the quoted ')' does not end the condition
        ('if ("$(")")" -eq $x) { 1 }', "The if statement is PowerShell's"),
    ],
)
def test_clearly_powershell_is_refused(session: CommandSession, line: str, start: str) -> None:
    result = run(session, f"Start-Job {{true}}; {line}")

    assert result.jobs == []  # nothing of the line ran, not even the statement before
    (error,) = result.errors
    assert error.startswith(f"ParserError: {start}") and "\n" not in error


@pytest.mark.parametrize(
    "line",
    [
        "if [ -f x ]; then echo y; fi",
        "if [[ -n $x ]]; then echo y; fi",
        "if (test -f x); then echo y; fi",
        "if ( grep -q x f ); then echo y; fi",
        "while true; do sleep 1; done",
        "while (true); do sleep 1; done",
        "for i in 1 2 3; do echo $i; done",
        "for ((i = 0; i < 3; i++)); do echo $i; done",
        "until [ -f done ]; do sleep 1; done",
        "trap 'rm -f x' EXIT; sleep 1",
        "[ -f x ] && echo y",
        "[[ -f x ]] && echo y",
        "do-something --flag",
        "try-me",
        "functional-test",
        "ifconfig",
        "classify x",
        "printf foreach ($x)",  # (echo is Write-Output's alias, as in PowerShell)
        "true; do_it",
    ],
)
def test_ambiguous_lines_stay_shell_commands(line: str) -> None:
    (statement,) = parse(line).statements

    assert isinstance(statement.body, ShellCommand)


def test_an_open_refused_statement_reads_on_to_its_end(session: CommandSession) -> None:
    text = "foreach ($j in Get-Job) {\n  Receive-Job $j\n"

    assert not session.is_complete(text)
    assert session.is_complete(text + "}")
    result = run(session, text + "}")
    assert result.errors[0].startswith("ParserError: The foreach loop is PowerShell's")
    assert result.jobs == []


@pytest.mark.parametrize(
    ("line", "start"),
    [
        ("ls | Format-List", "Format-List: A shell command cannot be piped into Format-List"),
        ("ls -l | Receive-Job", "Receive-Job: A shell command cannot be piped into Receive-Job"),
        ("make && Get-Job", "Get-Job: A shell command cannot be chained to Get-Job with &&"),
        ("make || Stop-Job 1", "Stop-Job: A shell command cannot be chained to Stop-Job with ||"),
    ],
)
def test_a_shell_command_cannot_flow_into_a_cmdlet(
    session: CommandSession, line: str, start: str
) -> None:
    result = run(session, line)

    assert result.jobs == []
    (error,) = result.errors
    assert error.startswith(start)


@pytest.mark.parametrize(
    "line", ["ls | sort", "cd src && make", "printf 'a | Format-List'", "make | tee build-log"]
)
def test_the_shells_own_pipes_and_chains_stay_jobs(session: CommandSession, line: str) -> None:
    result = run(session, line)

    assert result.succeeded and len(result.jobs) == 1


def test_foreach_starts_a_loop_even_where_it_is_an_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in PowerShell: ForEach-Object's alias foreach works after a pipe, but a statement
    that starts with foreach ( is the loop."""
    if registry.find_cmdlet("foreach") is None:
        module = ModuleType("jobtui_test_foreach_alias")
        alias = Cmdlet("Test-ForEach", ("foreach",), (), ("Default",), "Default")
        module.CMDLETS = {alias: lambda context, bound, input: None}  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, module.__name__, module)
        monkeypatch.setattr(registry, "MODULES", (*registry.MODULES, module.__name__))
        registry.registered.cache_clear()
        registry._by_name.cache_clear()
    try:
        assert registry.find_cmdlet("foreach") is not None
        with pytest.raises(CommandError, match="The foreach loop is PowerShell's"):
            parse("foreach ($j in Get-Job) { $j }")
    finally:
        monkeypatch.undo()
        registry.registered.cache_clear()
        registry._by_name.cache_clear()
