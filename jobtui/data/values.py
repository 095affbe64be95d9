"""The kinds of value a setting takes: each read from TOML (typed) or from an environment variable
(text), or refused with a message that says what was expected."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from jobtui.data.settings import COLUMN_NAMES, DesktopNotice

#: The longest grace period accepted, in seconds: beyond it a stop looks like a hang.
MAX_GRACE = 3600.0
# Patterns are compiled when first used (``re`` caches them): compiling them all at import
# cost a millisecond of every start.
_SIZE = r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*"
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class InvalidValue(ValueError):
    """A value a setting cannot take; the text says what it takes."""


def shown(value: object) -> str:
    """A value as the user wrote it, for messages: strings quoted, TOML's booleans lower-case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a table"
    return repr(value)


def boolean(value: object) -> bool:
    """``true`` or ``false``."""
    if isinstance(value, bool):
        return value
    raise InvalidValue(f"expected true or false, got {shown(value)}")


def boolean_text(text: str) -> bool:
    """1/0, true/false, yes/no, on/off (any case)."""
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise InvalidValue(f"expected 1 or 0 (true/false, yes/no, on/off), got {shown(text)}")


def seconds(value: object) -> float:
    """A number of seconds from 0 to :data:`MAX_GRACE`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValue(f"expected a number of seconds, got {shown(value)}")
    if not 0 <= value <= MAX_GRACE:
        raise InvalidValue(f"expected 0 to {MAX_GRACE:g} seconds, got {value:g}")
    return float(value)


def seconds_text(text: str) -> float:
    """A number of seconds, written as text."""
    try:
        number = float(text)
    except ValueError:
        raise InvalidValue(f"expected a number of seconds, got {shown(text)}") from None
    return seconds(number)


def duration(value: object) -> float:
    """A positive number of seconds, of any length (an idle timeout: hours are usual)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InvalidValue(f"expected a number of seconds, got {shown(value)}")
    if value <= 0:
        raise InvalidValue(f"expected a positive number of seconds, got {value:g}")
    return float(value)


def duration_text(text: str) -> float:
    """A positive number of seconds, written as text."""
    try:
        number = float(text)
    except ValueError:
        raise InvalidValue(f"expected a number of seconds, got {shown(text)}") from None
    return duration(number)


def _path(value: object) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(f"expected a directory's path, got {shown(value)}")
    path = Path(os.path.expanduser(value.strip()))
    if not path.is_absolute():
        raise InvalidValue(f"expected an absolute path (or one under ~), got {shown(value)}")
    return path


def directory(value: object) -> Path:
    """The absolute path of a directory that may not exist yet (it is made when first used)."""
    return _path(value)


def existing_directory(value: object) -> Path:
    """The absolute path of a directory that exists."""
    path = _path(value)
    if not path.is_dir():
        raise InvalidValue(f"no such directory: {path}")
    return path


def size(value: object) -> int:
    """A number of bytes: an integer, or text such as ``"500M"`` or ``"20G"`` (powers of 1024)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number: float = value
    elif isinstance(value, str) and (match := re.fullmatch(_SIZE, value, re.IGNORECASE)):
        number = float(match.group(1)) * _UNITS[match.group(2).upper()]
    else:
        raise InvalidValue(f'expected bytes or a size such as "20G", got {shown(value)}')
    if number < 1:
        raise InvalidValue(f"expected a size of at least one byte, got {shown(value)}")
    return int(number)


def size_text(text: str) -> int:
    """A size written as text: ``"20G"`` or a number of bytes."""
    return size(int(text) if text.strip().isdigit() else text)


def columns(value: object) -> tuple[str, ...]:
    """A list of the job table's column names, each once."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidValue(f"expected a list of column names, got {shown(value)}")
    return column_names(value)


def columns_text(text: str) -> tuple[str, ...]:
    """Column names separated by commas."""
    return column_names([part.strip() for part in text.split(",") if part.strip()])


def column_names(names: Sequence[str]) -> tuple[str, ...]:
    """``names`` checked against the table's columns."""
    if not names:
        raise InvalidValue("expected at least one column")
    unknown = [name for name in names if name not in COLUMN_NAMES]
    if unknown:
        raise InvalidValue(
            f"no column named {', '.join(shown(n) for n in unknown)} "
            f"(the columns: {', '.join(COLUMN_NAMES)})"
        )
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise InvalidValue(f"{', '.join(shown(n) for n in twice)} named more than once")
    return tuple(names)


def name(value: object) -> str:
    """A non-empty name (a theme's, say)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(f"expected a name, got {shown(value)}")
    return value.strip()


def keys(value: object) -> str:
    """Keys for a binding: ``"ctrl+j"``, ``"f5,ctrl+r"`` or a list of them."""
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        value = ",".join(value)
    if not isinstance(value, str):
        raise InvalidValue(f'expected keys such as "ctrl+r" or "f5,r", got {shown(value)}')
    parts = [part.strip() for part in value.split(",")]
    if not all(parts) or any(" " in part for part in parts):
        raise InvalidValue(f'expected keys such as "ctrl+r" or "f5,r", got {shown(value)}')
    return ",".join(parts)


def text(value: object) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(f"expected a string, got {shown(value)}")
    return value.strip()


def desktop_notice(value: object) -> DesktopNotice:
    """``"off"``, ``"osc777"``, ``"osc9"`` or ``"notify-send"``."""
    choices = ", ".join(f'"{kind.value}"' for kind in DesktopNotice)
    if isinstance(value, str):
        for kind in DesktopNotice:
            if kind.value == value.strip().lower():
                return kind
    raise InvalidValue(f"expected one of {choices}, got {shown(value)}")


def hook(value: object) -> str | None:
    """A shell command; an empty string means none."""
    if not isinstance(value, str):
        raise InvalidValue(f"expected a shell command (a string), got {shown(value)}")
    return value.strip() or None


def port(value: object) -> int:
    """A TCP port, 1 to 65535."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise InvalidValue(f"expected a port from 1 to 65535, got {shown(value)}")
    return value


def count(value: object) -> int:
    """A whole number, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(f"expected a whole number, 0 or more, got {shown(value)}")
    return value


def positive(value: object) -> int:
    """A whole number, 1 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValue(f"expected a whole number, 1 or more, got {shown(value)}")
    return value


def file_path(value: object) -> Path:
    """A file's path (``~`` expanded)."""
    return Path(os.path.expanduser(text(value)))


def slurm_time(value: object) -> str:
    """A Slurm time limit: minutes, ``MM:SS``, ``HH:MM:SS`` or ``D-HH[:MM[:SS]]``."""
    written = text(value) if not isinstance(value, int) or isinstance(value, bool) else str(value)
    if not re.fullmatch(r"\d+(?:-\d{1,2})?(?::\d{1,2}){0,2}", written):
        raise InvalidValue(
            f'expected a time limit such as "90", "1:30:00" or "2-00:00:00", got {shown(value)}'
        )
    return written


def memory(value: object) -> str:
    """A Slurm memory request: ``"4G"``, ``"500M"`` (megabytes without a unit)."""
    written = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(written, str) or not re.fullmatch(r"\d+[KMGT]?", written.strip(), re.I):
        raise InvalidValue(f'expected memory such as "4G" or "500M", got {shown(value)}')
    return written.strip().upper()
