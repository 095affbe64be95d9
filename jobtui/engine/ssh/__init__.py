"""The SSH Location: jobs on other machines, through the user's own OpenSSH client.

A small agent, sent over the connection with every call, runs each job detached on the host
(its own session, output to files there) and reads its output back by byte offset. Location
is the host. See ``remote_agent.py`` for what lives on the far side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobtui.engine.errors import JobError
from jobtui.engine.ssh.target import SCHEME, SshTarget, TargetError, parse_host

if TYPE_CHECKING:
    from jobtui.engine.engine import JobEngine


def ensure_location(engine: JobEngine, target: SshTarget) -> str:
    """The name of ``target``'s Location in ``engine``, added on first use."""
    name = target.key
    if name in engine.locations:
        return name
    from jobtui.engine.ssh.backend import SshBackend  # its threads and ssh only when used

    try:
        engine.add_backend(lambda hooks: SshBackend(hooks, target))
    except JobError:
        if name not in engine.locations:  # not a race with another line adding it
            raise
    return name


__all__ = ["SCHEME", "SshTarget", "TargetError", "ensure_location", "parse_host"]
