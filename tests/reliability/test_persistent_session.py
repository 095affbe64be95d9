"""A persistent session over real monitors: its jobs outlive a killed host and are re-adopted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from jobtui.engine import Job, JobInputError, JobState, Stream
from jobtui.engine.local import jobmonitor, processes
from jobtui.engine.local.jobfiles import JobFiles
from jobtui.engine.local.monitored import WATCHED_POLL, MonitoredRunner, runaway_note
from jobtui.persistent import dropped_note
from jobtui.service import LocalService

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = {"grace": 0.5, "guardian": False, "shell": "/bin/sh"}


def wait_for(condition: Callable[[], object], timeout: float = 30.0) -> None:
    """Wait until ``condition()`` holds; fail (not hang) when it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {condition}")
        time.sleep(0.02)


def alive(pid: int) -> bool:
    return jobmonitor.process_state(pid) not in (None, "Z", "X")


def tagged(job: Job) -> set[int]:
    """Every live process of a job (by its tag): none may outlive it."""
    return {
        pid
        for pid in processes.tagged_pids(processes.JOB_TAG, str(job.executing_job.instance_id))
        if alive(pid)
    }


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An isolated state directory; every monitor and job still running after the test dies."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    path = tmp_path / "state" / "jobtui"
    yield path
    for info in (JobFiles(d).monitor_info() for d in (path / "jobs").glob("*")):
        if info is None:
            continue
        table = processes.process_table()
        for pid in table.job_pids(info.job_pid, info.pgid, info.tag) | {info.monitor_pid}:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def opened(state_dir: Path) -> Iterator[Callable[[], LocalService]]:
    """Open the persistent session (again); each one opened is shut down at the end."""
    services: list[LocalService] = []

    def open_one() -> LocalService:
        service = LocalService.persistent(state_dir, **OPTIONS)
        services.append(service)
        return service

    yield open_one
    for service in services:
        service.shutdown()


# A host in a child process: it starts the jobs, writes their records, says so, and waits to
# be killed (a crash: no shutdown, no last write).
HOST = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from jobtui.service import LocalService
    service = LocalService.persistent(Path(sys.argv[1]), grace=0.5, guardian=False, shell="/bin/sh")
    for command in sys.argv[2:]:
        service.engine.start_job(command)
    time.sleep(0.3)
    service.persistence.flush()
    print("ready", flush=True)
    time.sleep(600)
    """
)


def crash_host(state_dir: Path, *commands: str) -> None:
    """Run a session in a child process that starts ``commands``, then SIGKILL it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    host = subprocess.Popen(
        [sys.executable, "-c", HOST, str(state_dir), *commands],
        stdout=subprocess.PIPE,
        env=env,
    )
    assert host.stdout is not None
    assert host.stdout.readline() == b"ready\n"
    host.kill()
    host.wait()
    host.stdout.close()


WRITER = "i=0; while [ $i -lt 40 ]; do echo line $i; i=$((i+1)); sleep 0.05; done; echo tail >&2"
EXPECTED = b"".join(f"line {i}\n".encode() for i in range(40))


def test_a_killed_host_leaves_every_job_running_and_a_new_one_adopts_them(
    state_dir: Path, opened: Callable[[], LocalService]
) -> None:
    crash_host(state_dir, WRITER, "sleep 0.5; echo bye; exit 7", "sleep 30", "exit 0")
    # Every job goes on without its host: the ones that have not ended have a live monitor.
    files = [JobFiles(d) for d in (state_dir / "jobs").iterdir()]
    running = [f.monitor_info() for f in files if f.exit_status() is None]
    assert len(running) >= 2
    assert all(info is not None and alive(info.monitor_pid) for info in running)
    time.sleep(0.8)  # the second job ends while no host watches it
    service = opened()
    writer, ender, sleeper, quick = service.engine.jobs
    assert (writer.id, ender.id, sleeper.id, quick.id) == (1, 3, 5, 7)
    assert sleeper.state is JobState.Running
    for job in (writer, ender, quick):
        assert job.finished.wait(20), job
    assert writer.state is JobState.Completed
    store = writer.transcript
    assert store is not None
    assert store.stream_bytes(Stream.Output) == EXPECTED
    assert store.stream_bytes(Stream.Error) == b"tail\n"
    assert ender.state is JobState.Failed
    assert ender.executing_job.process.exit_code == 7
    assert "Exit code 7" in str(ender.reason)
    assert quick.state is JobState.Completed
    # Ids go on from the earlier session's.
    assert service.engine.start_job("true").id == 9


def test_a_job_adopted_again_keeps_its_receive_cursor_and_can_be_stopped(
    state_dir: Path, opened: Callable[[], LocalService]
) -> None:
    service = opened()
    job = service.engine.start_job("echo one; echo two; sleep 30")
    wait_for(lambda: job.transcript is not None and job.transcript.line_count == 2)
    received = list(service.engine.receive_job([job]).lines())
    assert [text for _, text in received] == ["one", "two"]
    assert service.persistence is not None
    service.persistence.flush()
    service.persistence.close()
    service.persistence = None  # dropped: the next session adopts the job

    again = opened()
    (adopted,) = again.engine.jobs
    assert adopted.state is JobState.Running
    assert list(again.engine.receive_job([adopted]).lines()) == []
    pids = tagged(adopted)
    assert pids
    again.engine.stop_job([adopted])
    assert adopted.state is JobState.Stopped
    assert not any(alive(pid) for pid in pids)


def test_a_killed_monitor_stops_its_job_and_fails_it_with_a_reason(
    opened: Callable[[], LocalService],
) -> None:
    service = opened()
    job = service.engine.start_job("sleep 30 & sleep 30; wait")
    child = job.executing_job
    wait_for(lambda: len(tagged(job)) >= 2)
    pids = tagged(job)
    info = getattr(child.runner, "info", None)
    assert info is not None
    os.kill(info.monitor_pid, signal.SIGKILL)
    assert job.finished.wait(20)
    assert job.state is JobState.Failed
    assert "monitor" in str(job.reason)
    wait_for(lambda: not any(psutil.pid_exists(p) and alive(p) for p in pids), timeout=10)


def test_a_monitor_gone_with_the_boot_is_a_reboot(
    state_dir: Path, opened: Callable[[], LocalService]
) -> None:
    crash_host(state_dir, "sleep 30")
    (job_dir,) = (state_dir / "jobs").iterdir()
    info = JobFiles(job_dir).monitor_info()
    assert info is not None
    os.kill(info.monitor_pid, signal.SIGKILL)  # its sentinel ends the job
    wait_for(lambda: not alive(info.monitor_pid) and not alive(info.job_pid))
    record = json.loads((job_dir / "monitor.json").read_text())
    record["boot_id"] = "an-earlier-boot"
    (job_dir / "monitor.json").write_text(json.dumps(record))
    (job,) = opened().engine.jobs
    assert job.finished.wait(10)
    assert job.state is JobState.Failed
    assert "rebooted" in str(job.reason)


def test_ending_the_session_stops_every_job_and_leaves_no_monitor(
    opened: Callable[[], LocalService],
) -> None:
    service = opened()
    jobs = [service.engine.start_job("sleep 30") for _ in range(3)]
    wait_for(lambda: all(tagged(job) for job in jobs))
    monitors = [getattr(job.executing_job.runner, "info", None) for job in jobs]
    pids = set().union(*(tagged(job) for job in jobs))
    service.shutdown()
    assert all(job.state is JobState.Stopped for job in jobs)
    for info in monitors:
        assert info is not None
        wait_for(lambda info=info: not alive(info.monitor_pid), timeout=10)
    assert not any(alive(pid) for pid in pids)


def test_finished_jobs_are_listed_again_with_their_output_until_removed(
    state_dir: Path, opened: Callable[[], LocalService]
) -> None:
    service = opened()
    kept = service.engine.start_job("printf 'a\\nb\\n'; exit 2")
    gone = service.engine.start_job("echo gone")
    assert kept.finished.wait(10) and gone.finished.wait(10)
    gone_dir = service.engine.job_dir(gone.executing_job)
    assert gone_dir is not None and gone_dir.is_dir()
    service.engine.remove_job(gone)
    service.shutdown()
    assert not gone_dir.exists()

    again = opened()
    (listed,) = again.engine.jobs
    assert (listed.id, listed.state, listed.command) == (kept.id, JobState.Failed, kept.command)
    assert listed.executing_job.process.exit_code == 2
    assert str(listed.reason) == str(kept.reason)
    assert [text for _, text in again.engine.receive_job([listed], keep=True).lines()] == [
        "a",
        "b",
    ]
    assert again.engine.start_job("true").id == gone.id + 2  # the removed job's id is not reused
    restarted = again.engine.restart_job(listed)
    assert restarted.finished.wait(10)
    assert restarted.executing_job.process.exit_code == 2


def test_a_corrupt_history_is_moved_aside_said_once_and_the_session_goes_on(
    state_dir: Path, opened: Callable[[], LocalService]
) -> None:
    state_dir.mkdir(parents=True)
    (state_dir / "history.db").write_bytes(b"this is not a database" * 100)
    service = opened()
    assert service.persistence is not None
    assert len(service.persistence.notices) == 1
    assert "moved aside" in service.persistence.notices[0]
    assert list(state_dir.glob("history.db.corrupt-*"))
    job = service.engine.start_job("echo fine")
    assert job.finished.wait(10) and job.state is JobState.Completed


def test_a_full_disk_while_writing_history_loses_no_job(
    small_disk: Path, tmp_path: Path, opened: Callable[[], LocalService], state_dir: Path
) -> None:
    # The history on a small disk; the transcripts elsewhere (a full disk there is the
    # monitor's own test).
    state_dir.parent.mkdir(parents=True, exist_ok=True)
    state_dir.symlink_to(small_disk)
    (tmp_path / "transcripts").mkdir()
    (small_disk / "jobs").symlink_to(tmp_path / "transcripts")
    service = opened()
    assert service.persistence is not None
    filler = small_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    with pytest.raises(OSError):
        while True:
            os.write(fd, b"x" * 512)
    os.close(fd)
    jobs = [service.engine.start_job(f"echo job {n}") for n in range(20)]
    assert all(job.finished.wait(10) for job in jobs)
    service.persistence.flush()
    assert any("not saved" in notice for notice in service.persistence.notices)
    filler.unlink()
    service.persistence.flush()
    assert service.persistence.notices[-1] == "job history saved again"
    service.shutdown()

    again = opened()
    assert [job.id for job in again.engine.jobs] == [job.id for job in jobs]
    assert all(job.state is JobState.Completed for job in again.engine.jobs)


def test_a_monitored_job_reads_its_start_input_and_refuses_more(
    opened: Callable[[], LocalService],
) -> None:
    service = opened()
    job = service.engine.start_job("cat; echo end", input=b"given\n")
    assert job.finished.wait(10)
    assert [t for _, t in service.engine.receive_job([job]).lines()] == ["given", "end"]
    reader = service.engine.start_job("cat; sleep 30", input=b"given\n")
    with pytest.raises(JobInputError, match="does not accept input"):
        service.engine.send_input(reader, b"more\n")


def test_a_running_monitored_job_takes_input_until_it_is_closed(
    opened: Callable[[], LocalService],
) -> None:
    service = opened()
    job = service.engine.start_job("cat; echo end")
    assert job.executing_job.runner is not None and job.executing_job.runner.accepts_input
    assert service.engine.send_input(job, b"typed\n") == 6
    store = job.executing_job.transcript
    assert store is not None
    wait_for(lambda: store.line_count == 1)
    assert not job.state.is_finished  # no end of file yet: cat reads on
    service.engine.close_input(job)
    assert job.finished.wait(10) and job.state is JobState.Completed
    assert [t for _, t in service.engine.receive_job([job]).lines()] == ["typed", "end"]
    assert not list(state_files(service, "stdin.fifo"))
    with pytest.raises(JobInputError):
        service.engine.send_input(job, b"late\n")


def test_a_killed_host_leaves_the_input_open_and_the_next_one_writes_to_it(
    state_dir: Path, opened: Callable[[], LocalService]
) -> None:
    crash_host(state_dir, "cat; echo end")
    time.sleep(0.5)  # the job reads no end of file while no host runs: its monitor holds it
    service = opened()
    (job,) = service.engine.jobs
    runner = job.executing_job.runner
    assert job.state is JobState.Running and runner is not None and runner.accepts_input
    service.engine.send_input(job, b"after the crash\n")
    service.engine.close_input(job)
    assert job.finished.wait(10) and job.state is JobState.Completed
    assert [t for _, t in service.engine.receive_job([job]).lines()] == ["after the crash", "end"]


def state_files(service: LocalService, name: str) -> list[Path]:
    """The files called ``name`` in the session's job directories."""
    root = service.engine.job_root
    assert root is not None
    return list(root.glob(f"*/{name}"))


def test_suspend_and_resume_reach_a_monitored_jobs_processes(
    opened: Callable[[], LocalService],
) -> None:
    service = opened()
    job = service.engine.start_job("sleep 30 & sleep 30; wait")
    wait_for(lambda: len(tagged(job)) >= 3)  # the shell and its two sleeps
    assert service.engine.suspend_job([job]) == [job]
    assert job.state is JobState.Suspended
    wait_for(lambda: all(jobmonitor.process_state(pid) == "T" for pid in tagged(job)))
    assert service.engine.resume_job([job]) == [job]
    wait_for(lambda: all(jobmonitor.process_state(pid) != "T" for pid in tagged(job)))


def test_past_the_disk_budget_the_oldest_finished_transcripts_go_first(
    state_dir: Path, opened: Callable[[], LocalService]
) -> None:
    service = LocalService.persistent(state_dir, disk_budget=10_000, **OPTIONS)
    jobs = []
    for n in range(3):  # 6,000 bytes each: two do not fit
        job = service.engine.start_job(f"yes {n}{n}{n}{n} | head -c 6000")
        assert job.finished.wait(10)
        jobs.append(job)
        assert service.persistence is not None
        service.persistence.flush()
    oldest, middle, newest = jobs
    for gone in (oldest, middle):
        assert gone.status_message == dropped_note(6000)
        assert list(service.engine.receive_job([gone], keep=True).lines()) == []
    assert newest.status_message == ""
    assert len(list(service.engine.receive_job([newest], keep=True).lines())) == 1200
    service.shutdown()

    again = opened()
    restored = again.engine.jobs
    assert [job.status_message for job in restored] == [dropped_note(6000)] * 2 + [""]
    assert [job.state for job in restored] == [JobState.Completed] * 3
    store = restored[2].transcript
    assert store is not None and store.size == 6000


SEQ = b"".join(f"{n}\n".encode() for n in range(1, 100001))


def test_a_runaway_job_keeps_its_head_and_its_tail_and_says_what_was_dropped(
    state_dir: Path,
) -> None:
    service = LocalService.persistent(state_dir, disk_budget=2000, **OPTIONS)
    try:
        job = service.engine.start_job("seq 1 100000")
        assert job.finished.wait(20)
        store = job.transcript
        assert store is not None
        kept = store.stream_bytes(Stream.Output)
        assert 1000 <= len(kept) <= 2000
        dropped = len(SEQ) - len(kept)
        # Whole lines from the start (up to half the budget), then the last bytes to the end.
        splits = [
            k
            for k in range(1, 1001)
            if kept[k - 1] == 0x0A and SEQ.startswith(kept[:k]) and SEQ.endswith(kept[k:])
        ]
        assert splits and len(kept) - splits[-1] <= 1000
        assert job.state is JobState.Completed
        assert job.status_message == runaway_note(dropped)
    finally:
        service.shutdown()
    again = opened_once(state_dir)
    try:
        (restored,) = again.engine.jobs
        assert restored.status_message == runaway_note(dropped)
        assert restored.transcript is not None
        assert restored.transcript.stream_bytes(Stream.Output) == kept
    finally:
        again.shutdown()


def opened_once(state_dir: Path) -> LocalService:
    return LocalService.persistent(state_dir, disk_budget=2000, **OPTIONS)


def test_a_job_whose_record_was_never_written_is_still_adopted(
    state_dir: Path, opened: Callable[[], LocalService]
) -> None:
    crash_host(state_dir, WRITER, "echo short; exit 4")
    # As if the host had died between starting the monitors and writing their records.
    for path in state_dir.glob("history.db*"):
        path.unlink()
    time.sleep(0.3)
    service = opened()
    by_command = {job.command: job for job in service.engine.jobs}
    assert set(by_command) == {WRITER, "echo short; exit 4"}
    writer, short = by_command[WRITER], by_command["echo short; exit 4"]
    assert writer.finished.wait(20) and short.finished.wait(20)
    assert writer.state is JobState.Completed
    assert writer.transcript is not None
    assert writer.transcript.stream_bytes(Stream.Output) == EXPECTED
    assert short.state is JobState.Failed
    assert short.executing_job.process.exit_code == 4
    assert len({job.id for job in service.engine.jobs}) == 2


def test_a_quiet_job_is_watched_not_polled_and_its_next_line_comes_at_once(
    opened: Callable[[], LocalService], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two hundred sleeping jobs, each looked at twice a second, were half a percent of a core:
    a quiet transcript is watched (inotify) instead, and looked at when it is written."""
    looks: list[float] = []
    original = MonitoredRunner.follow

    def counting(self: MonitoredRunner, now: float) -> None:
        looks.append(now)
        original(self, now)

    monkeypatch.setattr(MonitoredRunner, "follow", counting)
    service = opened()
    job = service.engine.start_job("echo early; sleep 6; echo late; sleep 60")

    def said() -> list[str]:
        return [t for _, t in service.engine.receive_job([job], keep=True).lines()]

    wait_for(lambda: said() == ["early"])
    time.sleep(1.5)  # quiet: past the slowing down, into the watch
    looks.clear()
    # Sooner than the watched job's safety look (WATCHED_POLL, 10 s) would bring it.
    wait_for(lambda: said() == ["early", "late"], timeout=7.0)
    assert WATCHED_POLL >= 10.0
    # Polled, the 4.5 s of quiet would have been nine looks.
    assert len(looks) <= 3, looks
    service.engine.stop_job([job])


def test_a_monitored_job_shows_its_cpu_and_memory_and_blocked_while_it_waits_for_input(
    state_dir: Path,
) -> None:
    """The process monitor sampled only the engine's own process jobs: through the session host
    (every job under a monitor) the table's CPU and memory stayed empty, and no job was ever
    Blocked on its input."""
    service = LocalService.persistent(state_dir, **OPTIONS, monitor_interval=0.2)
    try:
        busy = service.engine.start_job("while :; do :; done")
        reader = service.engine.start_job("read line; echo got $line; sleep 30")
        process = busy.executing_job.process
        wait_for(lambda: (process.cpu_percent or 0) > 5 and (process.memory_rss or 0) > 0)
        assert process.process_count >= 1
        wait_for(lambda: reader.state is JobState.Blocked)
        service.engine.send_input(reader, b"it\n")
        wait_for(lambda: reader.state is JobState.Running)
        wait_for(lambda: [t for _, t in reader.executing_job.transcript.lines(0, 5)] == ["got it"])
    finally:
        service.shutdown()
