"""Select-String's result: PowerShell's MatchInfo, with a job's transcript in place of a file.

A hit in a job prints as PowerShell prints a hit in a file, the job's name standing for the
path: ``Job3:1042:the line``. A hit in a string piped in prints as PowerShell prints one, the
line alone. With ``-Context``, the matching line is marked ``>`` and its context lines are
indented by two spaces; a line is shown once even when two hits' contexts overlap (PowerShell's
DisplayPreContext and DisplayPostContext).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jobtui.engine import Stream

#: What PowerShell calls the source of a line piped in rather than read from a file.
INPUT_STREAM = "InputStream"


@dataclass
class MatchInfo:
    """One matching line (or, with -NotMatch, one line that does not match)."""

    line: str
    line_number: int
    #: The job's name for a hit in a transcript, INPUT_STREAM for a string piped in.
    path: str
    pattern: str
    #: The matched text of the line's match(es) (every one with -AllMatches).
    matches: list[str] = field(default_factory=list)
    #: The context lines shown before and after it (no line shown twice).
    pre_context: list[str] = field(default_factory=list)
    post_context: list[str] = field(default_factory=list)
    #: Whether -Context was given (the line is then marked ``>`` even without context lines).
    with_context: bool = False
    ignore_case: bool = True
    #: For a hit in a transcript: the job, the stream and the arrival time of its line.
    job_id: int | None = None
    stream: Stream | None = None
    time: float | None = None

    @property
    def from_pipeline(self) -> bool:
        """Whether the line came down the pipeline as a string (no file, no job)."""
        return self.job_id is None

    def _format(self, text: str, number: int, prefix: str) -> str:
        if self.from_pipeline:
            return f"{prefix}{text}"
        return f"{prefix}{self.path}:{number}:{text}"

    def display_lines(self) -> list[str]:
        """The lines it prints as, PowerShell's MatchInfo.ToString()."""
        if not self.with_context:
            return [self._format(self.line, self.line_number, "")]
        number = self.line_number - len(self.pre_context)
        lines = []
        for text in self.pre_context:
            lines.append(self._format(text, number, "  "))
            number += 1
        lines.append(self._format(self.line, number, "> "))
        number += 1
        for text in self.post_context:
            lines.append(self._format(text, number, "  "))
            number += 1
        return lines

    def __str__(self) -> str:
        return "\n".join(self.display_lines())

    def member(self, key: str) -> Any:
        """``$match.LineNumber`` and the other MatchInfo properties, by lower-case name."""
        members: dict[str, Any] = {
            "line": self.line,
            "linenumber": self.line_number,
            "path": self.path,
            "filename": self.path,
            "pattern": self.pattern,
            "matches": list(self.matches),
            "ignorecase": self.ignore_case,
            "context": {"PreContext": self.pre_context, "PostContext": self.post_context},
            # jobtui's own: where in the transcript the line is.
            "jobid": self.job_id,
            "stream": None if self.stream is None else self.stream.name,
            "time": None if self.time is None else datetime.fromtimestamp(self.time),
        }
        return members.get(key)
