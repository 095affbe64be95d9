"""Start-Job -Location and -Resources: which backend runs the job, and what it asks for.

``localhost`` is always there. ``slurm`` needs no configuration: the first job sent there adds
the Slurm backend, which uses the user's own client commands on PATH (and ``SLURM_CONF``).
``ssh://[user@]host[:port]`` adds that host's SSH Location the same way.

The settings' named locations (``[locations.NAME]`` in config.toml) are found first, in any
case: an SSH one reaches its host with its user, port and identity file, and its jobs show the
name as their Location; a Slurm one is a Slurm backend of that name whose jobs ask for the
location's resources unless their own -Resources say otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from jobtui.commands.declaration import BoundCommand
from jobtui.commands.errors import CommandError
from jobtui.data.settings import Location, LocationKind, SlurmLocation, SshLocation
from jobtui.engine import JobError

if TYPE_CHECKING:
    from jobtui.engine import JobEngine
    from jobtui.engine.ssh import SshTarget

#: Locations a job may name before any exists: each adds its backend on first use.
_ON_DEMAND = ("slurm",)


def find_named(named: Sequence[Location], name: str) -> Location | None:
    """The named location called ``name`` (in any case), or None."""
    wanted = name.strip().lower()
    return next((location for location in named if location.name.lower() == wanted), None)


def job_location(
    engine: JobEngine, source: str, bound: BoundCommand, named: Sequence[Location] = ()
) -> str:
    """The Location -Location names (localhost without it), its backend added if need be;
    ``named`` are the settings' named locations, which win over any other of the name."""
    wanted = bound.get("Location")
    if wanted is None:
        return "localhost"
    name = str(wanted).strip()
    setting = find_named(named, name)
    if isinstance(setting, SshLocation):
        from jobtui.engine.ssh import TargetError

        try:
            target = named_target(setting)
        except TargetError as error:
            raise CommandError(source, f"The location '{setting.name}': {error}") from None
        return _ssh_location(engine, source, target)
    if isinstance(setting, SlurmLocation):
        return _slurm_location(engine, source, setting)
    known = engine.locations
    for location in known:
        if location.lower() == name.lower():
            return location
    if name.lower().startswith("ssh://"):
        from jobtui.engine.ssh import TargetError, parse_host

        try:
            target = parse_host(name)
        except TargetError as error:
            raise CommandError(source, str(error)) from None
        return _ssh_location(engine, source, target)
    if name.lower() not in _ON_DEMAND:
        lowered = {k.lower() for k in known}
        listed = [*known, *(s.name for s in named if s.name.lower() not in lowered)]
        listed += [d for d in _ON_DEMAND if d not in {k.lower() for k in listed}]
        raise CommandError(
            source,
            f"Cannot start the job at the location '{name}': there is no such location. "
            f"Known locations: {', '.join(listed)}.",
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


def named_target(
    setting: SshLocation,
    *,
    user: str | None = None,
    port: int | None = None,
    key_file: str | None = None,
    options: tuple[tuple[str, str], ...] = (),
) -> SshTarget:
    """The SSH target of a named location; ``user``, ``port`` and ``key_file`` given on the
    command line (Invoke-Command's -UserName, -Port, -KeyFilePath) win over the settings'.
    A TargetError when the settings' host is no host name."""
    from jobtui.engine.ssh import parse_host

    identity = str(setting.identity_file) if setting.identity_file is not None else None
    target = parse_host(
        setting.host,
        user=user or setting.user,
        port=port if port is not None else setting.port,
        key_file=key_file or identity,
        options=options,
    )
    return replace(target, label=setting.name)


def _ssh_location(engine: JobEngine, source: str, target: SshTarget) -> str:
    """The target's Location, added on first use."""
    from jobtui.engine.ssh import ensure_location

    try:
        return ensure_location(engine, target)
    except JobError as error:
        raise CommandError(source, str(error)) from None


def _slurm_location(engine: JobEngine, source: str, setting: SlurmLocation) -> str:
    """A named Slurm location's backend (named after it), added on first use."""
    if setting.host is not None:
        raise CommandError(
            source,
            f"Cannot start the job at the location '{setting.name}': it names the login node "
            f"'{setting.host}', and jobtui submits only with this machine's own Slurm commands; "
            "remove its host to submit from here.",
        )
    for location in engine.locations:
        if location.lower() == setting.name.lower():
            return location
    from jobtui.engine.slurm import SlurmBackend

    try:
        backend = engine.add_backend(
            lambda hooks: SlurmBackend(hooks, name=setting.name, session_id=engine.session_id)
        )
    except JobError as error:
        for location in engine.locations:  # another line added it meanwhile
            if location.lower() == setting.name.lower():
                return location
        raise CommandError(source, str(error)) from None
    return backend.name


def location_resources(setting: Location | None) -> dict[str, object]:
    """A named Slurm location's default resources, by -Resources' names (none for others)."""
    if setting is None or setting.kind is not LocationKind.SLURM:
        return {}
    assert isinstance(setting, SlurmLocation)
    given: dict[str, object | None] = {
        "Partition": setting.partition,
        "Account": setting.account,
        "Qos": setting.qos,
        "Time": setting.time,
        "Cpus": setting.cpus,
        "Memory": setting.memory,
        # gpus = 0 in the settings: no GPUs, which is asking for none.
        "Gpus": setting.gpus or None,
    }
    return {name: value for name, value in given.items() if value is not None}


def job_resources(
    location: str, source: str, bound: BoundCommand, named: Sequence[Location] = ()
) -> dict[str, object]:
    """-Resources as a mapping (``Partition=gpu,Cpus=4`` or a dictionary), checked, over the
    named location's defaults (the job's own win, name by name in any case); a one-line error
    for a bad value, or for resources at a Location with no scheduler."""
    given = bound.get("Resources")
    defaults = location_resources(find_named(named, location))
    if given is None and not defaults:
        return {}
    if location == "localhost":
        raise CommandError(
            source,
            "The Resources parameter is for a scheduler's Location (such as -Location slurm); "
            "a job on localhost runs at once with what this machine has.",
        )
    from jobtui.engine.slurm.resources import parse_resources, resources_from_words

    items = list(given) if isinstance(given, list | tuple) else [] if given is None else [given]
    mapping: dict[str, object] = {}
    try:
        for item in items:
            if isinstance(item, dict):
                mapping.update({str(k): v for k, v in item.items()})
            else:
                mapping.update(resources_from_words([str(item)]))
        own = {name.strip().lower() for name in mapping}
        merged = {k: v for k, v in defaults.items() if k.lower() not in own}
        merged.update(mapping)
        parse_resources(merged)
    except JobError as error:
        raise CommandError(source, str(error)) from None
    return merged
