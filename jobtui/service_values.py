"""The values a search crosses the service's door with: what to look for, and what was found.

They are plain frozen dataclasses of strings, numbers and booleans, so a session host can send
them over a socket as they are. They live apart from the engine's search, which loads only with
the first search (about 15 ms of start-up otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Matches a run lists by default; the count goes on past it.
SEARCH_CAP = 100_000


@dataclass(frozen=True)
class SearchRequest:
    """A search: the pattern (smart case: case counts only if it has a capital letter),
    literal or a regex, over some jobs or all of them."""

    pattern: str
    regex: bool = False
    #: The jobs searched, by id; None: every job, those started while it runs too.
    job_ids: tuple[int, ...] | None = None
    #: Search what there is now and end; by default the search goes on over what the jobs write
    #: after its first pass, until cancelled.
    once: bool = False
    #: The most matches listed; the count goes on past it.
    cap: int = SEARCH_CAP
    #: The matches carry their line numbers, times and streams but no text: the Output pane
    #: draws its lines from the transcript itself. Making the text cost the search's thread
    #: (and the GIL) a decode and a regex per match, and 100,000 matches of up to 2,000
    #: characters each would be hundreds of megabytes over a session host's socket.
    lines_only: bool = False


@dataclass(frozen=True)
class SearchMatch:
    """One matching line of a job's transcript."""

    job_id: int
    #: The line's number in the transcript, 0-based (the output pane's line index).
    line: int
    #: When its record arrived (seconds since the epoch).
    time: float
    #: Written to stderr.
    error: bool
    #: The line, at most a few thousand characters of it.
    text: str


@dataclass(frozen=True)
class SearchUpdate:
    """A run as it is now: the matches not yet fetched, the count, and how far it got."""

    matches: tuple[SearchMatch, ...]
    #: Matching lines found so far (listed or not).
    count: int
    searched_bytes: int
    total_bytes: int
    #: Everything written before the search began has been searched.
    first_pass_done: bool
    #: The run has ended (cancelled, failed, or everything searched once).
    finished: bool
    #: One line for the user: the pattern is bad, or the search stopped.
    error: str | None = None
    notes: tuple[str, ...] = ()
    #: For a ``lines_only`` request, the matches' line numbers (0-based) in place of
    #: ``matches``: a run kept 100,000 match objects alive, and the cyclic collector walked
    #: them all in each full collection (40-50 ms of the app's thread, a frame lost each time).
    lines: tuple[int, ...] = ()
