"""Where jobtui's own errors go: a log file in the state directory, and a one-line notice.

Engine threads log their failures (a job listener or a reactor callback that raised). With no
handler configured, Python's last-resort handler would print them to stderr, over the screen.
:func:`start_logging` sends every record to a file beside the history instead, and hands error
records to an :class:`ErrorNotices` queue that the app drains on its timer to say where to look.
The handler only appends to a deque, so any thread may log and no widget is touched from one.
"""

from __future__ import annotations

import logging
from collections import deque
from pathlib import Path

#: How a record is written to the log file.
LOG_FORMAT = "%(asctime)s %(levelname)s [%(threadName)s] %(name)s: %(message)s"


class ErrorNotices(logging.Handler):
    """Error records kept for the UI to announce: appended by any thread, drained by the UI."""

    def __init__(self, log_path: Path | None, *, limit: int = 100) -> None:
        super().__init__(logging.ERROR)
        #: The file with the whole records (None when it could not be opened).
        self.log_path = log_path
        self._records: deque[logging.LogRecord] = deque(maxlen=limit)

    def emit(self, record: logging.LogRecord) -> None:
        """Keep ``record`` (deque.append is atomic: no lock, no widget)."""
        self._records.append(record)

    def drain(self) -> list[logging.LogRecord]:
        """Take the records kept so far, oldest first."""
        taken: list[logging.LogRecord] = []
        while True:
            try:
                taken.append(self._records.popleft())
            except IndexError:
                return taken

    def notice(self, records: list[logging.LogRecord]) -> str:
        """One line for the user about ``records``."""
        what = "an internal error" if len(records) == 1 else f"{len(records)} internal errors"
        if self.log_path is not None:
            return f"jobtui: {what}, see {_short(self.log_path)}"
        return f"jobtui: {what}: {records[-1].getMessage()}"


def _short(path: Path) -> str:
    """``path`` with the home directory as ``~`` (the notice has one line)."""
    try:
        return f"~/{path.relative_to(Path.home())}"
    except ValueError:
        return str(path)


class AppLogging:
    """The handlers :func:`start_logging` installed, to take them away again."""

    def __init__(self, notices: ErrorNotices, file_handler: logging.Handler | None) -> None:
        self.notices = notices
        self._file_handler = file_handler

    def close(self) -> None:
        """Remove the handlers from the root logger and close the file."""
        root = logging.getLogger()
        root.removeHandler(self.notices)
        if self._file_handler is not None:
            root.removeHandler(self._file_handler)
            self._file_handler.close()


def start_logging(path: Path) -> AppLogging:
    """Send log records to ``path`` (made if missing) and error records to an ErrorNotices.

    If the file cannot be opened the notices still work; they then quote the error itself.
    """
    root = logging.getLogger()
    file_handler: logging.Handler | None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        file_handler = None
    else:
        file_handler.setFormatter(logging.Formatter(LOG_FORMAT))
        root.addHandler(file_handler)
    notices = ErrorNotices(path if file_handler is not None else None)
    root.addHandler(notices)
    return AppLogging(notices, file_handler)
