"""The user's pager and editor, run in the terminal the app hands over (``App.suspend``).

This is the one place outside ``engine/local`` that starts a process (pyproject.toml's
contract names it): not a job, but the program the user asked to read a transcript with, in
the foreground, on the app's own terminal. The transcript is written to a temporary file first
(in a worker: it may be a gigabyte), as ``less`` and ``vi`` want a file to seek in.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from jobtui.service import LineSource

#: Lines read from the transcript at a time while it is written out.
CHUNK = 10_000


def pager_command(path: Path, line: int | None = None) -> list[str]:
    """``$PAGER`` (``less`` if unset) on ``path``; ``less`` opens at ``line`` (1-based)."""
    words = shlex.split(os.environ.get("PAGER") or "less")
    if line is not None and Path(words[0]).name == "less":
        words.append(f"+{line}g")
    return [*words, str(path)]


def editor_command(path: Path, line: int) -> list[str]:
    """``$VISUAL`` or ``$EDITOR`` (``vi`` if neither) on ``path`` at ``line`` (1-based): ``+N``
    is what vi, vim, nano, emacs, micro and kak all read."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    return [*shlex.split(editor), f"+{line}", str(path)]


def write_transcript(source: LineSource, name: str) -> Path:
    """Every line of ``source`` in a new temporary file (the caller deletes it)."""
    handle, path = tempfile.mkstemp(prefix=f"jobtui-{name}-", suffix=".log")
    with os.fdopen(handle, "w", encoding="utf-8", errors="replace") as out:
        start, count = 0, source.line_count
        while start < count:
            lines = source.lines(start, min(count, start + CHUNK))
            if not lines:
                break
            out.writelines(f"{text}\n" for _, text in lines)
            start += len(lines)
    return Path(path)


def run_in_terminal(command: list[str]) -> str | None:
    """Run ``command`` to its end on this terminal; one line of error, or None."""
    try:
        status = subprocess.run(command, check=False).returncode
    except OSError as error:
        return f"Could not run {command[0]}: {error.strerror or error}"
    return None if status == 0 else f"{command[0]} exited with status {status}"
