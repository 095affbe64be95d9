"""The SSH Location: jobs on other machines, through the user's own OpenSSH client.

A small agent, sent over the connection with every call, runs each job detached on the host
(its own session, output to files there) and reads its output back by byte offset. Location
is the host. See ``remote_agent.py`` for what lives on the far side.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from jobtui.engine.errors import JobError
from jobtui.engine.ssh.target import SCHEME, SshTarget, TargetError, parse_host

if TYPE_CHECKING:
    from jobtui.engine.backend import Runner
    from jobtui.engine.engine import JobEngine
    from jobtui.engine.job import Job


def ensure_location(engine: JobEngine, target: SshTarget) -> str:
    """The name of ``target``'s Location in ``engine``, added on first use."""
    name = target.key
    if name in engine.locations:
        return name
    from jobtui.engine.ssh.backend import SshBackend  # its threads and ssh only when used

    # A session that keeps its jobs across a host restart keeps ended jobs' directories on
    # the host too, so that a restarted host can read their output again.
    keep = engine.job_root is not None
    try:
        engine.add_backend(lambda hooks: SshBackend(hooks, target, keep_ended=keep))
    except JobError:
        if name not in engine.locations:  # not a race with another line adding it
            raise
    return name


def target_of(remote: Mapping[str, object]) -> SshTarget:
    """The host a job's kept record (``SshRunner.remote_record``) reaches; TargetError if it
    names none."""
    host = remote.get("host")
    if not isinstance(host, str) or not host:
        raise TargetError("the record names no host")
    user, port, key_file, label = (remote.get(k) for k in ("user", "port", "key_file", "label"))
    options = remote.get("options")
    pairs = tuple(
        (str(pair[0]), str(pair[1]))
        for pair in (options if isinstance(options, list) else [])
        if isinstance(pair, list) and len(pair) == 2
    )
    return SshTarget(
        host,
        user if isinstance(user, str) else None,
        port if isinstance(port, int) else None,
        key_file if isinstance(key_file, str) else None,
        pairs,
        label if isinstance(label, str) else None,
    )


def readopt(engine: JobEngine, job: Job, remote: Mapping[str, object], cursor: int) -> str:
    """Follow a restored job on the SSH host its record names (its Location added if need
    be), or read again the output of one that had ended; the Location's backend name. A
    JobError (or TargetError) when it cannot be."""
    name = ensure_location(engine, target_of(remote))

    def adopt(backend: object) -> Runner:
        from jobtui.engine.ssh.backend import SshBackend

        assert isinstance(backend, SshBackend)
        return backend.adopt(job, remote, cursor)

    if job.state.is_finished:
        backend = engine.backend(name)
        from jobtui.engine.ssh.backend import SshBackend

        if isinstance(backend, SshBackend):  # its runner only reads; it holds no slot
            job.runner = backend.adopt(job, remote, cursor)
    else:
        engine.adopt_remote(job, name, adopt)
    return name


__all__ = [
    "SCHEME",
    "SshTarget",
    "TargetError",
    "ensure_location",
    "parse_host",
    "readopt",
    "target_of",
]
