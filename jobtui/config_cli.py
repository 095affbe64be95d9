"""``jobtui config path|show|check``: where the settings live, what they are, what is wrong."""

from __future__ import annotations

import enum
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import TextIO

from jobtui.data.config import LoadedConfig, Problem, Source, load_config
from jobtui.data.settings import DEFAULT_THEME, Location, LocationKind, Settings, SlurmLocation
from jobtui.data.values import shown

#: What ``config show`` says of a setting's value beyond where it came from.
NOTES = {
    "disk_budget": "transcripts kept by the session host; past it the oldest finished go first",
}


def run_config(action: str, stdout: TextIO, environ: Mapping[str, str] | None = None) -> int:
    """Run ``jobtui config ACTION``; the exit status (1: the settings have problems)."""
    config = load_config(environ)
    if action == "path":
        stdout.write(f"{config.path}\n")
        return 0
    problems = ui_problems(config)
    if action == "show":
        stdout.write(show(config, problems))
        return 0
    return check(config, problems, stdout)


def ui_problems(config: LoadedConfig) -> list[Problem]:
    """Every problem: the file's and the environment's, then unknown themes and binding ids."""
    from jobtui.ui.config_checks import builtin_themes, keymap_problems, theme_problems

    return [
        *config.problems,
        *theme_problems(config, builtin_themes()),
        *keymap_problems(config),
    ]


def check(config: LoadedConfig, problems: list[Problem], stdout: TextIO) -> int:
    """Each problem on a line (file:line: key: what); 1 if there is any."""
    for problem in problems:
        stdout.write(f"{problem}\n")
    if problems:
        count = len(problems)
        stdout.write(f"{count} problem{'' if count == 1 else 's'}; jobtui starts on the defaults "
                     "for those settings.\n")  # fmt: skip
        return 1
    found = "no problems" if config.exists else "no file: the defaults are used"
    stdout.write(f"{config.path}: {found}\n")
    return 0


def show(config: LoadedConfig, problems: list[Problem]) -> str:
    """The effective settings as TOML, each line with where its value came from."""
    from jobtui.ui.config_checks import builtin_themes

    settings = config.settings
    head = f"# {config.path}" + ("" if config.exists else " (no file: the defaults)")
    rows: list[tuple[str, str]] = []
    for field in fields(Settings):
        name = field.name
        if name in ("keymap", "locations"):
            continue
        value = getattr(settings, name)
        origin = _where(config, name)
        note = NOTES.get(name)
        if value is None:
            rows.append((f"# {name}: not set, {UNSET[name]()}", origin))
            continue
        if name == "theme" and value not in builtin_themes():
            origin += f'; no theme "{value}": {DEFAULT_THEME} is used'
        if name == "disk_budget":
            note = f"{value / 1024**3:.1f} GiB, {note}"
        rows.append((f"{name} = {_value(value)}", f"{origin}; {note}" if note else origin))
    rows.append(("", ""))
    rows.append(("[keymap]", "none: the built-in keys" if not settings.keymap else ""))
    for binding_id, keys in settings.keymap.items():
        rows.append((f"{_key(binding_id)} = {shown(keys)}", _where(config, f"keymap.{binding_id}")))
    for location in settings.locations:
        where = _where(config, f"locations.{location.name}")
        rows.append(("", ""))
        rows.append((f"[locations.{_key(location.name)}]", f"{where}; {_location_use(location)}"))
        rows.extend((line, "") for line in _location_lines(location))
    if not settings.locations:
        rows += [("", ""), ("# locations: none (jobs run on this machine)", "")]
    width = min(COMMENT_COLUMN, max(len(text) for text, _ in rows))
    lines = [head, *(f"{text:<{width}}  # {why}" if why else text for text, why in rows)]
    if problems:
        count = len(problems)
        lines += ["", f"# {count} problem{'' if count == 1 else 's'}: jobtui config check"]
    return "\n".join(lines) + "\n"


#: Where ``config show`` starts its comments (a longer value pushes its own further).
COMMENT_COLUMN = 40
#: What an unset setting means.
UNSET: dict[str, Callable[[], str]] = {
    "spill_dir": lambda: f"the system's temporary directory ({tempfile.gettempdir()})",
    "history_dir": lambda: f"the state directory ({_state_dir()})",
    "disk_budget": lambda: "no budget",
    "notify_hook": lambda: "no hook runs when a job ends",
}


def _where(config: LoadedConfig, name: str) -> str:
    """Where a setting came from, for ``show``: "default", "line 4" or "$JOBTUI_GRACE"."""
    origin = config.origin(name)
    if origin.source is Source.FILE:
        return f"line {origin.line}" if origin.line else "the file"
    return str(origin)


def _state_dir() -> Path:
    from jobtui.data.paths import state_dir

    return state_dir()


def _key(name: str) -> str:
    """A key as TOML writes it: bare if it can be, else quoted."""
    bare = name.replace("-", "").replace("_", "").replace(".", "").isalnum()
    return name if bare and name.isascii() else f'"{name}"'


def _value(value: object) -> str:
    if isinstance(value, enum.Enum):  # notify_desktop: as it is written in the file
        return shown(value.value)
    if isinstance(value, tuple):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    return shown(str(value) if isinstance(value, Path) else value)


def _location_use(location: Location) -> str:
    """How a line names the location (or why it cannot yet), for ``config show``."""
    if isinstance(location, SlurmLocation) and location.host is not None:
        return "its host (a login node) cannot be used yet: Slurm jobs submit from here"
    use = f"Start-Job -Location {location.name}"
    if location.kind is LocationKind.SSH:
        use += f", Invoke-Command -HostName {location.name}"
    return use


def _location_lines(location: Location) -> list[str]:
    lines = [f"kind = {shown(location.kind.value)}"]
    for name, value in location._asdict().items():
        if name != "name" and value is not None:
            lines.append(f"{name} = {_value(value)}")
    return lines
