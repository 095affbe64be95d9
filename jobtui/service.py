"""JobService: the one door through which a front end reaches jobs.

A front end (the app's screens, keys, dialogs and palette) asks for what changed, reads a
transcript a range at a time and runs cmdlet lines; it never holds a live job. Everything that
crosses the door is an id, a line of text, a snapshot or a result made of values, so the same
protocol can be served by another process (a session host the app attaches to) as well as by
:class:`LocalService`, which serves it in this process over a :class:`JobEngine` and the command
language.

The engine and the language load lazily: importing them (processes, queues, the lexer,
parser, binder and every cmdlet's parameter sets) takes about 30 ms, a seventh of jobtui's
start-up, and the first frame needs neither: no job exists before the engine does. The app loads
them a moment after its first frame (:meth:`LocalService.load_language`); a line typed sooner,
or a key, loads them first.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from jobtui.engine.changes import JobChanges
from jobtui.service_values import SearchMatch, SearchRequest, SearchUpdate

if TYPE_CHECKING:
    from pathlib import Path

    from jobtui.commands import CommandSession, OutputLine, WaitOutcome, WaitStarted
    from jobtui.data.settings import Location
    from jobtui.engine import JobEngine, JobEvent, OutputStore
    from jobtui.engine.snapshot import JobSnapshot
    from jobtui.persistent import Persistence
    from jobtui.service_search import SearchRun

__all__ = [
    "KINDS",
    "JobService",
    "LineResult",
    "LineSource",
    "LocalService",
    "SearchMatch",
    "SearchRequest",
    "SearchUpdate",
    "TranscriptSource",
]

#: Kinds of line and what they are: output (stdout, results), error (stderr, errors), info
#: (notices), echo (a command line as typed).
KINDS = ("output", "error", "info", "echo")

OutputCallback = Callable[["list[OutputLine]"], None]
WaitCallback = Callable[["WaitStarted"], None]


class LineSource(Protocol):
    """Numbered lines with a kind, and counters that change whenever the lines do.

    A view asks only for the lines it shows, so a transcript of millions of lines costs what a
    screenful does, whether it is read from this process or fetched from another.
    """

    @property
    def line_count(self) -> int:
        """How many lines there are."""
        ...

    @property
    def version(self) -> int:
        """Changes whenever lines are added or their read state changes."""
        ...

    @property
    def generation(self) -> int:
        """Changes when lines were dropped from the start (every index moved)."""
        ...

    def lines(self, start: int, stop: int) -> list[tuple[str, str]]:
        """Lines ``start`` to ``stop`` as ``(kind, text)``."""
        ...

    def unread_from(self) -> int | None:
        """The first line a receive has not consumed, or None when that means nothing here."""
        ...


@dataclass(frozen=True)
class LineResult:
    """What a line did, as values: its printed lines, its errors, the ids of the jobs it
    started or returned, and how its Wait-Job ended."""

    lines: list[OutputLine] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Top-level ids, in order, each once.
    job_ids: list[int] = field(default_factory=list)
    #: Lines left out of the front of ``lines`` (they went through ``on_output``).
    truncated: int = 0
    wait: WaitOutcome | None = None
    #: Set by ``exit [N]``: the session should end with this status (the app asks to quit).
    exit_code: int | None = None
    #: Set by Disconnect-PSSession: the front end ends and leaves the session (a hosted one)
    #: and its jobs running.
    disconnected: bool = False

    @property
    def succeeded(self) -> bool:
        """False if any error happened."""
        return not self.errors


class JobService(Protocol):
    """The jobs of a session, as a front end may reach them."""

    @property
    def grace(self) -> float:
        """Seconds a stopped job has between SIGTERM and SIGKILL (confirmations quote it)."""
        ...

    @property
    def width(self) -> int:
        """The width command results are formatted for."""
        ...

    @width.setter
    def width(self, width: int) -> None: ...

    def changes(self, since: int) -> JobChanges:
        """Snapshots of the jobs that changed after version ``since`` (all for a negative one),
        and the ids removed since."""
        ...

    def snapshot(self, job_id: int) -> JobSnapshot | None:
        """One job (a child too) as it is now, or None if there is no such job."""
        ...

    def transcript(self, job_id: int) -> LineSource | None:
        """A job's whole transcript (received or not) as a range source."""
        ...

    def receive_through(self, job_id: int, line: int) -> None:
        """Receive a job's output up to transcript line ``line`` (what a view with keep off
        has shown the user)."""
        ...

    def execute(
        self,
        line: str,
        *,
        on_output: OutputCallback | None = None,
        on_wait: WaitCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> LineResult:
        """Run one cmdlet line to its end (it may block: call it off the UI thread).

        ``on_output`` gets the printed lines in batches as they come; ``on_wait`` hears when a
        Wait-Job begins to block; setting ``cancel`` (then :meth:`wake_waiters`) ends a wait.
        """
        ...

    def complete(self, text: str) -> list[str]:
        """Completions for ``text`` (the line up to the cursor); never raises."""
        ...

    def is_complete(self, text: str) -> bool:
        """Whether ``text`` is a whole statement, or needs more lines (an open brace or quote,
        a trailing backtick or ``|``): PowerShell's ``>>`` prompt. Never raises."""
        ...

    @property
    def language_loaded(self) -> bool:
        """Whether lines can run without loading anything first."""
        ...

    def load_language(self) -> None:
        """Load the command language now (the first line does it otherwise)."""
        ...

    def wake_waiters(self) -> None:
        """Wake every blocked wait so it rechecks its cancel event."""
        ...

    # -- searching and moving through transcripts ----------------------------------------------

    def start_search(self, request: SearchRequest) -> int:
        """Start a search (it runs off the caller's thread); returns its id for
        :meth:`search_update` and :meth:`cancel_search`."""
        ...

    def search_update(self, search_id: int, since: int) -> SearchUpdate | None:
        """The search's matches from number ``since`` on, its count and progress; None if no
        such search (cancelled, or never started)."""
        ...

    def cancel_search(self, search_id: int) -> None:
        """Stop a search and forget it (an unknown id is no error)."""
        ...

    def line_times(self, job_id: int, start: int, stop: int) -> list[float]:
        """When each of a job's transcript lines ``start`` to ``stop`` arrived."""
        ...

    def stream_line(self, job_id: int, line: int, *, error: bool, forward: bool) -> int | None:
        """The first line of the next (``forward``) or previous run of stderr (``error``) or
        stdout records from transcript line ``line``; None if there is none."""
        ...

    def line_at_time(self, job_id: int, when: float) -> int | None:
        """The first transcript line that arrived at or after ``when`` (epoch seconds)."""
        ...

    def subscribe(self, on_change: Callable[[], None]) -> Callable[[], None]:
        """Call ``on_change`` (from any thread; it must only enqueue) whenever something a
        front end shows may have changed; returns a function that unsubscribes."""
        ...

    def run_hook(self, command: str, record: str) -> str | None:
        """Run the notification hook ``command`` with ``record`` (JSON) on its standard input,
        to its end or its time limit (it blocks: call it off the UI thread); None if it
        succeeded, else one line saying what went wrong. It leaves no process behind."""
        ...

    def desktop_notify(self, title: str, body: str) -> str | None:
        """A desktop notification with ``notify-send`` (it blocks: off the UI thread); None if
        sent, else one line."""
        ...

    def take_notices(self) -> list[str]:
        """Lines about the session itself that its user should read once (its history was
        restored with a problem: a corrupt file moved aside, jobs lost while nothing watched
        them, a store it could not read). Each is returned once, to the first front end that
        asks; then []."""
        ...

    def shutdown(self) -> None:
        """End the session: every job still running is stopped."""
        ...


class TranscriptSource:
    """A job's transcript (the engine's :class:`OutputStore`) as a line source."""

    generation = 0

    def __init__(self, store: OutputStore) -> None:
        self.store = store

    @property
    def line_count(self) -> int:
        """Lines in the transcript, both streams."""
        return self.store.line_count

    @property
    def version(self) -> int:
        """The store's version: new output, a receive, the end of the stream."""
        return self.store.version

    def lines(self, start: int, stop: int) -> list[tuple[str, str]]:
        """Lines read straight from the store (memory or spill file)."""
        from jobtui.engine import Stream

        return [
            ("error" if stream is Stream.Error else "output", text)
            for stream, text in self.store.lines(start, stop)
        ]

    def unread_from(self) -> int:
        """The first line after the receive cursor."""
        cursor = self.store.cursor
        return self.store.line_span(cursor - 1)[1] if cursor else 0


class LocalService:
    """:class:`JobService` in this process, over an engine and a command session, each made on
    first use.

    The UI thread (completion) and the workers that run lines may both be first to need the
    session: a lock makes sure there is one (and one engine).
    """

    def __init__(
        self,
        engine: JobEngine | None = None,
        *,
        width: int = 120,
        engine_options: dict[str, Any] | None = None,
        persistence: Persistence | None = None,
        locations: Sequence[Location] = (),
    ) -> None:
        self._engine = engine
        self._engine_options = engine_options or {}
        #: The settings' named locations, which the command session's -Location may name.
        self._locations = tuple(locations)
        #: The history of a persistent session (its ``notices`` say what went wrong), or None.
        self.persistence = persistence
        self._session: CommandSession | None = None
        self._width = width
        self._lock = threading.RLock()
        #: Who subscribed before the engine existed, with the engine's unsubscribe once it does.
        self._subscribers: dict[Callable[[], None], Callable[[], None] | None] = {}
        self._ended = False
        self._searches: dict[int, SearchRun] = {}
        self._search_ids = itertools.count(1)

    @classmethod
    def new(cls, *, locations: Sequence[Location] = (), **engine_options: Any) -> LocalService:
        """A service over a new engine of its own, made with ``engine_options`` (the settings'
        grace, spill directory...) when first needed, whose jobs may name ``locations`` (the
        settings' named ones); :meth:`shutdown` ends it."""
        return cls(engine_options=engine_options, locations=locations)

    @property
    def engine(self) -> JobEngine:
        """The engine, made now if it was not yet."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    if self._ended:
                        raise RuntimeError("the session has ended")
                    from jobtui.engine import JobEngine

                    engine = JobEngine(**self._engine_options)
                    for on_change in self._subscribers:
                        self._subscribers[on_change] = self._listen(engine, on_change)
                    self._engine = engine
        return self._engine

    @property
    def started(self) -> bool:
        """Whether the engine exists (before it does, there is no job)."""
        return self._engine is not None

    @classmethod
    def persistent(
        cls, state_dir: Path, *, locations: Sequence[Location] = (), **engine_options: Any
    ) -> LocalService:
        """A service whose jobs outlive this process: each runs under a monitor that keeps its
        transcript in ``state_dir``, and the history there is restored now (earlier jobs listed,
        running ones re-adopted). :meth:`shutdown` stops the jobs; a process that dies without
        it leaves them running for the next one to adopt. ``disk_budget`` (bytes, the setting)
        caps the transcripts kept: past it the oldest finished ones are dropped. Its jobs may
        name ``locations`` (the settings' named ones)."""
        from jobtui.persistent import open_persistent

        engine, persistence = open_persistent(state_dir, **engine_options)
        return cls(engine, persistence=persistence, locations=locations)

    # -- the command language ------------------------------------------------------------------

    def session(self) -> CommandSession:
        """The command session, imported and made now if it was not yet."""
        if self._session is None:
            with self._lock:
                if self._session is None:
                    from jobtui.commands import CommandSession

                    self._session = CommandSession(
                        self.engine, width=self._width, locations=self._locations
                    )
        return self._session

    def load_language(self) -> None:
        """Make the engine and the command session now."""
        self.session()

    @property
    def language_loaded(self) -> bool:
        """Whether the command language has been loaded."""
        return self._session is not None

    @property
    def width(self) -> int:
        """The terminal width tables are formatted for."""
        return self._width if self._session is None else self._session.width

    @width.setter
    def width(self, width: int) -> None:
        with self._lock:  # a session being made right now takes the new width
            self._width = width
            if self._session is not None:
                self._session.width = width

    def execute(
        self,
        line: str,
        *,
        on_output: OutputCallback | None = None,
        on_wait: WaitCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> LineResult:
        """Run one line: :meth:`CommandSession.execute`, its jobs given back by id."""
        result = self.session().execute(line, on_output=on_output, on_wait=on_wait, cancel=cancel)
        ids = dict.fromkeys((job.parent or job).id for job in result.jobs)
        return LineResult(
            lines=result.lines,
            errors=result.errors,
            job_ids=list(ids),
            truncated=result.truncated,
            wait=result.wait,
            exit_code=result.exit_code,
        )

    def is_complete(self, text: str) -> bool:
        """:meth:`CommandSession.is_complete` (a pure parse: cheap, safe on the UI thread)."""
        return self.session().is_complete(text)

    def complete(self, text: str) -> list[str]:
        """Completions for ``text``; a line the language cannot read has none."""
        from jobtui.commands import CommandError

        try:
            return self.session().complete(text)
        except CommandError:
            return []

    # -- the jobs ------------------------------------------------------------------------------

    @property
    def grace(self) -> float:
        """The engine's grace period."""
        return self.engine.grace

    def changes(self, since: int) -> JobChanges:
        """:meth:`JobEngine.changes` (nothing, at version 0, before the engine exists)."""
        if self._engine is None:
            return JobChanges(0)
        return self._engine.changes(since)

    def snapshot(self, job_id: int) -> JobSnapshot | None:
        """:meth:`JobEngine.snapshot`."""
        return None if self._engine is None else self._engine.snapshot(job_id)

    def transcript(self, job_id: int) -> TranscriptSource | None:
        """The job's store, read in place."""
        if self._engine is None:
            return None
        job = self._engine.find_by_id(job_id)
        store = None if job is None or job.removed else job.transcript
        return None if store is None else TranscriptSource(store)

    def receive_through(self, job_id: int, line: int) -> None:
        """Receive-Job (no -Keep) up to a transcript line; a job gone since is no error."""
        engine = self._engine
        job = None if engine is None else engine.find_by_id(job_id)
        if engine is not None and job is not None and not job.removed:
            engine.receive_job([job], through_line=line)

    def take_notices(self) -> list[str]:
        """The history's notices not yet taken (a session that keeps none has none)."""
        if self.persistence is None:
            return []
        return self.persistence.take_notices()

    def wake_waiters(self) -> None:
        """:meth:`JobEngine.wake_waiters` (before the engine exists, nobody waits)."""
        if self._engine is not None:
            self._engine.wake_waiters()

    def subscribe(self, on_change: Callable[[], None]) -> Callable[[], None]:
        """Hear every event but a statistics sample (those come every few seconds per running
        job and change nothing the screen must hurry to show). A subscriber that comes before
        the engine is listening from the moment the engine is made."""
        with self._lock:
            if self._engine is not None:
                return self._listen(self._engine, on_change)
            self._subscribers[on_change] = None

        def unsubscribe() -> None:
            with self._lock:
                undo = self._subscribers.pop(on_change, None)
            if undo is not None:
                undo()

        return unsubscribe

    @staticmethod
    def _listen(engine: JobEngine, on_change: Callable[[], None]) -> Callable[[], None]:
        from jobtui.engine import JobStatsUpdated

        def listener(event: JobEvent) -> None:
            if not isinstance(event, JobStatsUpdated):
                on_change()

        return engine.subscribe(listener)

    def run_hook(self, command: str, record: str) -> str | None:
        """The hook runs here, as a job's process would: the local backend spawns it (only
        ``engine.local`` handles OS processes)."""
        from jobtui.engine.local.hooks import run_hook

        return run_hook(command, record)

    def desktop_notify(self, title: str, body: str) -> str | None:
        """``notify-send`` on this machine (the local backend spawns it)."""
        from jobtui.engine.local.hooks import notify_send

        return notify_send(title, body)

    # -- searching and moving through transcripts ----------------------------------------------

    def start_search(self, request: SearchRequest) -> int:
        """A :class:`~jobtui.service_search.SearchRun` over the engine's jobs."""
        from jobtui.service_search import SearchRun

        run = SearchRun(request, lambda: self.engine.jobs)
        with self._lock:
            search_id = next(self._search_ids)
            self._searches[search_id] = run
        return search_id

    def search_update(self, search_id: int, since: int) -> SearchUpdate | None:
        """The run's update."""
        run = self._searches.get(search_id)
        return None if run is None else run.update(since)

    def cancel_search(self, search_id: int) -> None:
        """Cancel the run and drop it."""
        with self._lock:
            run = self._searches.pop(search_id, None)
        if run is not None:
            run.cancel()

    def _store(self, job_id: int) -> OutputStore | None:
        engine = self._engine  # no engine yet: no job either
        job = None if engine is None else engine.find_by_id(job_id)
        return None if job is None or job.removed else job.transcript

    def line_times(self, job_id: int, start: int, stop: int) -> list[float]:
        """:meth:`OutputStore.line_times` (nothing for a job gone)."""
        store = self._store(job_id)
        return [] if store is None else store.line_times(start, stop)

    def stream_line(self, job_id: int, line: int, *, error: bool, forward: bool) -> int | None:
        """:meth:`OutputStore.stream_line`."""
        from jobtui.engine import Stream

        store = self._store(job_id)
        stream = Stream.Error if error else Stream.Output
        return None if store is None else store.stream_line(stream, line, forward=forward)

    def line_at_time(self, job_id: int, when: float) -> int | None:
        """:meth:`OutputStore.line_at_time`."""
        store = self._store(job_id)
        return None if store is None else store.line_at_time(when)

    def shutdown(self) -> None:
        """Cancel every search, then :meth:`JobEngine.shutdown` (an engine never made has
        nothing to stop), then the history's last write."""
        with self._lock:  # an engine being made now is made first, and stopped here
            self._ended = True
            engine = self._engine
            runs = list(self._searches.values())
            self._searches.clear()
        for run in runs:
            run.cancel()
        if engine is not None:
            engine.shutdown()
        if self.persistence is not None:
            self.persistence.close()
