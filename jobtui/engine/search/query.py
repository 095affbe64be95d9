"""What a search looks for, and the matchers made from it: literal or regex, with its case rule.

A query is compiled once into a :class:`Matcher`: a ``str`` regex that decides whether a line
matches (and where, for highlighting), plus what the byte scan can use to skip most lines: the
literal's bytes, or for a regex the longest literal every match must contain (its prefilter).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from jobtui.engine.errors import JobError


class CaseMode(enum.Enum):
    """How letter case counts: smart case (less, ripgrep) ignores case unless the pattern has a
    capital letter; PowerShell's Select-String ignores it unless -CaseSensitive."""

    SMART = "smart"
    SENSITIVE = "sensitive"
    INSENSITIVE = "insensitive"


class InvalidPatternError(JobError):
    """The regex does not compile, or it cannot be searched safely; one line for the user."""


@dataclass(frozen=True)
class SearchQuery:
    """One search: the pattern and how to read it."""

    pattern: str
    #: True: the pattern is a literal string (Select-String -SimpleMatch); False: a regex.
    literal: bool = True
    case: CaseMode = CaseMode.SMART
    #: Lines that do not match (Select-String -NotMatch).
    invert: bool = False
    #: Every match in a line, not only the first (Select-String -AllMatches): more spans.
    all_matches: bool = False
    #: Lines of context kept before and after each hit.
    before: int = 0
    after: int = 0
    #: The most hits listed; the count goes on past it. None lists every hit.
    cap: int | None = 100_000
    #: False: hits carry where they are (line, offset, stream, time) but no text or spans,
    #: for a view that draws the lines from the store itself.
    with_text: bool = True

    @property
    def ignore_case(self) -> bool:
        """Whether case is ignored, the case rule applied to this pattern."""
        if self.case is CaseMode.SMART:
            return not any(c.isupper() for c in self.pattern)
        return self.case is CaseMode.INSENSITIVE


@dataclass(frozen=True)
class Matcher:
    """A compiled query: the line test and the byte scan's shortcut."""

    query: SearchQuery
    #: Decides a line (decoded text) and gives the match spans.
    line_regex: re.Pattern[str]
    #: Bytes every matching line contains, found with ``bytes.find``: the literal itself, or a
    #: regex's required literal. None: no shortcut, every line is tested.
    required: bytes | None
    #: The shortcut ignores case: ``required`` is lower case and the scan lowers the text.
    required_folded: bool
    #: The regex nests unbounded repetition (``(a+)+``): Python's backtracking can take hours
    #: on one line, so only a linear-time engine (ripgrep) may run it.
    nested_repetition: bool
    #: The most bytes of one line Python's regex reads at once (see :func:`line_limit`).
    line_limit: int = 4096

    @property
    def is_literal(self) -> bool:
        """Whether a line matches exactly when it contains ``required`` (no regex to run)."""
        return self.query.literal

    def spans(self, text: str) -> tuple[tuple[int, int], ...]:
        """Where the pattern matches in ``text``: the first match, or all with all_matches."""
        if self.nested_repetition:
            return ()
        if not self.query.literal:
            text = text[: self.line_limit]  # the same bound on backtracking as the search's
        if not self.query.all_matches:
            match = self.line_regex.search(text)
            return () if match is None else ((match.start(), match.end()),)
        return tuple((m.start(), m.end()) for m in self.line_regex.finditer(text) if m.end() > 0)


def compile_query(query: SearchQuery) -> Matcher:
    """The matcher for ``query``; :class:`InvalidPatternError` with re's reason if it is bad."""
    flags = re.IGNORECASE if query.ignore_case else 0
    source = re.escape(query.pattern) if query.literal else query.pattern
    try:
        line_regex = re.compile(source, flags)
    except re.error as error:
        raise InvalidPatternError(_invalid(query.pattern, error)) from None
    except (OverflowError, RecursionError, ValueError) as error:
        raise InvalidPatternError(f'The pattern "{query.pattern}" is not valid: {error}') from None
    if query.literal:
        required: str | None = query.pattern or None
        nested = False
    else:
        required = required_literal(query.pattern)
        nested = nests_repetition(query.pattern)
    # Case folding copies and lowers every window it scans (the GIL held throughout); a literal
    # with no letters in it (``4242``, ``: 0x``) finds the same bytes unfolded.
    folded = query.ignore_case and required is not None and required.lower() != required.upper()
    raw = None
    if required is not None:
        raw = (required.lower() if folded else required).encode("utf-8")
        if folded and not required.isascii():
            # Case folding of non-ASCII text changes byte lengths; scan every line instead.
            raw = None
    limit = 0 if query.literal else line_limit(query.pattern)
    return Matcher(query, line_regex, raw, folded, nested, limit)


#: Bytes of a line Python's regex reads at once. ``re`` backtracks: ``a.*b`` is quadratic in a
#: line's length and ``a.*b.*c`` cubic, so one 10 MiB line would take it hours. 4 KiB keeps a
#: quadratic pattern to milliseconds a line; a pattern with two unbounded wildcards gets 512
#: bytes (512³ steps are about a second). Longer lines are read around each place the
#: prefilter literal occurs (see :mod:`.scan`), or in their first bytes only, and the result
#: says so. ripgrep, linear-time, reads every line whole.
REGEX_LINE_LIMIT = 4096
_WILDCARD_LINE_LIMIT = 512
_WILDCARD = re.compile(r"(?:\\[SWD]|\[\^[^\]]*\]|(?<!\\)\.)[*+]")


def line_limit(pattern: str) -> int:
    """How many bytes of a line Python's regex may read at once for ``pattern``."""
    return _WILDCARD_LINE_LIMIT if len(_WILDCARD.findall(pattern)) >= 2 else REGEX_LINE_LIMIT


def _invalid(pattern: str, error: re.error) -> str:
    """PowerShell's words for a bad regex, with re's reason (its .NET one differs anyway)."""
    return f'The string "{pattern}" is not a valid regular expression: {error.msg}' + (
        f" at position {error.pos}." if error.pos is not None else "."
    )


_CLASS_ESCAPES = frozenset("dDwWsSbBAZzntrfv0123456789xuUNpP")


def required_literal(pattern: str) -> str | None:
    """The longest run of plain characters every match of ``pattern`` must contain, if any.

    A small scan of the top level of the pattern: an alternation (``|``) anywhere, or inline
    flags, gives none; a group or class ends a run; ``?``, ``*`` and ``{0,...}`` make the
    character before them optional. Good enough to prefilter ``needle-\\d+`` or
    ``error: .* timed out``; a pattern it does not understand simply gets no prefilter.
    """
    if "|" in pattern or "(?" in pattern:
        return None
    runs: list[str] = []
    run: list[str] = []
    depth = 0
    i = 0
    n = len(pattern)

    def end_run() -> None:
        if run:
            runs.append("".join(run))
            run.clear()

    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            i += 2
            if depth or nxt in _CLASS_ESCAPES or nxt.isalnum():
                end_run()
                continue
            run.append(nxt)
            continue
        if c == "[":
            end_run()
            close = pattern.find("]", i + 2)
            i = n if close < 0 else close + 1
            continue
        if c == "(":
            depth += 1
            end_run()
        elif c == ")":
            depth = max(0, depth - 1)
        elif depth:
            pass
        elif c in "?*":
            if run:
                run.pop()
            end_run()
        elif c == "{":
            close = pattern.find("}", i)
            low = pattern[i + 1 : close].split(",")[0].strip() if close > 0 else ""
            if run and (not low.isdigit() or int(low) == 0):
                run.pop()
            end_run()
            i = n if close < 0 else close + 1
            continue
        elif c == "+" or c in ".^$":
            end_run()
        else:
            run.append(c)
        i += 1
    end_run()
    best = max(runs, key=len, default="")
    return best or None


def nests_repetition(pattern: str) -> bool:
    """Whether a group that holds an unbounded repetition (or an alternation) is itself
    repeated without bound: ``(a+)+``, ``(\\w*)*``, ``(a|aa)+``, the shapes whose backtracking
    is exponential in Python's ``re`` (the classic ReDoS). A textual scan, erring towards yes."""
    stack: list[bool] = []  # per open group: does it hold a repetition or an alternation?
    i = 0
    n = len(pattern)
    last_group_risky = False
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            last_group_risky = False
            continue
        if c == "[":
            close = pattern.find("]", i + 2)
            i = n if close < 0 else close + 1
            last_group_risky = False
            continue
        if c == "(":
            stack.append(False)
        elif c == ")":
            last_group_risky = stack.pop() if stack else False
            if stack and last_group_risky:
                stack[-1] = True
            i += 1
            continue
        elif c in "+*" or (c == "{" and _unbounded_brace(pattern, i)):
            if last_group_risky:
                return True
            if stack:
                stack[-1] = True
        elif c == "|" and stack:
            stack[-1] = True
        last_group_risky = False
        i += 1
    return False


def _unbounded_brace(pattern: str, i: int) -> bool:
    close = pattern.find("}", i)
    if close < 0:
        return False
    body = pattern[i + 1 : close]
    return body.endswith(",") or (body.count(",") == 1 and not body.split(",")[1].strip())
