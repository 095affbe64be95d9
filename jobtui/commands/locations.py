"""Start-Job -Location and -Resources: which backend runs the job, and what it asks for.

``localhost`` is always there. ``slurm`` needs no configuration: the first job sent there adds
the Slurm backend, which uses the user's own client commands on PATH (and ``SLURM_CONF``).
``ssh://[user@]host[:port]`` adds that host's SSH Location the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobtui.commands.declaration import BoundCommand
from jobtui.commands.errors import CommandError
from jobtui.engine import JobError

if TYPE_CHECKING:
    from jobtui.engine import JobEngine

#: Locations a job may name before any exists: each adds its backend on first use.
_ON_DEMAND = ("slurm",)


def job_location(engine: JobEngine, source: str, bound: BoundCommand) -> str:
    """The Location -Location names (localhost without it), its backend added if need be."""
    wanted = bound.get("Location")
    if wanted is None:
        return "localhost"
    name = str(wanted).strip()
    known = engine.locations
    for location in known:
        if location.lower() == name.lower():
            return location
    if name.lower().startswith("ssh://"):
        return _ssh_location(engine, source, name)
    if name.lower() not in _ON_DEMAND:
        raise CommandError(
            source,
            f"Cannot start the job at the location '{name}': there is no such location. "
            f"Known locations: {', '.join([*known, *(d for d in _ON_DEMAND if d not in known)])}.",
        )
    # Loaded when first asked for: a session that never uses a cluster does not pay for it.
    from jobtui.engine.slurm import slurm_location

    try:
        backend = engine.add_backend(lambda hooks: slurm_location(name, engine.session_id, hooks))
    except JobError as error:
        if name.lower() in (n.lower() for n in engine.locations):
            return next(n for n in engine.locations if n.lower() == name.lower())
        raise CommandError(source, str(error)) from None
    return backend.name


def _ssh_location(engine: JobEngine, source: str, address: str) -> str:
    """``ssh://[user@]host[:port]``: the host's Location, added on first use."""
    from jobtui.engine.ssh import TargetError, ensure_location, parse_host

    try:
        return ensure_location(engine, parse_host(address))
    except (TargetError, JobError) as error:
        raise CommandError(source, str(error)) from None


def job_resources(location: str, source: str, bound: BoundCommand) -> dict[str, object]:
    """-Resources as a mapping (``Partition=gpu,Cpus=4`` or a dictionary), checked; a
    one-line error for a bad value, or for resources at a Location with no scheduler."""
    given = bound.get("Resources")
    if given is None:
        return {}
    if location == "localhost":
        raise CommandError(
            source,
            "The Resources parameter is for a scheduler's Location (such as -Location slurm); "
            "a job on localhost runs at once with what this machine has.",
        )
    from jobtui.engine.slurm.resources import parse_resources, resources_from_words

    items = given if isinstance(given, list | tuple) else [given]
    mapping: dict[str, object] = {}
    try:
        for item in items:
            if isinstance(item, dict):
                mapping.update({str(k): v for k, v in item.items()})
            else:
                mapping.update(resources_from_words([str(item)]))
        parse_resources(mapping)
    except JobError as error:
        raise CommandError(source, str(error)) from None
    return mapping
