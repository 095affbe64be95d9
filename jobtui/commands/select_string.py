"""Select-String (``sls``): PowerShell's grep, over strings piped in and over jobs' transcripts.

``Receive-Job -Keep 3 | Select-String 'error'`` never turns the transcript into strings: the
executor tells Receive-Job that a search follows (:attr:`Context.feeds_search`), so it sends the
records it took (consumed, unless -Keep, as any receive) and the search runs over the job's
store (:mod:`jobtui.engine.search`: ripgrep when installed, else ``bytes.find``). Both streams of
the transcript are searched there; a hit names its job, its transcript line number, stream and
time. Anything else piped in is matched as a string, one object a line, as PowerShell does.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from jobtui.commands.declaration import (
    BoundCommand,
    Cmdlet,
    CmdletFunction,
    Parameter,
    ParamType,
)
from jobtui.commands.errors import Cancelled, CommandError
from jobtui.commands.match_info import INPUT_STREAM, MatchInfo
from jobtui.commands.values import as_list, to_string
from jobtui.engine import (
    CaseMode,
    InvalidPatternError,
    ReceivedPart,
    SearchHit,
    SearchQuery,
    SearchSource,
    compile_query,
    search_transcripts,
)

if TYPE_CHECKING:
    from jobtui.commands.context import Context
    from jobtui.engine.search.query import Matcher

SOURCE = "Select-String"


def _switch(name: str) -> Parameter:
    return Parameter(name, ParamType.SWITCH)


def _check(bound: BoundCommand) -> None:
    """PowerShell's checks before the pipeline runs: -Context takes one or two numbers, and
    the pattern must compile (so a bad regex consumes nothing of a Receive-Job before it)."""
    context = bound.get("Context")
    if context is not None and len(as_list(context)) > 2:
        raise bound.fail(
            "Cannot validate argument on parameter 'Context'. The number of provided arguments "
            f"({len(as_list(context))}) exceeds the maximum number of allowed arguments (2). "
            "Provide fewer than 2 arguments, and then try the command again."
        )
    for number in as_list(context):
        if isinstance(number, int) and number < 0:
            raise bound.fail(
                f"Cannot validate argument on parameter 'Context'. The {number} argument is less "
                "than the minimum allowed range of 0. Supply an argument that is greater than or "
                "equal to 0 and then try the command again."
            )
    patterns = bound.get("Pattern")
    if patterns is not None:
        try:
            compile_query(_query(bound))
        except InvalidPatternError as error:
            raise bound.fail(str(error)) from None


SELECT_STRING = Cmdlet(
    "Select-String",
    ("sls",),
    (
        Parameter("Pattern", ParamType.STRING_ARRAY, position=0, mandatory=frozenset({"Object"})),
        Parameter(
            "InputObject", ParamType.OBJECT, from_pipeline=True, mandatory=frozenset({"Object"})
        ),
        _switch("SimpleMatch"),
        _switch("CaseSensitive"),
        _switch("NotMatch"),
        _switch("AllMatches"),
        _switch("List"),
        _switch("Quiet"),
        _switch("Raw"),
        _switch("NoEmphasis"),
        Parameter("Context", ParamType.INT_ARRAY, minimum=0, maximum=2**31 - 1),
    ),
    ("Object",),
    "Object",
    "Finds text in the lines piped in, or in jobs' output (Receive-Job ... | Select-String).",
    check=_check,
)


def _patterns(bound: BoundCommand) -> list[str]:
    return [to_string(p) for p in as_list(bound.get("Pattern"))]


def _query(bound: BoundCommand) -> SearchQuery:
    """The engine's query for the bound parameters; several patterns become one alternation."""
    patterns = _patterns(bound)
    context = [int(str(n)) for n in as_list(bound.get("Context"))] or [0]
    before, after = context[0], context[-1]
    literal = bound.switch("SimpleMatch")
    if len(patterns) == 1:
        pattern = patterns[0]
    elif literal:
        pattern, literal = "|".join(re.escape(p) for p in patterns), False
    else:
        pattern = "|".join(f"(?:{p})" for p in patterns)
    return SearchQuery(
        pattern,
        literal=literal,
        case=CaseMode.SENSITIVE if bound.switch("CaseSensitive") else CaseMode.INSENSITIVE,
        invert=bound.switch("NotMatch"),
        all_matches=bound.switch("AllMatches"),
        before=before,
        after=after,
        cap=None,
    )


def select_string(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
    """Select-String: each matching line as a MatchInfo (or, with -Raw, the line itself)."""
    query = _query(bound)
    try:
        matcher = compile_query(query)
    except InvalidPatternError as error:
        raise CommandError(SOURCE, str(error)) from None
    objects: list[object] = []
    if bound.has("InputObject"):
        objects.extend(as_list(bound.get("InputObject")))
    objects.extend(input or [])
    output = _Output(context, bound, matcher)
    strings: list[str] = []
    for value in objects:
        if output.done:
            break
        if isinstance(value, ReceivedPart):
            _search_part(context, output, value)
        else:
            strings.append(to_string(value))
    if strings and not output.done:
        _match_strings(output, strings)
    if context.cancelled():
        raise Cancelled(SOURCE)
    if bound.switch("Quiet"):
        context.emit(output.found)


@dataclass
class _Output:
    """Turns hits into MatchInfo objects as PowerShell shows them: one hit held back until the
    next is known, so that no line shows both as one hit's after-context and the next's
    before-context (the next hit's line is never shown as context)."""

    context: Context
    bound: BoundCommand
    matcher: Matcher
    found: bool = False
    done: bool = False
    _pending: MatchInfo | None = None
    #: The last line number shown (as a hit or after-context) in the current source.
    _shown: int = 0
    _patterns: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._patterns = _patterns(self.bound)
        self._compiled = [
            re.compile(
                re.escape(p) if self.bound.switch("SimpleMatch") else p,
                0 if self.bound.switch("CaseSensitive") else re.IGNORECASE,
            )
            for p in self._patterns
        ]

    def start_source(self) -> None:
        """A new job (or the strings piped in) begins: context does not cross sources."""
        self.flush()
        self._shown = 0

    def add(
        self,
        line: str,
        number: int,
        path: str,
        spans: tuple[tuple[int, int], ...],
        before: tuple[str, ...],
        after: tuple[str, ...],
        hit: SearchHit | None = None,
    ) -> None:
        """One matching line, with its full context; shown once the next hit is known."""
        self.found = True
        bound = self.bound
        pending = self._pending
        if pending is not None:
            room = number - pending.line_number - 1
            pending.post_context = pending.post_context[: max(0, room)]
            self._emit(pending)
        first_before = number - len(before)
        keep_from = max(0, self._shown + 1 - first_before)
        info = MatchInfo(
            line=line,
            line_number=number,
            path=path,
            pattern=self._pattern_of(line),
            matches=[line[a:b] for a, b in spans],
            pre_context=list(before[keep_from:]),
            post_context=list(after),
            with_context=bound.has("Context"),
            ignore_case=not bound.switch("CaseSensitive"),
            job_id=None if hit is None else hit.job_id,
            stream=None if hit is None else hit.stream,
            time=None if hit is None else hit.time,
        )
        self._pending = info
        if bound.switch("List") or bound.switch("Quiet"):
            self.flush()
            self.done = bound.switch("Quiet") or hit is None

    def _pattern_of(self, line: str) -> str:
        if len(self._patterns) == 1 or self.bound.switch("NotMatch"):
            return self._patterns[0]
        for pattern, compiled in zip(self._patterns, self._compiled, strict=True):
            if compiled.search(line):
                return pattern
        return self._patterns[0]

    def _emit(self, info: MatchInfo) -> None:
        self._shown = info.line_number + len(info.post_context)
        if self.bound.switch("Quiet"):
            return
        self.context.emit(info.line if self.bound.switch("Raw") else info)

    def flush(self) -> None:
        """Show the hit held back."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._emit(pending)


class _Stop(threading.Event):
    """The search's cancel: Ctrl+C, or -List / -Quiet having found what they need."""

    def __init__(self, cancel: threading.Event | None) -> None:
        super().__init__()
        self._cancel = cancel

    def is_set(self) -> bool:
        return super().is_set() or (self._cancel is not None and self._cancel.is_set())


def _search_part(context: Context, output: _Output, part: ReceivedPart) -> None:
    """Search the records one receive took from one job, in its store."""
    assert part.store is not None
    output.start_source()
    stop = _Stop(context.cancel)
    one = output.bound.switch("List") or output.bound.switch("Quiet")
    # A hit is the job's the user names (Job1), not its child's (Job2) that holds the store.
    job = part.job.parent or part.job
    path = job.name

    def on_hit(hit: SearchHit) -> None:
        if stop.is_set():
            return
        first = not output.found
        output.add(hit.text, hit.line_number, path, hit.spans, hit.before, hit.after, hit)
        if one:
            stop.set()
        if first:
            context.host.flush()  # the first hit shows at once; the rest go in the host's batches

    source = SearchSource(part.store, job.id, part.start, part.stop)
    try:
        result = search_transcripts(
            [source], output.matcher.query, cancel=stop, on_hit=on_hit, keep_hits=False
        )
    except InvalidPatternError as error:
        raise CommandError(SOURCE, str(error)) from None
    output.flush()
    for note in result.notes:
        context.info(f"{SOURCE}: {path}: {note}")


def _match_strings(output: _Output, strings: list[str]) -> None:
    """Match the objects piped in, each one line numbered by its place in the pipeline."""
    output.start_source()
    matcher = output.matcher
    query = matcher.query
    regex = matcher.line_regex
    for index, text in enumerate(strings):
        if output.context.cancelled() or output.done:
            break
        if (regex.search(text) is None) != query.invert:
            continue
        before = tuple(strings[max(0, index - query.before) : index])
        after = tuple(strings[index + 1 : index + 1 + query.after])
        spans = () if query.invert else matcher.spans(text)
        output.add(text, index + 1, INPUT_STREAM, spans, before, after)
    output.flush()


#: Select-String, with its function (see :mod:`jobtui.commands.registry`).
CMDLETS: dict[Cmdlet, CmdletFunction] = {SELECT_STRING: select_string}
