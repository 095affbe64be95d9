"""Reading jobtui's settings: the defaults, then config.toml, then ``JOBTUI_*`` variables.

(Textual's ``TEXTUAL_THEME`` counts too, between the defaults and the file.)

The file is ``$XDG_CONFIG_HOME/jobtui/config.toml`` (``~/.config/jobtui/config.toml``), read with
the standard library's ``tomllib``; no file means the defaults. A bad file never stops jobtui:
each setting that cannot be used keeps its default (a syntax error: the whole file), and every
problem is kept with its line and key, for one line of notice at start and for
``jobtui config check``. Loading these modules and reading a typical file take about 4 ms of
the start (2.5 ms with no file), which an A/B of benchmark 5 cannot tell from noise: the line
numbers are worked out only when a message needs them, and tomlkit is never loaded to read.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from jobtui.data import values
from jobtui.data.settings import Location, Settings, SlurmLocation, SshLocation
from jobtui.data.values import InvalidValue, shown

if TYPE_CHECKING:
    from jobtui.data.toml_lines import KeyPath

CONFIG_NAME = "config.toml"


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/jobtui``, or ``~/.config/jobtui``."""
    env = os.environ if environ is None else environ
    home = env.get("XDG_CONFIG_HOME", "")
    # The XDG spec says a relative path there is invalid and must be ignored.
    base = Path(home) if os.path.isabs(home) else Path.home() / ".config"
    return base / "jobtui"


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where jobtui reads (and writes) its settings."""
    return config_dir(environ) / CONFIG_NAME


class Source(enum.Enum):
    """Where a setting's value came from."""

    DEFAULT = "default"
    FILE = "file"
    ENVIRONMENT = "environment"


class Origin(NamedTuple):
    """Where one setting's value came from: the default, a line of the file, or a variable.

    (Named tuples here, not dataclasses: making a dataclass costs about half a millisecond of
    every start.)
    """

    source: Source
    where: str = ""
    line: int | None = None
    #: The file's key (for its line, found when asked for).
    key: KeyPath = ()

    def __str__(self) -> str:
        if self.source is Source.DEFAULT:
            return "default"
        if self.source is Source.ENVIRONMENT:
            return f"${self.where}"
        return f"{self.where}:{self.line}" if self.line else self.where


DEFAULT = Origin(Source.DEFAULT)


class Problem(NamedTuple):
    """Something wrong in the settings: where (the file and line, or a variable), which key,
    and what (with what is used instead)."""

    where: str
    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return self._text(self.where)

    def brief(self) -> str:
        """The problem with the file's name, not its whole path (for a notice one line long)."""
        return self._text(os.path.basename(self.where))

    def _text(self, where: str) -> str:
        place = f"{where}:{self.line}" if self.line else where
        return f"{place}: {self.key}: {self.message}" if self.key else f"{place}: {self.message}"


class _Setting(NamedTuple):
    """One top-level setting: how the file's value is read, and its variable's text."""

    name: str
    from_toml: Callable[[Any], Any]
    from_env: Callable[[str], Any]

    @property
    def variable(self) -> str:
        return f"JOBTUI_{self.name.upper()}"


SETTINGS: tuple[_Setting, ...] = (
    _Setting("keep", values.boolean, values.boolean_text),
    _Setting("grace", values.seconds, values.seconds_text),
    _Setting("spill_dir", values.existing_directory, values.existing_directory),
    _Setting("history_dir", values.directory, values.directory),
    _Setting("disk_budget", values.size, values.size_text),
    _Setting("columns", values.columns, values.columns_text),
    _Setting("theme", values.name, values.name),
    _Setting("mouse", values.boolean, values.boolean_text),
    _Setting("notify_toast", values.boolean, values.boolean_text),
    _Setting("notify_bell", values.boolean, values.boolean_text),
    _Setting("notify_desktop", values.desktop_notice, values.desktop_notice),
    _Setting("notify_hook", values.hook, values.hook),
    _Setting("idle_timeout", values.duration, values.duration_text),
)
_BY_NAME = {setting.name: setting for setting in SETTINGS}
#: The environment variable of each setting that has one (the tables, keymap and locations,
#: have none).
VARIABLES = {setting.variable: setting.name for setting in SETTINGS}

#: Each kind of location's fields: name -> (how it is read, whether it is required).
_LOCATION_FIELDS: dict[str, dict[str, tuple[Callable[[Any], Any], bool]]] = {
    "ssh": {
        "host": (values.text, True),
        "user": (values.text, False),
        "port": (values.port, False),
        "identity_file": (values.file_path, False),
    },
    "slurm": {
        "host": (values.text, False),
        "partition": (values.text, False),
        "account": (values.text, False),
        "qos": (values.text, False),
        "time": (values.slurm_time, False),
        "cpus": (values.positive, False),
        "memory": (values.memory, False),
        "gpus": (values.count, False),
    },
}
_LOCATION_CLASSES: dict[str, type[SshLocation] | type[SlurmLocation]] = {
    "ssh": SshLocation,
    "slurm": SlurmLocation,
}
#: Names a location may not take: the one this machine's jobs show.
RESERVED_LOCATIONS = frozenset({"localhost"})
_SYNTAX_POSITION = r"\s*\(at line (\d+), column (\d+)\)$"


class LoadedConfig:
    """The effective settings, where each came from, and what was wrong.

    (A plain class, not a dataclass: making one costs every start half a millisecond.)
    """

    def __init__(
        self,
        settings: Settings,
        path: Path,
        *,
        exists: bool = False,
        origins: Mapping[str, Origin] | None = None,
        problems: tuple[Problem, ...] = (),
        text: str = "",
    ) -> None:
        self.settings = settings
        self.path = path
        #: Whether the file exists (no file: the defaults, and no problem).
        self.exists = exists
        #: Setting name -> origin; also ``keymap.ID`` and ``locations.NAME`` for each entry.
        self.origins: Mapping[str, Origin] = origins or {}
        self.problems = problems
        #: The file's text, for the lines of keys.
        self.text = text

    @cached_property
    def _lines(self) -> dict[KeyPath, int]:
        from jobtui.data.toml_lines import key_lines  # only when a line is asked for

        return key_lines(self.text)

    def line_of(self, *path: str) -> int | None:
        """The line of the file that writes ``path`` (e.g. ``"keymap", "jobs.stop"``)."""
        if not self.text:
            return None
        from jobtui.data.toml_lines import line_of

        return line_of(self._lines, path)

    def origin(self, name: str) -> Origin:
        """Where the setting (or ``keymap.ID``, ``locations.NAME``) came from, with its line."""
        origin = self.origins.get(name, DEFAULT)
        if origin.source is Source.FILE and origin.line is None:
            origin = origin._replace(line=self.line_of(*origin.key))
        return origin

    def problem_at(self, path: KeyPath, message: str) -> Problem:
        """A problem with the file's key at ``path``, with its line."""
        return Problem(str(self.path), ".".join(path), message, self.line_of(*path))

    def summary(self) -> str | None:
        """The one line that says what was wrong (None: nothing)."""
        return problems_summary(self.problems)


def problems_summary(problems: Sequence[Problem], *, brief: bool = False) -> str | None:
    """One line for the user: the first problem, and how many more (None: no problems).
    ``brief`` names the file without its directory (a notice has room for one short line)."""
    if not problems:
        return None
    more = len(problems) - 1
    tail = f" (and {more} more: jobtui config check)" if more else ""
    first = problems[0].brief() if brief else str(problems[0])
    return f"Settings: {first}{tail}"


class _Reader:
    """Builds a LoadedConfig: defaults, then the file's values, then the environment's."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.values: dict[str, Any] = {}
        self.origins: dict[str, Origin] = {}
        #: Each problem, with the key path whose line it needs (found when it is reported).
        self.problems: list[tuple[KeyPath, Problem]] = []
        self.text = ""

    def fail(self, path: KeyPath, message: str) -> None:
        self.problems.append((path, Problem(str(self.path), ".".join(path), message)))

    def found(self, name: str, path: KeyPath) -> None:
        self.origins[name] = Origin(Source.FILE, str(self.path), key=path)

    def read_file(self) -> bool:
        """The file's settings; False if there is no file."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return False
        except OSError as exc:
            self.problems.append(
                ((), Problem(str(self.path), "", f"not read: {exc.strerror}; all defaults"))
            )
            return True
        import tomllib  # only when there is a file to read

        try:
            self.text = data.decode("utf-8")
            document = tomllib.loads(self.text)
        except UnicodeDecodeError as exc:
            self.problems.append(
                ((), Problem(str(self.path), "", f"not UTF-8 text ({exc}); all defaults"))
            )
            return True
        except tomllib.TOMLDecodeError as exc:
            message, line = str(exc), None
            position = re.search(_SYNTAX_POSITION, message)
            if position:
                message = f"{message[: position.start()]} (column {position.group(2)})"
                line = int(position.group(1))
            problem = Problem(str(self.path), "", f"not valid TOML: {message}; all defaults", line)
            self.problems.append(((), problem))
            return True
        self._read_document(document)
        return True

    def _read_document(self, document: dict[str, Any]) -> None:
        for key, value in document.items():
            if key == "keymap":
                self._read_keymap(value)
            elif key == "locations":
                self._read_locations(value)
            elif key in _BY_NAME:
                try:
                    self.values[key] = _BY_NAME[key].from_toml(value)
                except InvalidValue as exc:
                    self.fail((key,), f"{exc}; the default is used")
                else:
                    self.found(key, (key,))
            else:
                known = ", ".join([*_BY_NAME, "keymap", "locations"])
                self.fail((key,), f"no such setting (the settings: {known})")

    def _read_keymap(self, table: Any) -> None:
        if not isinstance(table, dict):
            self.fail(("keymap",), "expected a table of binding ids and keys ([keymap])")
            return
        keymap: dict[str, str] = {}
        # ``jobs.stop = "t"`` (unquoted) is a dotted key, which TOML reads as nested tables.
        for parts, keys in _flatten((), table):
            binding_id, path = ".".join(parts), ("keymap", *parts)
            try:
                keymap[binding_id] = values.keys(keys)
            except InvalidValue as exc:
                self.fail(path, f"{exc}; the built-in keys are kept")
            else:
                self.found(f"keymap.{binding_id}", path)
        self.values["keymap"] = keymap

    def _read_locations(self, table: Any) -> None:
        if not isinstance(table, dict):
            self.fail(("locations",), "expected tables such as [locations.gpu]")
            return
        locations: list[Location] = []
        for name, entry in table.items():
            location = self._location(name, entry)
            if location is not None:
                locations.append(location)
                self.found(f"locations.{name}", ("locations", name))
        self.values["locations"] = tuple(locations)

    def _location(self, name: str, entry: Any) -> Location | None:
        """One ``[locations.NAME]`` table as a location; None (and problems) if it is wrong."""
        path = ("locations", name)
        ignored = f"location {shown(name)} ignored"
        if name in RESERVED_LOCATIONS or not name.strip():
            self.fail(path, f"{shown(name)} is the name of this machine's jobs; {ignored}")
            return None
        if not isinstance(entry, dict):
            self.fail(path, f'expected a table with kind = "ssh" or "slurm"; {ignored}')
            return None
        kind = entry.get("kind")
        if kind not in _LOCATION_FIELDS:
            got = shown(kind) if kind is not None else "nothing"
            self.fail((*path, "kind"), f'expected "ssh" or "slurm", got {got}; {ignored}')
            return None
        fields = _LOCATION_FIELDS[kind]
        read: dict[str, Any] = {}
        failed = len(self.problems)
        for key, value in entry.items():
            if key == "kind":
                continue
            if key not in fields:
                known = ", ".join(fields)
                self.fail((*path, key), f"no such field for {kind} ({known}); {ignored}")
                continue
            try:
                read[key] = fields[key][0](value)
            except InvalidValue as exc:
                self.fail((*path, key), f"{exc}; {ignored}")
        for key, (_, required) in fields.items():
            if required and key not in entry:
                self.fail(path, f"{kind} needs {key}; {ignored}")
        if len(self.problems) > failed:
            return None
        return _LOCATION_CLASSES[kind](name=name, **read)

    def read_environment(self, environ: Mapping[str, str]) -> None:
        """``JOBTUI_*`` over the file's values; Textual's own ``TEXTUAL_THEME`` under them."""
        textual_theme = environ.get("TEXTUAL_THEME", "").strip()
        if "theme" not in self.values and textual_theme:
            self.values["theme"] = textual_theme
            self.origins["theme"] = Origin(Source.ENVIRONMENT, "TEXTUAL_THEME")
        for variable, name in VARIABLES.items():
            text = environ.get(variable)
            if text is None:
                continue
            try:
                self.values[name] = _BY_NAME[name].from_env(text)
            except InvalidValue as exc:
                kept = "the file's value" if name in self.values else "the default"
                self.problems.append(((), Problem(variable, "", f"{exc}; {kept} is used")))
            else:
                self.origins[name] = Origin(Source.ENVIRONMENT, variable)

    def result(self, exists: bool) -> LoadedConfig:
        """The settings read; the problems get their lines (the file is scanned only if any
        problem needs one)."""
        loaded = LoadedConfig(
            Settings(**self.values),
            self.path,
            exists=exists,
            origins=dict(self.origins),
            text=self.text,
        )
        loaded.problems = tuple(
            problem._replace(line=loaded.line_of(*path)) if path else problem
            for path, problem in self.problems
        )
        return loaded


def _flatten(prefix: KeyPath, table: dict[str, Any]) -> Iterable[tuple[KeyPath, Any]]:
    """Nested tables' leaves as (key path, value)."""
    for key, value in table.items():
        full = (*prefix, key)
        if isinstance(value, dict):
            yield from _flatten(full, value)
        else:
            yield full, value


def load_config(environ: Mapping[str, str] | None = None, path: Path | None = None) -> LoadedConfig:
    """The effective settings: defaults, then ``path`` (config.toml), then ``JOBTUI_*``."""
    env = os.environ if environ is None else environ
    reader = _Reader(path or config_path(env))
    exists = reader.read_file()
    reader.read_environment(env)
    return reader.result(exists)
