"""SSH targets from what Invoke-Command -HostName and ssh:// addresses say."""

from __future__ import annotations

import pytest

from jobtui.engine.ssh.target import SshTarget, TargetError, parse_host


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("gpu1", SshTarget("gpu1")),
        ("ann@gpu1", SshTarget("gpu1", "ann")),
        ("ann@gpu1:2222", SshTarget("gpu1", "ann", 2222)),
        ("ssh://gpu1", SshTarget("gpu1")),
        ("ssh://ann@gpu1:2222/", SshTarget("gpu1", "ann", 2222)),
        ("fe80::1", SshTarget("fe80::1")),
    ],
)
def test_host_names_and_addresses(text: str, target: SshTarget) -> None:
    assert parse_host(text) == target


def test_user_and_port_given_apart_apply_when_the_name_has_none() -> None:
    assert parse_host("gpu1", user="bob", port=22) == SshTarget("gpu1", "bob", 22)
    assert parse_host("ann@gpu1:2222", user="bob", port=22) == SshTarget("gpu1", "ann", 2222)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "'' is not a host name."),
        ("gpu1:x", "The port 'x' in 'gpu1:x' is not a port number."),
        ("ssh://gpu1:70000", "The port '70000' in 'ssh://gpu1:70000' is not a port number."),
        ("-oProxyCommand=evil", "'-oProxyCommand=evil' is not a host name."),
        ("a b", "'a b' is not a host name."),
    ],
)
def test_what_cannot_be_a_host_says_so(text: str, error: str) -> None:
    with pytest.raises(TargetError) as caught:
        parse_host(text)
    assert str(caught.value) == error


def test_each_way_of_reaching_a_host_is_its_own_location() -> None:
    assert parse_host("gpu1").key == "ssh://gpu1"
    assert parse_host("ann@gpu1:2222").key == "ssh://ann@gpu1:2222"
    assert parse_host("gpu1", options=(("Port", "1"),)).key.startswith("ssh://gpu1#")
