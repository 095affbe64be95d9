"""The search and the transcript navigation over the host's socket: the same values as in
process, and a bad request is a bad_args error."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobtui.service import SearchRequest, SearchUpdate
from tests.hosting import Host


@pytest.fixture
def host() -> Iterator[Host]:
    with tempfile.TemporaryDirectory(prefix="jh-") as root:
        served = Host(Path(root))
        try:
            yield served
        finally:
            served.stop()


def test_a_search_and_the_navigation_cross_the_socket(host: Host) -> None:
    client = host.connect()
    result = client.execute(
        "Start-Job -Name mix {echo out 1; sleep 0.1; echo 'boom 1' >&2; sleep 0.1; echo out 2}"
        " | Wait-Job"
    )
    job_id = result.job_ids[0]
    search_id = client.start_search(SearchRequest("boom", job_ids=(job_id,)))
    assert search_id > 0
    deadline = time.monotonic() + 10
    update: SearchUpdate | None = None
    while update is None or not update.finished:
        assert time.monotonic() < deadline
        update = client.search_update(search_id, 0)
        time.sleep(0.05)
    assert update.count == 1 and update.error is None
    (match,) = update.matches
    assert (match.job_id, match.line, match.error, match.text) == (job_id, 1, True, "boom 1")
    client.cancel_search(search_id)
    assert client.search_update(search_id, 0) is None

    assert client.stream_line(job_id, 0, error=True, forward=True) == 1
    assert client.stream_line(job_id, 1, error=True, forward=True) is None
    times = client.line_times(job_id, 0, 3)
    assert len(times) == 3 and times[0] <= times[1] <= times[2]
    assert client.line_at_time(job_id, times[2]) == 2
    assert client.line_at_time(job_id, times[2] + 60) is None

    bad = client.start_search(SearchRequest("(", regex=True))
    deadline = time.monotonic() + 10
    failed = client.search_update(bad, 0)
    while failed is not None and not failed.finished:
        assert time.monotonic() < deadline
        failed = client.search_update(bad, 0)
    assert failed is not None and failed.error and "not a valid regular expression" in failed.error
