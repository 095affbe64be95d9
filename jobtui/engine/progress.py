"""Progress read from a job's output: the last ``\\r``-separated piece of its last line, parsed.

Programs draw progress by rewriting one line with carriage returns: tqdm, pip, curl, wget,
rsync, docker pull and cargo all do. Nothing of this runs on the capture path: the engine keeps
bytes as they come, and a record is parsed only when someone reads ``Progress``, from the last
few KiB of each stream, whatever the size of the transcript.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: How much of the end of a stream is read to find its last progress line.
TAIL_BYTES = 4096

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_PERCENT = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)\s?%")
#: curl's meter: "% Total % Received % Xferd ...", the first column is the percentage.
_CURL = re.compile(r"^\s*(\d{1,3})\s+\d+(?:\.\d+)?[kMGTP]?\s+\d{1,3}\s")
#: "42/100", "5.2/10.1 MB", docker's "42.1MB/100MB" (a unit on either side).
_COUNT = re.compile(
    r"(?<![\d.])(\d+(?:\.\d+)?)\s*([kKMGT]i?B)?\s*/\s*(\d+(?:\.\d+)?)\s*([kKMGT]i?B)?(?![\d.])"
)
_UNITS = {"k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
#: What draws a bar (tqdm's and pip's blocks, wget's and docker's [===>  ], curl's ###).
_BAR = re.compile(r"[█▏▎▍▌▋▊▉━╸╺╾╼▕▐░▒▓■□]+|\[[=#>\-. ]*\]|\|[█▏▎▍▌▋▊▉ #]*\||#{3,}")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class ProgressRecord:
    """PowerShell's ProgressRecord: what ``$job.ChildJobs[0].Progress`` holds."""

    #: What is in progress: the text before the bar (a file name, "Downloading", tqdm's desc).
    activity: str
    #: The whole progress line, bars taken out (counts, speed, time left).
    status_description: str
    #: 0 to 100; -1 when the line says how far but not of how much.
    percent_complete: int

    def __str__(self) -> str:
        return (
            f"{self.activity}: {self.status_description}"
            if self.activity
            else (self.status_description)
        )

    def get_property(self, name: str) -> object:
        """A member by its PowerShell name, in any case; None for one it does not have."""
        return {
            "activity": self.activity,
            "statusdescription": self.status_description,
            "percentcomplete": self.percent_complete,
        }.get(name.lower())


def last_piece(text: str) -> str:
    """The last non-empty ``\\r``- or ``\\n``-separated piece of ``text``, escapes taken out."""
    for piece in reversed(re.split(r"[\r\n]", text)):
        clean = _ANSI.sub("", piece).strip()
        if clean:
            return clean
    return ""


def parse_progress(text: str) -> ProgressRecord | None:
    """The progress the end of ``text`` shows, or None if its last piece shows none."""
    line = last_piece(text)
    if not line:
        return None
    percent: float | None = None
    start = len(line)
    for match in _PERCENT.finditer(line):
        number = float(match.group(1))
        if number <= 100:
            percent, start = number, match.start()
    if percent is None and (curl := _CURL.match(line)) and int(curl.group(1)) <= 100:
        percent, start = float(curl.group(1)), curl.start(1)
    if percent is None:
        for count in _COUNT.finditer(line):
            total_unit = count.group(4) or count.group(2)
            done = float(count.group(1)) * _scale(count.group(2) or total_unit)
            total = float(count.group(3)) * _scale(total_unit)
            if 0 <= done <= total and total > 0:
                percent, start = 100 * done / total, count.start()
    if percent is None:
        return None
    bar = _BAR.search(line)
    if bar is not None and bar.start() < start:
        start = bar.start()
    activity = line[:start].strip().rstrip(":|").strip()
    if not re.search(r"[^\W\d_]", activity):
        activity = ""  # rsync's byte count before the percentage is not an activity
    rest = line[start:] if activity else line
    status = _SPACES.sub(" ", _BAR.sub(" ", rest)).strip()
    return ProgressRecord(activity, status, int(percent))


def _scale(unit: str | None) -> float:
    return _UNITS.get(unit[0], 1.0) if unit else 1.0
