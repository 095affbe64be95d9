"""The lexer (PowerShell's argument-mode tokens) and the shell's extent of its commands."""

from __future__ import annotations

import pytest

from jobtui.commands import CommandError
from jobtui.commands.lexer import TokenKind, tokenize, unescape
from jobtui.commands.parser import parse
from jobtui.commands.shell_text import scan_script_block, scan_shell_command
from jobtui.commands.statement_kind import powershell_follows


def kinds_and_values(line: str) -> list[tuple[str, str]]:
    return [(t.kind.name, t.value) for t in tokenize(line) if t.kind is not TokenKind.EOF]


def test_a_command_with_parameters_lists_and_a_script_block() -> None:
    assert kinds_and_values("Start-Job -Name a,b {echo hi} | Wait-Job -Ti:5") == [
        ("GENERIC", "Start-Job"),
        ("PARAMETER", "Name"),
        ("GENERIC", "a"),
        ("COMMA", ","),
        ("GENERIC", "b"),
        ("SCRIPT_BLOCK", "echo hi"),
        ("PIPE", "|"),
        ("GENERIC", "Wait-Job"),
        ("PARAMETER", "Ti"),
        ("GENERIC", "5"),
    ]
    colon = next(t for t in tokenize("Wait-Job -Ti:5") if t.kind is TokenKind.PARAMETER)
    assert colon.colon


def test_negative_numbers_are_not_parameters() -> None:
    assert kinds_and_values("Wait-Job -Timeout -1") == [
        ("GENERIC", "Wait-Job"),
        ("PARAMETER", "Timeout"),
        ("GENERIC", "-1"),
    ]


def test_a_lone_dash_is_a_word() -> None:
    assert kinds_and_values("cd -") == [("GENERIC", "cd"), ("GENERIC", "-")]


def test_variables_members_and_indexes() -> None:
    assert kinds_and_values("$job.ChildJobs[0].JobStateInfo.Reason") == [
        ("VARIABLE", "job"),
        ("MEMBER", "ChildJobs"),
        ("INDEX", "0"),
        ("MEMBER", "JobStateInfo"),
        ("MEMBER", "Reason"),
    ]
    assert kinds_and_values("$env:HOME ${odd name} $?") == [
        ("VARIABLE", "env:HOME"),
        ("VARIABLE", "odd name"),
        ("VARIABLE", "?"),
    ]
    # With a space, ".State" is a word of its own, not a member.
    assert kinds_and_values("$job .State")[1] == ("GENERIC", ".State")


def test_strings_and_escapes() -> None:
    assert kinds_and_values('\'it\'\'s\' "say ""hi""" Job`1 Job"2"') == [
        ("STRING", "it's"),
        ("EXPANDABLE_STRING", 'say ""hi""'),
        ("GENERIC", "Job1"),
        ("GENERIC", "Job2"),
    ]
    assert unescape("a`tb`n`$c") == "a\tb\n$c"


def test_separators_redirections_and_comments() -> None:
    assert kinds_and_values("a & b; c > f.txt 2>> e.txt 2>&1 # note") == [
        ("GENERIC", "a"),
        ("AMP", "&"),
        ("GENERIC", "b"),
        ("SEMI", ";"),
        ("GENERIC", "c"),
        ("REDIRECT", ">"),
        ("GENERIC", "f.txt"),
        ("REDIRECT", "2>>"),
        ("GENERIC", "e.txt"),
        ("REDIRECT", "2>&1"),
    ]
    assert kinds_and_values("a && b || c")[1] == ("OPERATOR", "&&")


def test_script_block_content_is_verbatim_and_shell_quoted() -> None:
    line = "{ awk '{print $1}' \"}\" \\} }rest"
    content, end = scan_script_block(line, 0)

    assert content == " awk '{print $1}' \"}\" \\} "
    assert line[end:] == "rest"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{ echo", "ParserError: Missing closing '}' in statement block or type definition."),
        ("'open", "ParserError: The string is missing the terminator: '."),
        ('"open', 'ParserError: The string is missing the terminator: ".'),
        ("{ echo 'x }", "ParserError: The string is missing the terminator: '."),
    ],
)
def test_unbalanced_input_is_an_incomplete_parser_error(line: str, message: str) -> None:
    with pytest.raises(CommandError) as caught:
        tokenize(line)

    assert str(caught.value) == message
    assert caught.value.incomplete


def test_deeply_nested_strings_on_a_line_are_one_parser_error() -> None:
    """The line's strings are scanned by the same code as a script block's expressions, with
    the same nesting limit: a line nested hundreds deep is refused, not a RecursionError."""
    line = 'Write-Output "' + '$("' * 400 + "x" + '")' * 400 + '"'

    with pytest.raises(CommandError) as caught:
        parse(line)

    assert str(caught.value).startswith("ParserError: Strings and subexpressions nest too deeply")


@pytest.mark.parametrize(
    ("line", "end", "terminator", "command"),
    [
        ("sleep 1 & echo", 14, "", "sleep 1 & echo"),
        ("sleep 1 & Get-Job", 8, "&", "sleep 1"),
        ("a && b &", 8, "", "a && b"),
        ("sleep 30 &", 10, "", "sleep 30"),
        ("sleep 30 &  ", 12, "", "sleep 30"),
        ("echo \\&", 7, "", "echo \\&"),
        ("ls 2>&1 >&2 &>f |& cat", 22, "", "ls 2>&1 >&2 &>f |& cat"),
        ("echo 'a & b' \"c & d\" \\& e", 25, "", "echo 'a & b' \"c & d\" \\& e"),
        ("( a & b ) &", 11, "", "( a & b )"),
        ("sleep 1; echo hi", 16, "", "sleep 1; echo hi"),
        ("sleep 1; Get-Job", 7, ";", "sleep 1"),
        ("sleep 1 &; Get-Job", 9, ";", "sleep 1"),
        ("for i in $(seq 50); do sleep 5 & done", 37, "", "for i in $(seq 50); do sleep 5 & done"),
        ("sleep 5 & $job = Get-Job", 8, "&", "sleep 5"),
        ("make; $job.State", 4, ";", "make"),
        ("cd x; $EDITOR file", 18, "", "cd x; $EDITOR file"),
        ("sleep 5 & (Get-Job).Count", 8, "&", "sleep 5"),
        ("a & (b; c)", 10, "", "a & (b; c)"),
        ("echo # a & b", 12, "", "echo # a & b"),
        ("a &\nb", 3, "\n", "a"),
    ],
)
def test_the_extent_of_a_shell_command(line: str, end: int, terminator: str, command: str) -> None:
    scan = scan_shell_command(line, 0, powershell_follows)

    assert (scan.end, scan.terminator) == (end, terminator)
    assert line[: scan.command_end].strip() == command
