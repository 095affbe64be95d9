"""Values into jobs: $using: and $env: inside { }, for the shell."""

from __future__ import annotations

import pytest

from jobtui.commands import CommandError, CommandSession
from jobtui.commands.job_values import Lookup, expand

from .support import output, run


def _lookup(variables: dict[str, object]) -> Lookup:
    def lookup(name: str) -> tuple[bool, object]:
        return (name in variables, variables.get(name))

    return lookup


@pytest.mark.parametrize(
    ("text", "shell"),
    [
        ("echo $using:host", "echo 'a b'"),
        ("echo ${using:host}", "echo 'a b'"),
        ("echo $Using:HOST", "echo 'a b'"),
        ('echo "at $using:host"', 'echo "at a b"'),
        ('echo "$using:tricky"', 'echo "\\"\\$x\\`"'),
        ("echo $using:tricky", "echo '\"$x`'"),
        ("echo '$using:host'", "echo '$using:host'"),
        ("echo \\$using:host", "echo \\$using:host"),
        ("printf '%s\\n' $using:ids", "printf '%s\\n' 1 2 3"),
        ("echo $using:empty", "echo ''"),
        ("echo $env:HOME", "echo ${HOME}"),
        ("echo ${env:PATH}", "echo ${PATH}"),
        ('echo "$env:HOME/x"', 'echo "${HOME}/x"'),
        ("echo '$env:HOME'", "echo '$env:HOME'"),
        ("echo $envelope $HOME", "echo $envelope $HOME"),
    ],
)
def test_expand(text: str, shell: str) -> None:
    variables: dict[str, object] = {
        "host": "a b",
        "HOST": "a b",
        "tricky": '"$x`',
        "ids": [1, 2, 3],
        "empty": None,
    }
    assert expand(text, _lookup(variables), "Start-Job") == shell


def test_an_unset_using_variable_is_an_error() -> None:
    with pytest.raises(CommandError, match=r"The value of the using variable '\$using:nope'"):
        expand("echo $using:nope", _lookup({}), "Start-Job")


def test_using_and_env_in_a_job(session: CommandSession) -> None:
    run(session, "$name = \"it's a b\"; $env:GREETING = 'hello there'")

    result = run(
        session,
        'Start-Job { printf "[%s]\\n" $using:name "$env:GREETING" } | Receive-Job -Wait',
    )

    assert output(result) == ["[it's a b]", "[hello there]"]
    result = run(session, "Start-ThreadJob { echo $using:missing }")
    assert result.jobs == [] and "has not been set in the local session" in result.errors[0]
    result = run(
        session, "Start-Job -InitializationScript { X=$using:name } { echo $X } | Receive-Job -Wait"
    )
    assert output(result) == ["it's a b"]
