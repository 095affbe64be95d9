"""What the output pane's search keeps of a search, apart from widgets: the regex that
highlights, the matches in order with the one the cursor is on, a filtered view of a
transcript, and the times a "go to time" box understands.

The search itself runs in the service (it is the same pattern: smart case, literal unless
regex); the view needs its own regex only to paint the matches on the lines it draws.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from jobtui.service import LineSource


class PatternError(ValueError):
    """A regex that does not compile: one line for the search box."""


def pattern_regex(pattern: str, *, regex: bool) -> re.Pattern[str] | None:
    """The regex that finds ``pattern`` in a line as the service's search does (smart case:
    a capital letter makes it case-sensitive); None for an empty pattern."""
    if not pattern:
        return None
    flags = 0 if any(c.isupper() for c in pattern) else re.IGNORECASE
    try:
        return re.compile(pattern if regex else re.escape(pattern), flags)
    except re.error as error:
        where = f" at position {error.pos}" if error.pos is not None else ""
        raise PatternError(f"Not a valid regex: {error.msg}{where}") from None
    except (OverflowError, RecursionError, ValueError) as error:
        raise PatternError(f"Not a valid regex: {error}") from None


class MatchList:
    """The lines that match, in transcript order, and which one is current (``k of N``)."""

    def __init__(self) -> None:
        self.lines: list[int] = []
        #: Matching lines found, listed or not (the service's count).
        self.count = 0
        self.current: int | None = None

    def add(self, lines: Iterable[int]) -> None:
        """More matches, each after those already known."""
        self.lines.extend(lines)

    def after(self, line: int, *, inclusive: bool = False) -> int | None:
        """The index of the first match after ``line`` (at it, if ``inclusive``)."""
        find = bisect.bisect_left if inclusive else bisect.bisect_right
        index = find(self.lines, line)
        return index if index < len(self.lines) else None

    def before(self, line: int, *, inclusive: bool = False) -> int | None:
        """The index of the last match before ``line`` (at it, if ``inclusive``)."""
        find = bisect.bisect_right if inclusive else bisect.bisect_left
        index = find(self.lines, line) - 1
        return index if index >= 0 else None

    def step(self, line: int, *, forward: bool) -> tuple[int | None, bool]:
        """The match after (or before) ``line``, going round at the end; and whether it went
        round."""
        if not self.lines:
            return None, False
        index = self.after(line) if forward else self.before(line)
        if index is not None:
            return index, False
        return (0 if forward else len(self.lines) - 1), True

    def label(self) -> str:
        """``k of N`` (``N matches`` before a match is chosen)."""
        count = max(self.count, len(self.lines))
        if self.current is None:
            return f"{count:,} match{'' if count == 1 else 'es'}"
        return f"{self.current + 1:,} of {count:,}"


SEPARATOR = "--"


class FilteredSource:
    """Only the lines of ``source`` that match, with ``context`` lines around each (with
    context, grep's ``--`` between groups that are not adjacent): what ``&`` shows.

    ``shown[i]`` is the transcript line of view line ``i``, or -1 for a separator.
    """

    def __init__(self, source: LineSource, matches: MatchList, context: int = 0) -> None:
        self.source = source
        self.matches = matches
        self.context = context
        self.shown: list[int] = []
        #: The transcript lines shown (no separators), and the view line of each.
        self._numbers: list[int] = []
        self._at: list[int] = []
        self._taken = 0
        self._version = 0
        self.generation = 0

    def refresh(self) -> None:
        """Take the matches found since the last call."""
        lines = self.matches.lines
        if self._taken == len(lines):
            return
        shown, numbers, at = self.shown, self._numbers, self._at
        last = numbers[-1] if numbers else -1
        context = self.context
        # Context after the last line written is not shown (the job may write it later).
        end = self.source.line_count - 1
        for line in lines[self._taken :]:
            low = max(0, line - context, last + 1)
            high = min(line + context, max(end, line))
            if low > high:
                continue
            if context and numbers and low > last + 1:
                shown.append(-1)
            for number in range(low, high + 1):
                at.append(len(shown))
                numbers.append(number)
                shown.append(number)
            last = high
        self._taken = len(lines)
        self._version += 1

    def set_context(self, context: int) -> None:
        """Show ``context`` lines around each match (every index moves)."""
        self.context = max(0, context)
        self.shown, self._numbers, self._at = [], [], []
        self._taken = 0
        self.generation += 1
        self.refresh()

    @property
    def line_count(self) -> int:
        """Lines shown, separators included."""
        return len(self.shown)

    @property
    def version(self) -> int:
        """Changes with new matches, and with the transcript (a context line written late)."""
        return self._version * 1_000_003 + self.source.version

    def lines(self, start: int, stop: int) -> list[tuple[str, str]]:
        """The shown lines, read from the transcript a run of adjacent lines at a time."""
        wanted = self.shown[start:stop]
        result: list[tuple[str, str]] = []
        i = 0
        while i < len(wanted):
            first = wanted[i]
            if first < 0:
                result.append(("info", SEPARATOR))
                i += 1
                continue
            j = i
            while j + 1 < len(wanted) and wanted[j + 1] == wanted[j] + 1:
                j += 1
            got = self.source.lines(first, wanted[j] + 1)
            got += [("output", "")] * (j + 1 - i - len(got))  # context not written yet
            result.extend(got)
            i = j + 1
        return result

    def unread_from(self) -> None:
        """No receive mark: a filtered view does not show everything a receive would take."""
        return None

    def view_line(self, line: int) -> int | None:
        """The view line that shows transcript line ``line``, or the first shown after it."""
        index = bisect.bisect_left(self._numbers, line)
        return self._at[index] if index < len(self._at) else None

    def transcript_line(self, view_line: int) -> int | None:
        """The transcript line that view line ``view_line`` shows (None: a separator)."""
        if 0 <= view_line < len(self.shown) and self.shown[view_line] >= 0:
            return self.shown[view_line]
        return None


_AGO = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?)\s*(?:ago)?\s*$",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


class TimeError(ValueError):
    """A time the box does not understand: one line for the user."""


def parse_when(text: str, now: datetime) -> datetime:
    """``10 minutes ago``, ``90s``, ``2h``, or a clock time today (``14:05``, ``14:05:30``; a
    time later than now is yesterday's)."""
    ago = _AGO.match(text)
    if ago:
        amount, unit = float(ago.group(1)), ago.group(2).lower()
        seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit[0]]
        return now - timedelta(seconds=amount * seconds)
    clock = _CLOCK.match(text)
    if clock:
        hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise TimeError(f"Not a time of day: {text.strip()}")
        when = now.replace(hour=hour, minute=minute, second=second, microsecond=0)
        return when - timedelta(days=1) if when > now else when
    raise TimeError(f'Not a time: "{text.strip()}" (try "10 minutes ago", "90s" or "14:05")')


def clock_text(when: float) -> str:
    """A line's time as the timestamps column shows it: ``14:05:09.123``."""
    stamp = datetime.fromtimestamp(when)
    return stamp.strftime("%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}"
