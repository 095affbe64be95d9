"""Writing a setting into config.toml, keeping the user's comments, order and layout.

``tomlkit`` (about 20 ms to import) is loaded only here, when the app saves something: reading
never needs it. The file is replaced whole (a new file renamed over the old), so a crash cannot
leave half a file behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class ConfigNotSaved(Exception):
    """The setting could not be written; the text says why, in one line."""


def save_setting(path: Path, key: str, value: str | bool | int | float) -> None:
    """Set the top-level ``key = value`` in the TOML file at ``path`` (made if missing).

    A file that is not valid TOML is left as it is: rewriting it would lose what the user is
    in the middle of writing.
    """
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigNotSaved(f"{path} not read: {_why(exc)}") from exc
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ConfigNotSaved(f"{path} is not valid TOML, so it was left alone ({exc})") from exc
    # A new key goes among the top-level ones, before the first table (tomlkit sees to it):
    # after a table it would belong to that table.
    document[key] = value
    _replace(path, tomlkit.dumps(document))


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to a new file beside ``path``, then rename it over ``path``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(text)
            if path.exists():
                os.chmod(temporary, path.stat().st_mode & 0o777)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ConfigNotSaved(f"{path} not written: {_why(exc)}") from exc


def _why(exc: Exception) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
