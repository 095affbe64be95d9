"""Which machine an SSH Location reaches: host, user, port, key and ssh options."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

#: The scheme of jobtui's own form of an SSH Location: ``ssh://[user@]host[:port]``.
SCHEME = "ssh://"


class TargetError(ValueError):
    """A host name that cannot be an SSH target; its message is one line for the user."""


@dataclass(frozen=True)
class SshTarget:
    """One machine as ssh will be asked to reach it (the user's ssh config does the rest)."""

    host: str
    user: str | None = None
    port: int | None = None
    key_file: str | None = None
    #: ``-o Name=Value`` options, as Invoke-Command's -Options gives them.
    options: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def location(self) -> str:
        """What the job's Location shows: the host as the user named it."""
        return self.host

    @property
    def key(self) -> str:
        """The backend's name: one per distinct way of reaching a host."""
        text = SCHEME + (f"{self.user}@" if self.user else "") + self.host
        if self.port is not None:
            text += f":{self.port}"
        if self.key_file or self.options:
            digest = hashlib.sha1(repr((self.key_file, self.options)).encode()).hexdigest()
            text += f"#{digest[:8]}"
        return text


def parse_host(
    text: str,
    *,
    user: str | None = None,
    port: int | None = None,
    key_file: str | None = None,
    options: tuple[tuple[str, str], ...] = (),
) -> SshTarget:
    """An ``ssh://[user@]host[:port]`` address or a ``[user@]host[:port]`` name as a target.

    ``user`` and ``port`` given apart (``-UserName``, ``-Port``) apply when the text has none.
    """
    rest = text.strip()
    if rest.lower().startswith(SCHEME):
        rest = rest[len(SCHEME) :].rstrip("/")
    # user@host:port, as PowerShell's -HostName takes it (one colon: an IPv6 address has more).
    if rest.rpartition("@")[2].count(":") == 1:
        rest, _, port_text = rest.rpartition(":")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise TargetError(f"The port '{port_text}' in '{text}' is not a port number.")
        port = int(port_text)
    if "@" in rest:
        user, _, rest = rest.rpartition("@")
    if not rest or rest.startswith("-") or any(c.isspace() for c in rest):
        raise TargetError(f"'{text}' is not a host name.")
    if user is not None and (not user or user.startswith("-")):
        raise TargetError(f"'{user}' is not a user name.")
    return SshTarget(rest, user or None, port, key_file, tuple(options))
