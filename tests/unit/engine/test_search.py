"""Transcript search: literal and regex, smart case, offsets to records and lines, the cap,
cancelling, and the guards against a 10 MiB line and a regex that backtracks without end."""

from __future__ import annotations

import os
import re
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobtui.engine import OutputStore, Stream
from jobtui.engine import search as search_module
from jobtui.engine.local.ripgrep import ripgrep_binary
from jobtui.engine.search import (
    TEXT_LIMIT,
    CaseMode,
    InvalidPatternError,
    SearchQuery,
    SearchSource,
    SearchTask,
    SearchTool,
    search_transcripts,
)
from jobtui.engine.search.query import nests_repetition, required_literal

HAVE_RG = ripgrep_binary() is not None
#: Each test that can runs twice: Python's search, and ripgrep's when it is installed.
TOOLS = [
    pytest.param(False, id="python"),
    pytest.param(
        True, id="ripgrep", marks=pytest.mark.skipif(not HAVE_RG, reason="rg not installed")
    ),
]


@pytest.fixture(autouse=True)
def _ripgrep_for_small_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """ripgrep normally skips transcripts under 1 MiB; the tests use small ones."""
    monkeypatch.setattr(search_module, "_RIPGREP_MIN_BYTES", 0)


def spilled(tmp_path: object) -> OutputStore:
    """A store that moves to its spill file after 8 bytes (ripgrep reads only spill files)."""
    return OutputStore(memory_limit=8, spill_dir=str(tmp_path))


def run(
    store: OutputStore, query: SearchQuery, rg: bool, **kw: object
) -> search_module.SearchResult:
    result = search_transcripts([SearchSource(store, job_id=7, **kw)], query, use_ripgrep=rg)  # type: ignore[arg-type]
    if rg:
        assert result.tool is SearchTool.RIPGREP
    return result


def sample(store: OutputStore) -> None:
    store.append(Stream.Output, b"starting\nloading model\n", 1.0)
    store.append(Stream.Error, b"Error: out of memory\n", 2.0)
    store.append(Stream.Output, b"retrying\nerror again, lower case\n", 3.0)
    store.append(Stream.Output, b"done\n", 4.0)


@pytest.mark.parametrize("rg", TOOLS)
def test_a_literal_gives_each_line_its_number_offset_stream_and_time(tmp_path, rg) -> None:
    store = spilled(tmp_path)
    sample(store)
    result = run(store, SearchQuery("error"), rg)
    assert result.count == 2
    first, second = result.hits
    assert (first.job_id, first.line_number, first.stream, first.time) == (7, 3, Stream.Error, 2.0)
    assert first.text == "Error: out of memory"
    assert first.offset == len(b"starting\nloading model\n")
    assert first.spans == ((0, 5),)
    assert (second.line_number, second.stream, second.time) == (5, Stream.Output, 3.0)
    assert second.text == "error again, lower case"


@pytest.mark.parametrize("rg", TOOLS)
def test_hits_without_text_keep_where_they_are(tmp_path, rg) -> None:
    store = spilled(tmp_path)
    sample(store)
    with_text = run(store, SearchQuery("error"), rg).hits
    bare = run(store, SearchQuery("error", with_text=False), rg).hits
    where = [(h.line_number, h.offset, h.stream, h.time) for h in with_text]
    assert [(h.line_number, h.offset, h.stream, h.time) for h in bare] == where
    assert all(h.text == "" and h.spans == () for h in bare)


@pytest.mark.parametrize("rg", TOOLS)
def test_smart_case_ignores_case_unless_the_pattern_has_a_capital(tmp_path, rg) -> None:
    store = spilled(tmp_path)
    sample(store)
    assert [h.line_number for h in run(store, SearchQuery("Error"), rg).hits] == [3]
    insensitive = SearchQuery("ERROR", case=CaseMode.INSENSITIVE)
    assert run(store, insensitive, rg).count == 2
    sensitive = SearchQuery("error", case=CaseMode.SENSITIVE)
    assert [h.line_number for h in run(store, sensitive, rg).hits] == [5]


@pytest.mark.parametrize("rg", TOOLS)
def test_a_regex_with_and_without_a_literal_to_prefilter(tmp_path, rg) -> None:
    store = spilled(tmp_path)
    sample(store)
    with_literal = SearchQuery(r"out of \w+y", literal=False)
    assert [h.text for h in run(store, with_literal, rg).hits] == ["Error: out of memory"]
    no_literal = SearchQuery(r"^\w+ing$", literal=False)
    assert [h.line_number for h in run(store, no_literal, rg).hits] == [1, 4]
    assert run(store, SearchQuery(r"^[a-z]+$", literal=False, invert=True), False).count == 3


def test_the_prefilter_literal_is_one_every_match_must_contain() -> None:
    assert required_literal(r"needle-\d+") == "needle-"
    assert required_literal(r"error: .* timed out") == " timed out"
    assert required_literal(r"colou?r") == "colo"
    assert required_literal(r"a{0,3}bc") == "bc"
    assert required_literal(r"warn|error") is None
    assert required_literal(r"(?i)error") is None
    assert required_literal(r"\d+\.\d+") == "."
    assert required_literal(r"[abc]+") is None


def test_nested_repetition_is_recognised() -> None:
    for risky in [r"(a+)+$", r"(\w*)*x", r"(a|aa)+b", r"((ab)+)+", r"(x+){2,}"]:
        assert nests_repetition(risky), risky
    for fine in [r"a+b+", r"(ab)+", r"(a+)?", r"[(a+)]+", r"\(a+\)+", r"(a+){3}"]:
        assert not nests_repetition(fine), fine


def test_an_invalid_regex_is_one_line_in_powershells_words(tmp_path) -> None:
    store = spilled(tmp_path)
    sample(store)
    with pytest.raises(InvalidPatternError) as caught:
        run(store, SearchQuery("(unclosed", literal=False), False)
    message = str(caught.value)
    assert message.startswith('The string "(unclosed" is not a valid regular expression: ')
    assert "\n" not in message


@pytest.mark.parametrize("rg", TOOLS)
def test_line_numbers_across_many_records_and_the_spill(tmp_path, rg) -> None:
    store = OutputStore(memory_limit=4096, spill_dir=str(tmp_path))
    expected = []
    for i in range(3000):
        stream = Stream.Error if i % 7 == 0 else Stream.Output
        text = f"line {i}" + (" needle" if i % 97 == 0 else "")
        store.append(stream, (text + "\n").encode(), float(i))  # a record each: 1 s apart
        if i % 97 == 0:
            expected.append((i + 1, stream, float(i), text))
    assert store.spilled and store.record_count == 3000
    hits = run(store, SearchQuery("needle"), rg).hits
    assert [(h.line_number, h.stream, h.time, h.text) for h in hits] == expected


@pytest.mark.parametrize("rg", TOOLS)
def test_a_record_end_ends_a_line_as_the_store_numbers_it(tmp_path, rg) -> None:
    store = spilled(tmp_path)
    store.append(Stream.Output, b"x" * 80 + b"\n", 0.0)
    store.append(Stream.Output, b"prompt> ab", 1.0)  # a flushed partial line
    store.append(Stream.Output, b"cd\nabcd\n", 2.0)
    assert store.lines(1, 3) == [(Stream.Output, "prompt> ab"), (Stream.Output, "cd")]
    hits = run(store, SearchQuery("abcd"), rg).hits
    assert [(h.line_number, h.text) for h in hits] == [(4, "abcd")]
    assert [h.line_number for h in run(store, SearchQuery("prompt"), rg).hits] == [2]


@pytest.mark.parametrize("rg", TOOLS)
def test_the_cap_limits_the_hits_listed_while_the_count_goes_on(tmp_path, rg) -> None:
    store = spilled(tmp_path)
    for i in range(500):
        store.append(Stream.Output, f"match {i}\nother\n".encode(), i * 0.01)
    result = run(store, SearchQuery("match", cap=10), rg)
    assert len(result.hits) == 10 and result.count == 500 and result.capped
    assert [h.line_number for h in result.hits] == [1 + 2 * i for i in range(10)]


@pytest.mark.skipif(not HAVE_RG, reason="rg not installed")
@pytest.mark.parametrize("finished", [False, True], ids=["writing", "finished"])
def test_past_the_cap_ripgrep_stops_and_the_rest_is_counted_exactly(
    tmp_path, monkeypatch, finished
) -> None:
    """Once the cap is listed, ripgrep's lines are not read only to be counted (that held the
    GIL for seconds on a dense pattern); the rest of the range is counted by ``rg --count``."""
    store = spilled(tmp_path)
    for i in range(400):
        store.append(Stream.Output, f"match {i}\nother\nmatch again\n".encode(), i * 0.01)
    store.append(Stream.Output, b"match, not a whole line yet", 5.0)
    if finished:
        store.close()
    read: list[int] = []
    real = search_module.line_offsets

    def counted(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        for item in real(*args, **kwargs):  # type: ignore[arg-type]
            read.append(item[1])
            yield item

    monkeypatch.setattr(search_module, "line_offsets", counted)
    source = SearchSource(store, whole_lines=True)
    result = search_transcripts([source], SearchQuery("match", cap=25), use_ripgrep=True)
    assert len(read) <= 26
    assert len(result.hits) == 25
    # Still writing: the partial last line is left to the next pass (whole_lines).
    assert result.count == 800 + finished


@pytest.mark.skipif(not HAVE_RG, reason="rg not installed")
def test_the_count_past_the_cap_reads_only_its_range(tmp_path) -> None:
    from jobtui.engine.local.ripgrep import RipgrepPattern
    from jobtui.engine.search.count import CountRange, count_rest

    path = tmp_path / "spill"
    path.write_bytes(b"hit\nmiss\n" * 50_000 + b"hit\n")  # the pipe's 64 KiB many times over
    fd = os.open(path, os.O_RDONLY)
    try:
        pattern = RipgrepPattern("hit", literal=True, ignore_case=False)
        line = len(b"hit\nmiss\n")
        middle = CountRange(fd, 10 * line, 30_000 * line, whole_file=False)
        assert count_rest([middle], [0], pattern) == 29_990
        whole = CountRange(fd, 0, os.path.getsize(path), whole_file=True)
        assert count_rest([whole, middle], [1, 5], pattern) == 50_000 + 29_990
        assert count_rest([CountRange(fd, 100, 100, whole_file=False)], [0], pattern) == 0
    finally:
        os.close(fd)


@pytest.mark.parametrize("rg", TOOLS)
def test_context_lines_stay_within_the_searched_records(tmp_path, rg) -> None:
    store = spilled(tmp_path)
    store.append(Stream.Output, b"a1\na2\n", 0.0)
    store.append(Stream.Output, b"b1\nHIT\nb3\n", 1.0)
    store.append(Stream.Output, b"c1\nc2\n", 2.0)
    query = SearchQuery("HIT", before=3, after=3)
    (whole,) = run(store, query, rg).hits
    assert whole.before == ("a1", "a2", "b1") and whole.after == ("b3", "c1", "c2")
    (sliced,) = run(store, query, rg, start_record=1, stop_record=2).hits
    assert sliced.before == ("b1",) and sliced.after == ("b3",)
    assert sliced.line_number == 4


@pytest.mark.parametrize("rg", TOOLS)
def test_a_slice_of_records_is_all_that_is_searched(tmp_path, rg) -> None:
    store = spilled(tmp_path)
    for i in range(6):
        store.append(Stream.Output, f"row {i} hit\n".encode(), float(i))
    result = run(store, SearchQuery("hit"), rg, start_record=2, stop_record=4)
    assert [h.line_number for h in result.hits] == [3, 4]


def test_cancel_before_the_start_and_from_progress(tmp_path) -> None:
    store = spilled(tmp_path)
    store.append(Stream.Output, b"nothing to see here\n" * 600_000, 0.0)  # 12 MB
    cancel = threading.Event()
    cancel.set()
    result = search_transcripts(
        [SearchSource(store)], SearchQuery("needle"), cancel=cancel, use_ripgrep=False
    )
    assert result.cancelled and result.count == 0

    cancel = threading.Event()
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        cancel.set()

    result = search_transcripts(
        [SearchSource(store)],
        SearchQuery(r"ne+dle", literal=False),
        cancel=cancel,
        progress=progress,
        use_ripgrep=False,
    )
    assert result.cancelled
    assert result.searched_bytes < result.total_bytes == store.size
    assert seen and all(total == store.size for _, total in seen)


@pytest.mark.skipif(not HAVE_RG, reason="rg not installed")
def test_cancel_kills_ripgrep(tmp_path) -> None:
    store = spilled(tmp_path)
    store.append(Stream.Output, b"needle\n" * 200_000, 0.0)
    cancel = threading.Event()

    def stop_at_first(_hit: object) -> None:
        cancel.set()

    result = search_transcripts(
        [SearchSource(store)],
        SearchQuery("needle", cap=None),
        cancel=cancel,
        on_hit=stop_at_first,
        use_ripgrep=True,
    )
    assert result.cancelled and result.count < 200_000


@pytest.mark.parametrize("rg", TOOLS)
def test_one_10_mib_line_is_searched_and_its_hit_clipped(tmp_path, rg) -> None:
    store = spilled(tmp_path)
    big = b"y" * (10 * 1024 * 1024)
    store.append(Stream.Output, b"before\n" + big + b" needle at the end\nafter\n", 0.0)
    literal = run(store, SearchQuery("needle"), rg)
    (hit,) = literal.hits
    assert hit.line_number == 2 and hit.clipped and len(hit.text) == TEXT_LIMIT
    # A backtracking regex over the long line (cubic in Python's re over 10 MiB): Python reads
    # the line around the literal, says so, and ends; ripgrep reads all of it in linear time.
    regex = run(store, SearchQuery(r"y.*y.*needle", literal=False), rg)
    assert regex.count == 1
    if not rg:
        assert any("longer than the regex reads" in note for note in regex.notes)
    # With nothing to prefilter, Python reads only the line's first bytes.
    no_literal = run(store, SearchQuery(r"[xy].*[xy].*[z]", literal=False), rg)
    assert no_literal.count == 0


def test_a_pathological_regex_is_refused_where_only_python_could_run_it(tmp_path) -> None:
    store = spilled(tmp_path)
    store.append(Stream.Output, b"a" * 40 + b"!\n", 0.0)
    with pytest.raises(InvalidPatternError, match="repeats a repetition"):
        run(store, SearchQuery(r"(a+)+$", literal=False), False)


@pytest.mark.skipif(not HAVE_RG, reason="rg not installed")
def test_a_pathological_regex_runs_in_linear_time_in_ripgrep(tmp_path) -> None:
    store = spilled(tmp_path)
    store.append(Stream.Output, b"a" * 5000 + b"!\n" + b"aaaa\n", 0.0)
    result = run(store, SearchQuery(r"(a+)+$", literal=False), True)
    assert [h.line_number for h in result.hits] == [2]


def test_a_search_task_runs_on_its_own_thread(tmp_path) -> None:
    store = spilled(tmp_path)
    sample(store)
    threads: list[str] = []
    task = SearchTask(
        [SearchSource(store, job_id=1)],
        SearchQuery("memory"),
        on_hit=lambda hit: threads.append(threading.current_thread().name),
    )
    result = task.wait(30)
    assert result is not None and result.count == 1 and task.done
    assert threads == ["jobtui-search"]
    bad = SearchTask([SearchSource(store)], SearchQuery("[", literal=False))
    with pytest.raises(InvalidPatternError):
        bad.wait(30)


# -- search equals a naive line-by-line search, on random transcripts -------------------------

_pieces = st.lists(
    st.tuples(
        st.sampled_from([Stream.Output, Stream.Error]),
        st.text(alphabet="abAB \n", min_size=1, max_size=30),
        st.sampled_from([0.0, 0.1, 1.0]),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(
    pieces=_pieces,
    pattern=st.text(alphabet="abAB ", min_size=1, max_size=3),
    literal=st.booleans(),
    case=st.sampled_from(list(CaseMode)),
    memory_limit=st.sampled_from([16, 1 << 20]),
)
def test_search_equals_a_naive_search_of_the_stores_lines(
    tmp_path_factory, pieces, pattern, literal, case, memory_limit
) -> None:
    store = OutputStore(memory_limit=memory_limit, spill_dir=str(tmp_path_factory.getbasetemp()))
    now = 0.0
    for stream, text, gap in pieces:
        now += gap
        store.append(stream, text.encode(), now)
    source = pattern if literal else pattern.replace("b", "b+")
    query = SearchQuery(source, literal=literal, case=case, cap=None)
    regex = re.compile(re.escape(source) if literal else source, re.I if query.ignore_case else 0)
    lines = store.lines(0, store.line_count)
    expected = [(n + 1, s, t) for n, (s, t) in enumerate(lines) if regex.search(t)]
    for rg in [False, True] if HAVE_RG and store.spilled else [False]:
        result = search_transcripts([SearchSource(store)], query, use_ripgrep=rg)
        assert [(h.line_number, h.stream, h.text) for h in result.hits] == expected
        assert result.count == len(expected)
    inverted = SearchQuery(source, literal=literal, case=case, cap=None, invert=True)
    result = search_transcripts([SearchSource(store)], inverted, use_ripgrep=False)
    assert [h.line_number for h in result.hits] == [
        n + 1 for n, (_, t) in enumerate(lines) if not regex.search(t)
    ]


def test_ripgrep_can_be_turned_off_and_its_absence_is_said(tmp_path, monkeypatch) -> None:
    store = spilled(tmp_path)
    sample(store)
    monkeypatch.setenv("JOBTUI_NO_RIPGREP", "1")
    assert ripgrep_binary() is None
    result = search_transcripts([SearchSource(store)], SearchQuery("memory"))
    assert result.tool is SearchTool.PYTHON and result.count == 1 and not result.notes
    insisted = search_transcripts([SearchSource(store)], SearchQuery("memory"), use_ripgrep=True)
    assert insisted.count == 1 and insisted.notes == [
        "ripgrep is not installed; Python searched instead"
    ]


@pytest.mark.skipif(not HAVE_RG, reason="rg not installed")
def test_a_pattern_ripgrep_refuses_is_searched_by_python(tmp_path) -> None:
    store = spilled(tmp_path)
    sample(store)
    result = run(store, SearchQuery(r"(?<=out of )memory", literal=False), False)
    assert result.count == 1
    via = search_transcripts(
        [SearchSource(store)], SearchQuery(r"(?<=out of )memory", literal=False), use_ripgrep=True
    )
    assert via.count == 1 and via.tool is SearchTool.PYTHON
    assert via.notes and via.notes[0].startswith("ripgrep refused the pattern")


def test_a_job_still_writing_is_searched_as_far_as_it_has_written(engine) -> None:
    """Each search sees a consistent prefix of the transcript: every hit is the store's line
    at that number, with its stream, however far the job has got."""
    job = engine.start_job("i=0; while [ $i -lt 40000 ]; do i=$((i+1)); echo row $i; done")
    store = job.child_jobs[0].output if job.child_jobs else job.output
    assert store is not None
    while True:
        finished = job.state.is_finished
        result = search_transcripts([SearchSource(store)], SearchQuery("7", cap=None))
        for hit in result.hits[:: max(1, len(result.hits) // 50)]:
            assert store.lines(hit.line_number - 1, hit.line_number) == [(hit.stream, hit.text)]
            assert "7" in hit.text
        if finished:
            break
    final = search_transcripts([SearchSource(store)], SearchQuery("7", cap=None))
    assert final.count == sum(1 for i in range(1, 40001) if "7" in f"row {i}")
