"""LocalService: the UI's one door, served in process: values in, values out."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobtui.engine import JobEngine, JobState
from jobtui.service import JobService, LineResult, LocalService


@pytest.fixture
def service(tmp_path: Path) -> Iterator[LocalService]:
    engine = JobEngine(shell="/bin/sh", grace=0.5, guardian=False, spill_dir=str(tmp_path))
    local = LocalService(engine)
    yield local
    local.shutdown()


def test_a_line_gives_back_values_and_the_ids_of_its_jobs(service: LocalService) -> None:
    door: JobService = service  # the protocol is what the UI holds
    streamed: list[str] = []

    result = door.execute(
        "Start-Job {echo hi} | Wait-Job",
        on_output=lambda lines: streamed.extend(line.text for line in lines),
    )

    assert isinstance(result, LineResult) and result.succeeded
    assert result.job_ids == [1]  # the top-level job, not its child
    assert any(text.startswith("1 ") and "Completed" in text for text in streamed)
    assert result.wait is not None and result.wait.finished_ids == (1,)


def test_changes_transcript_and_receive_through_a_line(service: LocalService) -> None:
    service.execute("Start-Job {seq 3} | Wait-Job")
    changes = service.changes(-1)
    (job,) = changes.changed

    source = service.transcript(job.id)
    assert source is not None and source.lines(0, 3) == [
        ("output", "1"),
        ("output", "2"),
        ("output", "3"),
    ]
    assert source.unread_from() == 0
    service.receive_through(job.id, 2)
    after = service.changes(changes.version)
    assert [s.id for s in after.changed] == [job.id]
    assert after.changed[0].unread_lines == 0 and not after.changed[0].has_more_data
    assert service.transcript(99) is None and service.snapshot(99) is None
    service.receive_through(99, 0)  # a job gone is no error


def test_the_language_loads_once_on_first_need(service: LocalService) -> None:
    assert not service.language_loaded
    service.width = 77
    threads = [threading.Thread(target=service.load_language) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert service.language_loaded and service.session().width == 77
    assert service.complete("Get-J") == ["Get-Job"]
    assert isinstance(service.complete('"unclosed {'), list)  # a line it cannot read: no raise


def test_subscribers_hear_changes_but_not_statistics(service: LocalService) -> None:
    heard = threading.Event()
    unsubscribe = service.subscribe(heard.set)
    service.execute("Start-Job {true} | Wait-Job")
    assert heard.is_set()
    unsubscribe()
    heard.clear()
    service.execute("Start-Job {true} | Wait-Job")
    assert not heard.is_set()


def test_a_cancelled_wait_ends_its_line(service: LocalService) -> None:
    service.execute("Start-Job {sleep 30}")
    cancel = threading.Event()

    def started(_: object) -> None:
        cancel.set()
        service.wake_waiters()

    result = service.execute("Wait-Job -Id 1", on_wait=started, cancel=cancel)

    assert result.wait is not None and result.wait.end.name == "CANCELLED"
    snapshot = service.snapshot(1)
    assert snapshot is not None and snapshot.state is JobState.Running


def test_a_new_service_makes_its_engine_when_first_needed(tmp_path: Path) -> None:
    """The first frame pulls changes and subscribes before the engine exists: it sees no job,
    and hears the jobs started once it does."""
    service = LocalService.new(shell="/bin/sh", grace=0.5, guardian=False, spill_dir=str(tmp_path))
    try:
        heard = threading.Event()
        assert service.changes(-1).changed == () and not service.started
        assert service.snapshot(1) is None and service.transcript(1) is None
        service.subscribe(heard.set)
        service.wake_waiters()
        assert not service.started

        service.execute("Start-Job {true} | Wait-Job")

        assert service.started and heard.is_set()
        assert [s.id for s in service.changes(0).changed] == [1]
    finally:
        service.shutdown()


def test_unsubscribing_before_the_engine_exists_hears_nothing_after(tmp_path: Path) -> None:
    service = LocalService.new(shell="/bin/sh", grace=0.5, guardian=False, spill_dir=str(tmp_path))
    try:
        heard = threading.Event()
        service.subscribe(heard.set)()
        service.execute("Start-Job {true} | Wait-Job")
        assert not heard.is_set()
    finally:
        service.shutdown()


def test_a_service_ended_before_its_engine_starts_no_job(tmp_path: Path) -> None:
    service = LocalService.new(shell="/bin/sh", grace=0.5, guardian=False, spill_dir=str(tmp_path))
    service.shutdown()
    with pytest.raises(RuntimeError, match="ended"):
        service.execute("Start-Job {sleep 30}")
