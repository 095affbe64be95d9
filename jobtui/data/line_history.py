"""The command bar's history: the lines typed, kept in a file between runs. No widgets here."""

from __future__ import annotations

from pathlib import Path

#: Lines kept; the file is rewritten to this many when it grows to twice as long.
DEFAULT_LIMIT = 1000


class CommandHistory:
    """Lines typed into the bar, oldest first, appended to a file as they are entered.

    A file that cannot be read or written never stops the app: the history then lives in memory
    and ``error`` says why, for the UI to show once.
    """

    def __init__(self, path: Path | None, *, limit: int = DEFAULT_LIMIT) -> None:
        self.path = path
        self.limit = limit
        self.entries: list[str] = []
        self.error: str | None = None
        self._lines_in_file = 0
        self._load()

    def _load(self) -> None:
        if self.path is None:
            return
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return
        except OSError as exc:
            self.error = f"History not read from {self.path}: {exc.strerror or exc}"
            return
        lines = [line for line in text.splitlines() if line.strip()]
        self._lines_in_file = len(lines)
        self.entries = lines[-self.limit :]

    def add(self, line: str) -> None:
        """Remember ``line`` (not twice in a row, never blank) and append it to the file."""
        line = line.strip()
        if not line or "\n" in line or (self.entries and self.entries[-1] == line):
            return
        self.entries.append(line)
        if len(self.entries) > self.limit:
            del self.entries[: len(self.entries) - self.limit]
        self._save(line)

    def _save(self, line: str) -> None:
        if self.path is None or self.error is not None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self._lines_in_file >= 2 * self.limit:
                self.path.write_text("".join(f"{e}\n" for e in self.entries), encoding="utf-8")
                self._lines_in_file = len(self.entries)
            else:
                with self.path.open("a", encoding="utf-8") as file:
                    file.write(f"{line}\n")
                self._lines_in_file += 1
        except OSError as exc:
            self.error = f"History not saved to {self.path}: {exc.strerror or exc}"
