"""The service's search and transcript navigation: values in, values out; a search over a job
that writes counts each line once, pass after pass; stderr runs and times by line."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobtui.engine import JobEngine, OutputStore, Stream
from jobtui.engine.search import SearchQuery, SearchSource, search_transcripts
from jobtui.service import LocalService, SearchRequest, SearchUpdate


@pytest.fixture
def service(tmp_path: Path) -> Iterator[LocalService]:
    engine = JobEngine(shell="/bin/sh", grace=0.5, guardian=False, spill_dir=str(tmp_path))
    local = LocalService(engine)
    yield local
    local.shutdown()


def finished(service: LocalService, search_id: int) -> SearchUpdate:
    deadline = time.monotonic() + 10
    while True:
        update = service.search_update(search_id, 0)
        assert update is not None
        if update.finished:
            return update
        assert time.monotonic() < deadline, update
        time.sleep(0.02)


def test_a_search_of_a_growing_job_counts_every_line_once(service: LocalService) -> None:
    # Partial lines written in pieces: a pass may see "tick 3" before its newline.
    job = service.engine.start_job(
        "for i in 1 2 3 4 5 6 7 8; do printf 'tick '; sleep 0.05; echo $i; sleep 0.1; done"
    )
    search_id = service.start_search(SearchRequest("tick", job_ids=(job.id,)))
    update = finished(service, search_id)
    assert update.count == 8 and update.error is None
    assert [m.line for m in update.matches] == list(range(8))
    assert all(m.text.startswith("tick") and not m.error for m in update.matches)
    assert service.search_update(search_id, 5).matches == update.matches[5:]  # type: ignore[union-attr]
    service.cancel_search(search_id)
    assert service.search_update(search_id, 0) is None


def test_lines_only_gives_the_line_numbers_and_no_match_objects(service: LocalService) -> None:
    job = service.engine.start_job("printf 'a\\nneedle one\\nb\\nneedle two\\n'")
    assert service.engine.wait_job([job], timeout=10)
    request = SearchRequest("needle", job_ids=(job.id,), once=True, lines_only=True)
    search_id = service.start_search(request)
    update = finished(service, search_id)
    assert update.matches == () and update.lines == (1, 3) and update.count == 2
    assert service.search_update(search_id, 1).lines == (3,)  # type: ignore[union-attr]


def test_a_bad_pattern_is_one_line_of_error(service: LocalService) -> None:
    search_id = service.start_search(SearchRequest("(a", regex=True))
    update = finished(service, search_id)
    assert update.error is not None and "not a valid regular expression" in update.error


def test_whole_lines_leaves_the_last_line_to_the_next_pass() -> None:
    store = OutputStore()
    store.append(Stream.Output, b"one\ntw", 1.0)
    query = SearchQuery("tw", cap=None)
    first = search_transcripts([SearchSource(store, 1, whole_lines=True)], query)
    assert first.count == 0 and first.ends == [4]
    store.append(Stream.Output, b"o\nthree\n", 2.0)
    store.close()
    again = search_transcripts(
        [SearchSource(store, 1, start_offset=first.ends[0], whole_lines=True)], query
    )
    assert again.count == 1 and again.hits[0].line_number == 2


def test_stderr_runs_times_and_lines_by_time(service: LocalService) -> None:
    store = OutputStore()
    store.append(Stream.Output, b"a\nb\n", 10.0)
    store.append(Stream.Error, b"e1\ne2\n", 20.0)
    store.append(Stream.Output, b"c\n", 30.0)
    store.append(Stream.Error, b"e3\n", 40.0)
    assert store.stream_line(Stream.Error, 0, forward=True) == 2
    assert store.stream_line(Stream.Error, 2, forward=True) == 5
    assert store.stream_line(Stream.Error, 5, forward=True) is None
    assert store.stream_line(Stream.Error, 5, forward=False) == 2
    assert store.stream_line(Stream.Error, 2, forward=False) is None
    assert store.line_times(1, 5) == [10.0, 20.0, 20.0, 30.0]
    assert store.line_at_time(25.0) == 4
    assert store.line_at_time(50.0) is None
    assert service.line_times(999, 0, 3) == [] and service.line_at_time(999, 0) is None
