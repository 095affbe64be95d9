"""Search over jobs' transcripts of any size, without turning them into line objects.

ripgrep runs over the spill files when it is installed; otherwise Python searches the bytes
(:mod:`.scan`). Either way a hit is a byte offset, mapped to its record by bisection (so its
stream and arrival time come free) and to its line number by the records' line counts
(:mod:`.transcript`). Hits are listed up to the query's cap while the count goes on; a search
can be cancelled, reports progress, and runs on any thread but the UI's (:class:`SearchTask`).

Measured on a 2.2 GB log on 2 cores: ripgrep 0.18 s, Python ``mmap.find`` about 1 s, a Python
regex behind a literal prefilter about 2.3 s, and one with no literal 11 to 41 s.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from jobtui.engine.local.ripgrep import (
    RipgrepPattern,
    RipgrepRefused,
    line_offsets,
    ripgrep_binary,
)
from jobtui.engine.output import OutputStore, StoreSnapshot, Stream
from jobtui.engine.search.count import CountRange, count_rest
from jobtui.engine.search.query import (
    REGEX_LINE_LIMIT,
    CaseMode,
    InvalidPatternError,
    Matcher,
    SearchQuery,
    compile_query,
)
from jobtui.engine.search.scan import ScanStats, line_matches, scan
from jobtui.engine.search.transcript import Line, Transcript

__all__ = [
    "REGEX_LINE_LIMIT",
    "TEXT_LIMIT",
    "CaseMode",
    "InvalidPatternError",
    "SearchHit",
    "SearchQuery",
    "SearchResult",
    "SearchSource",
    "SearchTask",
    "SearchTool",
    "compile_query",
    "search_transcripts",
]

#: The most characters of a line a hit carries (the rest is in the store, at its offset).
TEXT_LIMIT = 2000
#: Transcripts smaller than this are searched in Python even with ripgrep: starting a process
#: costs more than reading them.
_RIPGREP_MIN_BYTES = 1024 * 1024


class SearchTool(enum.Enum):
    """What searched the bytes."""

    RIPGREP = "ripgrep"
    PYTHON = "python"


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One matching line: where it is, which stream wrote it and when, and its text."""

    job_id: int | None
    #: 1-based, in the whole transcript, as the output pane numbers it.
    line_number: int
    #: Byte offset of the line's start in the transcript.
    offset: int
    stream: Stream
    time: float
    #: The line, at most TEXT_LIMIT characters of it (``clipped`` says it was cut).
    text: str
    clipped: bool
    #: Where the pattern matches in ``text`` (every match with all_matches).
    spans: tuple[tuple[int, int], ...]
    #: Context lines before and after, nearest last and first, within the searched range.
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchSource:
    """One transcript to search: a job's store, whole or the records of one receive."""

    store: OutputStore
    job_id: int | None = None
    start_record: int = 0
    stop_record: int | None = None
    #: Bytes before this offset are not searched (a follow-up pass over a growing job starts
    #: where the last pass ended).
    start_offset: int = 0
    #: Stop before the last line while the store is open: a writer may still extend it (a
    #: partial line, or the last record growing), and a follow-up pass would count it twice.
    whole_lines: bool = False


@dataclass
class SearchResult:
    """What a search found: the hits listed (up to the cap) and how many lines matched."""

    hits: list[SearchHit] = field(default_factory=list)
    count: int = 0
    tool: SearchTool = SearchTool.PYTHON
    cancelled: bool = False
    #: Bytes searched and bytes there were, over every source.
    searched_bytes: int = 0
    total_bytes: int = 0
    #: Things the user should know (lines clipped for the regex, a fallback taken).
    notes: list[str] = field(default_factory=list)
    #: Where each source's searched range ended (a follow-up pass starts there).
    ends: list[int] = field(default_factory=list)

    @property
    def capped(self) -> bool:
        """More lines matched than are listed."""
        return self.count > len(self.hits)


#: Progress: bytes searched so far, bytes in all.
OnProgress = Callable[[int, int], None]
#: Each hit as soon as it is found (the first one shows before the count is done).
OnHit = Callable[[SearchHit], None]


def search_transcripts(
    sources: Sequence[SearchSource],
    query: SearchQuery,
    *,
    cancel: threading.Event | None = None,
    progress: OnProgress | None = None,
    on_hit: OnHit | None = None,
    use_ripgrep: bool | None = None,
    keep_hits: bool = True,
) -> SearchResult:
    """Search each source in order; blocks until done or cancelled (run it in a thread).

    ``keep_hits`` False leaves ``result.hits`` empty: each hit goes only to ``on_hit`` (a
    Select-String over a gigabyte streams its hits instead of holding them).

    ``use_ripgrep``: None uses it when installed, False never (the Python path), True insists
    (falling back to Python, with a note, if it is missing or refuses the pattern).
    :class:`InvalidPatternError` if the pattern is bad, or would backtrack without bound and
    only Python could run it.
    """
    matcher = compile_query(query)
    result = SearchResult()
    # Read before the snapshots: a store closed by then has nothing more coming to its last line.
    closed = [source.store.closed for source in sources]
    snapshots = [source.store.snapshot() for source in sources]
    try:
        ranges = [
            _byte_range(s, snap, shut)
            for s, snap, shut in zip(sources, snapshots, closed, strict=True)
        ]
        result.ends = [high for _, high in ranges]
        transcripts = [
            Transcript(snap, lo, hi) for snap, (lo, hi) in zip(snapshots, ranges, strict=True)
        ]
        result.total_bytes = sum(t.stop - t.start for t in transcripts)
        collector = _Collector(matcher, query, result, on_hit, keep_hits)
        wanted = use_ripgrep if use_ripgrep is not None else True
        ripgrep = wanted and not query.invert and ripgrep_binary() is not None
        if use_ripgrep and ripgrep_binary() is None:
            result.notes.append("ripgrep is not installed; Python searched instead")
        big = [
            i
            for i, t in enumerate(transcripts)
            if snapshots[i].fd is not None and t.stop - t.start >= _RIPGREP_MIN_BYTES
        ]
        done: set[int] = set()
        if ripgrep and big:
            try:
                _search_ripgrep(
                    sources, transcripts, big, matcher, collector, cancel, progress, closed
                )
                done.update(big)
                result.tool = SearchTool.RIPGREP
            except RipgrepRefused as refused:
                collector.reset()
                result.notes.append(f"ripgrep refused the pattern ({refused}); Python searched")
        if len(done) < len(transcripts) and matcher.nested_repetition:
            raise InvalidPatternError(
                f'The pattern "{query.pattern}" repeats a repetition, which Python\'s regex '
                "engine can take hours to fail on; install ripgrep, or rewrite the pattern."
            )
        base = sum(transcripts[i].stop - transcripts[i].start for i in done)
        for index, transcript in enumerate(transcripts):
            if index in done:
                continue
            if cancel is not None and cancel.is_set():
                result.cancelled = True
                break
            collector.source = sources[index]
            collector.transcript = transcript
            offset = base - transcript.start

            def report(at: int, offset: int = offset) -> None:
                if progress is not None:
                    progress(offset + at, result.total_bytes)

            stats = scan(transcript, matcher, collector.take, cancel=cancel, progress=report)
            _note(result, stats)
            if stats.cancelled:
                base += max(0, stats.searched - transcript.start)
                result.cancelled = True
                break
            base += transcript.stop - transcript.start
        result.searched_bytes = result.total_bytes if not result.cancelled else base
        if cancel is not None and cancel.is_set():
            result.cancelled = True
        if progress is not None:
            progress(result.searched_bytes, result.total_bytes)
        return result
    finally:
        for snapshot in snapshots:
            snapshot.close()


def _byte_range(source: SearchSource, snapshot: StoreSnapshot, closed: bool) -> tuple[int, int]:
    offsets = snapshot.offsets
    count = len(offsets)
    start = min(source.start_record, count)
    stop = count if source.stop_record is None else min(source.stop_record, count)
    low = offsets[start] if start < count else snapshot.size
    low = max(low, min(source.start_offset, snapshot.size))
    high = offsets[stop] if stop < count else snapshot.size
    if source.whole_lines and not closed and count and high == snapshot.size:
        # Only the last record can still grow; a line it has ended is there for good.
        last = offsets[-1]
        high = max(last, snapshot.data.rfind(b"\n", last, snapshot.size) + 1)
    return low, max(low, high)


def _note(result: SearchResult, stats: ScanStats) -> None:
    if stats.clipped_lines:
        result.notes.append(
            f"{stats.clipped_lines} line(s) longer than the regex reads at once (a few KiB): "
            "it read them around the pattern's literal text, or only their start"
        )


class _Collector:
    """Turns matching lines into hits, up to the cap, and counts every one."""

    def __init__(
        self,
        matcher: Matcher,
        query: SearchQuery,
        result: SearchResult,
        on_hit: OnHit | None,
        keep_hits: bool = True,
    ) -> None:
        self.keep_hits = keep_hits
        #: Hits made so far (listed in ``result.hits`` when kept).
        self.listed = 0
        self.matcher = matcher
        self.query = query
        self.result = result
        self.on_hit = on_hit
        self.source: SearchSource | None = None
        self.transcript: Transcript | None = None
        #: When the cap is reached and the count is not needed, lines stop being taken.
        self.count_past_cap = True

    def reset(self) -> None:
        """Forget what an aborted pass listed (ripgrep refused after all)."""
        self.result.hits.clear()
        self.result.count = 0
        self.listed = 0

    def take(self, line: Line) -> bool:
        """Count the line and list it if the cap allows; False once nothing more is needed."""
        result = self.result
        result.count += 1
        cap = self.query.cap
        if cap is None or self.listed < cap:
            assert self.transcript is not None and self.source is not None
            hit = make_hit(self.transcript, line, self.matcher, self.source.job_id)
            self.listed += 1
            if self.keep_hits:
                result.hits.append(hit)
            if self.on_hit is not None:
                self.on_hit(hit)
            return True
        return self.count_past_cap


def make_hit(transcript: Transcript, line: Line, matcher: Matcher, job_id: int | None) -> SearchHit:
    """The hit for one matching line, with its context lines."""
    query = matcher.query
    if not query.with_text:
        record = line.record
        return SearchHit(
            job_id,
            line.number + 1,
            line.start,
            transcript.stream(record),
            transcript.time(record),
            "",
            False,
            (),
        )
    text, clipped = transcript.text(line, TEXT_LIMIT * 4)
    if len(text) > TEXT_LIMIT:
        text, clipped = text[:TEXT_LIMIT], True
    spans = () if query.invert else matcher.spans(text)
    before: list[str] = []
    prev: Line | None = line
    for _ in range(query.before):
        prev = transcript.previous_line(prev) if prev is not None else None
        if prev is None:
            break
        before.append(transcript.text(prev, TEXT_LIMIT)[0])
    after: list[str] = []
    nxt: Line | None = line
    for _ in range(query.after):
        nxt = transcript.next_line(nxt) if nxt is not None else None
        if nxt is None:
            break
        after.append(transcript.text(nxt, TEXT_LIMIT)[0])
    return SearchHit(
        job_id,
        line.number + 1,
        line.start,
        transcript.stream(line.record),
        transcript.time(line.record),
        text,
        clipped,
        spans,
        tuple(reversed(before)),
        tuple(after),
    )


def _search_ripgrep(
    sources: Sequence[SearchSource],
    transcripts: list[Transcript],
    chosen: list[int],
    matcher: Matcher,
    collector: _Collector,
    cancel: threading.Event | None,
    progress: OnProgress | None,
    closed: Sequence[bool],
) -> None:
    """ripgrep over the chosen sources' spill files, each hit checked against the store's lines
    (a record's end also ends a line); once the cap is reached, ripgrep is stopped and
    ``rg --count`` counts what is left of each range (:mod:`.count`)."""
    query = matcher.query
    pattern = RipgrepPattern(query.pattern, query.literal, query.ignore_case)
    fds = []
    for i in chosen:
        fd = transcripts[i].snapshot.fd
        assert fd is not None
        fds.append(fd)
    result = collector.result
    cap = query.cap
    stats = ScanStats()
    #: Per file: where the lines not yet seen begin (ripgrep reports each file's lines in order).
    unseen = [transcripts[i].start for i in chosen]
    taken = [0] * len(chosen)
    full = False
    offsets = line_offsets(fds, pattern, cancel=cancel, line_buffered=cap is not None)
    try:
        for position, offset in offsets:
            index = chosen[position]
            transcript = transcripts[index]
            if not transcript.start <= offset < transcript.stop:
                continue
            if cap is not None and collector.listed >= cap:
                # Parsing the rest of ripgrep's lines only to count them held the GIL for
                # seconds on a dense pattern (``4`` in 170 MB of numbers: millions of lines).
                full = True
                break
            collector.source = sources[index]
            collector.transcript = transcript
            lines = _store_lines(transcript, offset)
            for line in lines:
                if matcher.nested_repetition or line_matches(transcript, line, matcher, stats):
                    collector.take(line)
                    taken[position] += 1
            unseen[position] = lines[-1].next_start
    finally:
        offsets.close()
    if cancel is not None and cancel.is_set():
        result.cancelled = True
        return
    if full:
        ranges = []
        for position, index in enumerate(chosen):
            transcript = transcripts[index]
            whole = closed[index] and transcript.start == 0
            whole = whole and transcript.stop == transcript.snapshot.size
            ranges.append(CountRange(fds[position], unseen[position], transcript.stop, whole))
        result.count += count_rest(ranges, taken, pattern)
    _note(result, stats)
    if progress is not None:
        done = sum(transcripts[i].stop - transcripts[i].start for i in chosen)
        progress(done, result.total_bytes)


def _store_lines(transcript: Transcript, offset: int) -> list[Line]:
    """The store's lines within the newline-ended line ripgrep reported at ``offset``."""
    data = transcript.data
    newline = data.find(b"\n", offset, transcript.stop)
    end = transcript.stop if newline < 0 else newline
    lines = [transcript.line_at(offset)]
    while lines[-1].end < end and lines[-1].next_start < transcript.stop:
        lines.append(transcript.line_at(lines[-1].next_start))
    return lines


class SearchTask:
    """A search on its own thread: cancel it, read its progress, wait for its result.

    The callbacks run on the search's thread; a UI hands them on to its own thread.
    """

    def __init__(
        self,
        sources: Sequence[SearchSource],
        query: SearchQuery,
        *,
        on_hit: OnHit | None = None,
        progress: OnProgress | None = None,
        use_ripgrep: bool | None = None,
    ) -> None:
        self.cancel_event = threading.Event()
        self.result: SearchResult | None = None
        self.error: InvalidPatternError | None = None
        self._done = threading.Event()

        def run() -> None:
            try:
                self.result = search_transcripts(
                    sources,
                    query,
                    cancel=self.cancel_event,
                    progress=progress,
                    on_hit=on_hit,
                    use_ripgrep=use_ripgrep,
                )
            except InvalidPatternError as error:
                self.error = error
            finally:
                self._done.set()

        self._thread = threading.Thread(target=run, name="jobtui-search", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Stop the search; its result says it was cancelled."""
        self.cancel_event.set()

    @property
    def done(self) -> bool:
        """Whether the search has ended."""
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> SearchResult | None:
        """The result once the search ends (None on a timeout); raises its pattern error."""
        if not self._done.wait(timeout):
            return None
        if self.error is not None:
            raise self.error
        return self.result
