"""The per-job monitor, over real processes: it outlives its parent; its job never outlives it."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from jobtui.engine import OutputStore, Stream
from jobtui.engine.local import jobmonitor, processes
from jobtui.engine.local.jobfiles import (
    Found,
    JobFiles,
    MonitorStartError,
    adopt_all,
    monitor_command,
    start_monitor,
)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition: Callable[[], object], timeout: float = 30.0) -> None:
    """Wait until ``condition()`` holds; fail (not hang) when it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {condition}")
        time.sleep(0.02)


def alive(pid: int) -> bool:
    return jobmonitor.process_state(pid) not in (None, "Z", "X")


def group_and_tagged(pgid: int, tag: str) -> set[int]:
    table = processes.process_table()
    return table.job_pids(None, pgid, tag)


@pytest.fixture
def job_dir(tmp_path: Path) -> Iterator[Path]:
    """A job's directory; any monitor or job still running after the test is killed."""
    path = tmp_path / "state" / "jobs" / str(uuid.uuid4())
    yield path
    info = JobFiles(path).monitor_info()
    if info is not None:
        for pid in group_and_tagged(info.pgid, info.tag or "-") | {info.monitor_pid}:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_the_tag_is_the_engines_tag() -> None:
    assert jobmonitor.JOB_TAG == processes.JOB_TAG


def test_the_monitor_imports_only_the_standard_library(job_dir: Path) -> None:
    probe = (
        "import runpy, sys; sys.argv = ['m', '--help']\n"
        f"try: runpy.run_path({str(jobmonitor.__file__)!r}, run_name='__main__')\n"
        "except SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('jobtui', 'psutil', 'textual'))))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
    assert "usage" in done.stderr


def test_a_job_runs_to_its_exit_code_with_both_streams_apart(job_dir: Path) -> None:
    script = "printf 'out 1\\n'; printf 'err 1\\n' >&2; printf 'no newline'; exit 3"
    process, info = start_monitor(job_dir, ["sh", "-c", script], cwd=str(job_dir.parent))
    assert process.wait(30) == 0
    files = JobFiles(job_dir)
    status = files.exit_status()
    assert status is not None
    assert (status.exit_code, status.signal, status.error) == (3, None, None)
    assert status.job_pid == info.job_pid and status.boot_id == info.boot_id
    assert status.job_start == info.job_start is not None
    assert status.begin_time is not None and status.begin_time <= status.end_time
    assert files.stream_bytes(Stream.Output) == b"out 1\nno newline"
    assert files.stream_bytes(Stream.Error) == b"err 1\n"
    assert status.transcript_bytes == files.indexed_bytes == 22
    assert files.adopt().found is Found.ENDED
    assert not (job_dir / "exit.json.tmp").exists()
    assert not (job_dir / jobmonitor.LOG).exists()  # made only when something is logged


def test_the_reader_follows_a_byte_cursor(job_dir: Path) -> None:
    # Each piece waits until the monitor has the one before: three reads, in this order.
    until = 'while [ "$(wc -c < out.log)" -lt {} ]; do sleep 0.01; done'
    script = f"printf aaaa; {until.format(4)}; printf bb >&2; {until.format(6)}; printf cccccc"
    process, _ = start_monitor(job_dir, ["sh", "-c", script], cwd=str(job_dir))
    process.wait(30)
    files = JobFiles(job_dir)
    whole = list(files.chunks())
    assert b"".join(c.data for c in whole) == b"aaaabbcccccc"
    ends = [c.offset + len(c.data) for c in whole]
    assert [c.offset for c in whole] == [0, *ends[:-1]]  # one log, no gap, no overlap
    cut = list(files.chunks(5))
    assert b"".join(c.data for c in cut) == b"bcccccc"
    assert cut[0].stream is Stream.Error and cut[0].offset == 5
    assert list(files.chunks(12)) == []
    assert len(list(files.chunks(0, limit=1))) == 1


def test_a_line_cut_by_the_other_stream_stays_one_record(job_dir: Path) -> None:
    # Three reads: half a line, a whole error line, the rest of the first line (each write
    # waits until the monitor has drained the pipe). With a long flush time no timer can cut
    # the half line, however slow the machine is.
    script = textwrap.dedent(
        """
        import fcntl, os, struct, termios
        def drained(fd):
            while struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"    "))[0]:
                pass
        os.write(1, b"ha"); drained(1)
        os.write(2, b"err\\n"); drained(2)
        os.write(1, b"lf\\n")
        """
    )
    argv = monitor_command(job_dir, [sys.executable, "-c", script], cwd="/")
    argv[argv.index("--") : argv.index("--")] = ["--flush", "60"]
    subprocess.run(argv, check=True, capture_output=True)
    records = [(c.stream, c.data) for c in JobFiles(job_dir).chunks()]
    assert sorted(records) == [(Stream.Output, b"half\n"), (Stream.Error, b"err\n")]


def test_a_host_fills_an_output_store_with_the_same_bytes_at_the_same_offsets(
    job_dir: Path,
) -> None:
    script = "for i in $(seq 500); do echo out $i; echo err $i >&2; done; printf 'end'"
    process, _ = start_monitor(job_dir, ["sh", "-c", script], cwd="/")
    process.wait(30)
    files = JobFiles(job_dir)
    whole, stepwise = OutputStore(), OutputStore()
    assert files.append_to(whole) == files.indexed_bytes == whole.size
    cursor = 0
    while cursor < files.indexed_bytes:  # as a host follows a running job, a piece at a time
        cursor = files.append_to(stepwise, cursor, limit=100)
    for store in (whole, stepwise):
        assert store.stream_bytes(Stream.Output) == files.stream_bytes(Stream.Output)
        assert store.stream_bytes(Stream.Error) == files.stream_bytes(Stream.Error)
        assert store.line_count == 1001
        assert store.lines(1000, 1001) == [(Stream.Output, "end")]
    assert files.stream_bytes(Stream.Output).endswith(b"out 500\nend")


def test_a_partial_line_is_committed_after_the_flush_time(job_dir: Path) -> None:
    # A prompt with no newline: it must reach the transcript while the job still runs.
    script = "printf 'Password: '; while [ ! -e go ]; do sleep 0.02; done"
    process, _ = start_monitor(job_dir, ["sh", "-c", script], cwd=str(job_dir))
    files = JobFiles(job_dir)
    wait_for(lambda: files.indexed_bytes == 10)
    assert files.stream_bytes(Stream.Output) == b"Password: "
    (job_dir / "go").touch()
    process.wait(30)


def test_a_command_that_cannot_start_is_one_clear_line(job_dir: Path) -> None:
    with pytest.raises(MonitorStartError, match="no-such-command: No such file"):
        start_monitor(job_dir, ["no-such-command"], cwd="/")
    status = JobFiles(job_dir).exit_status()
    assert status is not None and status.exit_code is None and status.error


def test_a_missing_working_directory_is_named(job_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(MonitorStartError) as caught:
        start_monitor(job_dir, ["true"], cwd=str(tmp_path / "gone"))
    assert str(caught.value) == (
        f"the working directory {tmp_path / 'gone'}: No such file or directory"
    )


def test_a_second_monitor_never_writes_over_a_transcript(job_dir: Path) -> None:
    start_monitor(job_dir, ["true"], cwd="/")[0].wait(30)
    before = (job_dir / "out.log").read_bytes()
    with pytest.raises(MonitorStartError, match="File exists"):
        start_monitor(job_dir, ["echo", "again"], cwd="/")
    assert (job_dir / "out.log").read_bytes() == before


def test_a_signalled_job_and_sigterm_to_the_monitor(job_dir: Path) -> None:
    process, info = start_monitor(
        job_dir, ["sh", "-c", "echo up; exec sleep 300"], cwd="/", tag="t-term"
    )
    files = JobFiles(job_dir)
    wait_for(lambda: files.indexed_bytes >= 3)
    assert files.adopt().found is Found.RUNNING
    process.send_signal(signal.SIGTERM)  # a stop request: passed on to the job's group
    assert process.wait(30) == 0
    status = files.exit_status()
    assert status is not None
    assert (status.exit_code, status.signal, status.signal_name) == (None, 15, "SIGTERM")
    assert not alive(info.job_pid)


def test_orphans_stay_under_the_monitor_and_are_reaped(job_dir: Path) -> None:
    # The outer shell exits at once; its child waits until the outer one is gone, then says
    # who its parent is now: the monitor, a subreaper, not init.
    inner = "while [ -e /proc/$OUTER ]; do sleep 0.01; done; grep PPid /proc/$$/status"
    script = f"OUTER=$$; export OUTER; sh -c '{inner}' & exit 0"
    process, info = start_monitor(job_dir, ["sh", "-c", script], cwd="/")
    assert process.wait(30) == 0
    out = JobFiles(job_dir).stream_bytes(Stream.Output).decode()
    assert out.split() == ["PPid:", str(info.monitor_pid)]
    status = JobFiles(job_dir).exit_status()
    assert status is not None and status.exit_code == 0


_PARENT = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from jobtui.engine.local.jobfiles import start_monitor
    process, info = start_monitor(Path(sys.argv[1]), sys.argv[3:], cwd=sys.argv[2], tag="t-p")
    print(json.dumps({"monitor": info.monitor_pid, "job": info.job_pid}), flush=True)
    time.sleep(300)
    """
)


def test_the_job_outlives_its_killed_parent_byte_for_byte(job_dir: Path, tmp_path: Path) -> None:
    # Random bytes (invalid UTF-8, NULs, carriage returns), each piece ending its last line:
    # a partial line would wait in the monitor for the rest of its line (as in the engine).
    chunks = {name: os.urandom(300_000) + b"\0\r\xff\xfe\n" for name in "ABCD"}
    for name, data in chunks.items():
        (tmp_path / name).write_bytes(data)
    script = "cat A; cat B >&2; while [ ! -e go ]; do sleep 0.02; done; cat C; cat D >&2; exit 7"
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, str(job_dir), str(tmp_path), "sh", "-c", script],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert parent.stdout is not None
    pids = json.loads(parent.stdout.readline())
    files = JobFiles(job_dir)
    wait_for(lambda: files.indexed_bytes == 600_010)  # A and B are in before the parent dies
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    assert alive(pids["monitor"]) and alive(pids["job"])
    assert files.adopt().found is Found.RUNNING
    (tmp_path / "go").touch()
    wait_for(lambda: files.exit_status() is not None)
    status = files.exit_status()
    assert status is not None and status.exit_code == 7
    assert files.stream_bytes(Stream.Output) == chunks["A"] + chunks["C"]
    assert files.stream_bytes(Stream.Error) == chunks["B"] + chunks["D"]
    assert status.transcript_bytes == 4 * 300_005
    wait_for(lambda: not alive(pids["monitor"]))  # it exits once the status is written
    assert files.adopt().found is Found.ENDED


_HOST = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from jobtui.engine.local.jobfiles import start_monitor
    jobs = Path(sys.argv[1])
    for n in range(5):
        script = f"i=0; while [ ! -e ../go ]; do i=$((i+1)); echo {n} $i; done; exit {n}"
        start_monitor(jobs / f"job-{n}", ["sh", "-c", script], cwd=str(jobs))
    print("started", flush=True)
    time.sleep(300)
    """
)


def test_a_killed_host_leaves_every_job_running_and_readable(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    host = subprocess.Popen(
        [sys.executable, "-c", _HOST, str(jobs)],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert host.stdout is not None and host.stdout.readline() == b"started\n"
    try:
        wait_for(lambda: all(JobFiles(jobs / f"job-{n}").indexed_bytes for n in range(5)))
        host.send_signal(signal.SIGKILL)  # while every job writes as fast as it can
        host.wait()
        found = adopt_all(jobs)
        assert sorted(found) == [f"job-{n}" for n in range(5)]
        assert {a.found for a in found.values()} == {Found.RUNNING}
        (tmp_path / "go").touch()
        wait_for(lambda: all(a.found is Found.ENDED for a in adopt_all(jobs).values()))
        for n in range(5):
            files = JobFiles(jobs / f"job-{n}")
            status = files.exit_status()
            assert status is not None and status.exit_code == n
            lines = files.stream_bytes(Stream.Output).decode().splitlines()
            assert lines == [f"{n} {i}" for i in range(1, len(lines) + 1)]  # none lost
            assert status.stdout_bytes == status.transcript_bytes == files.indexed_bytes
    finally:
        (tmp_path / "go").touch()
        if host.poll() is None:
            host.kill()
            host.wait()


def test_a_killed_monitor_leaves_no_process_of_its_job(job_dir: Path) -> None:
    tag = f"t-{uuid.uuid4()}"
    script = (
        "sleep 300 & setsid sleep 300 & (trap '' TERM HUP; sleep 300) & "
        "sh -c 'sleep 300' & echo ready; wait"
    )
    process, info = start_monitor(job_dir, ["sh", "-c", script], cwd="/", tag=tag)
    files = JobFiles(job_dir)
    wait_for(lambda: files.stream_bytes(Stream.Output) == b"ready\n")
    wait_for(lambda: len(group_and_tagged(info.pgid, tag)) >= 6)
    pids = group_and_tagged(info.pgid, tag)
    escaped = [p for p in pids if os.getsid(p) != info.pgid]
    assert escaped  # the setsid one left the job's session: only its tag finds it
    process.send_signal(signal.SIGKILL)
    process.wait()
    wait_for(lambda: not [p for p in pids if alive(p)])
    assert not group_and_tagged(info.pgid, tag)
    adoption = files.adopt()
    assert adoption.found is Found.LOST
    assert adoption.reason is not None and f"pid {info.monitor_pid}" in adoption.reason
    assert "output up to then is kept" in adoption.reason


def test_a_reused_pid_or_another_boot_does_not_fool_the_reader(job_dir: Path) -> None:
    process, info = start_monitor(job_dir, ["sleep", "300"], cwd="/")
    files = JobFiles(job_dir)
    assert files.monitor_alive(info)
    me = os.getpid()  # a live process that is not the monitor: its start time differs
    assert not files.monitor_alive(replace(info, monitor_pid=me))
    assert files.monitor_alive(
        replace(info, monitor_pid=me, monitor_start=jobmonitor.process_start(me))
    )
    rebooted = replace(info, boot_id="another-boot")
    assert not files.monitor_alive(rebooted)
    record = json.loads((job_dir / "monitor.json").read_text())
    process.kill()
    process.wait()
    wait_for(lambda: not alive(info.job_pid))
    (job_dir / "monitor.json").write_text(json.dumps({**record, "boot_id": "another-boot"}))
    adoption = files.adopt()
    assert adoption.found is Found.LOST
    assert adoption.reason == (
        "The machine was rebooted while the job ran; its output up to then is kept."
    )


@pytest.mark.parametrize("torn", [b"", b"\0" * 300, b'{"format": 1, "exit_code": 0, "sig'])
def test_an_empty_or_torn_exit_record_is_a_lost_job(job_dir: Path, torn: bytes) -> None:
    # exit.json is not fsynced: only a crash of the machine can leave it so, and the job is
    # then Lost, as rebooted (monitor.json's boot id is another boot's), not read as an end.
    process, _info = start_monitor(job_dir, ["true"], cwd="/")
    process.wait()
    files = JobFiles(job_dir)
    assert files.exit_status() is not None
    record = json.loads((job_dir / "monitor.json").read_text())
    (job_dir / "monitor.json").write_text(json.dumps({**record, "boot_id": "another-boot"}))
    (job_dir / "exit.json").write_bytes(torn)
    assert files.exit_status() is None
    adoption = files.adopt()
    assert adoption.found is Found.LOST
    assert adoption.reason is not None and "rebooted" in adoption.reason


def test_a_full_disk_keeps_an_exact_prefix_and_the_status(small_disk: Path) -> None:
    job = small_disk / "jobs" / "full"
    script = "head -c 2000000 /dev/zero | tr '\\0' x; echo done >&2; exit 4"
    process, _ = start_monitor(job, ["sh", "-c", script], cwd="/")
    assert process.wait(60) == 0
    files = JobFiles(job)
    status = files.exit_status()
    assert status is not None and status.exit_code == 4
    assert status.transcript_error is not None and "No space left" in status.transcript_error
    assert status.stdout_bytes == 2_000_000 and status.stderr_bytes == 5
    kept = files.stream_bytes(Stream.Output)
    assert 0 < len(kept) < 2_000_000 and kept == b"x" * len(kept)
    assert status.transcript_bytes == files.indexed_bytes == len(kept)


def test_the_module_form_runs_too(job_dir: Path) -> None:
    argv = monitor_command(job_dir, ["echo", "hi"], cwd="/", by_module=True)
    assert argv[1:3] == ["-m", "jobtui.engine.local.jobmonitor"]
    process, _ = start_monitor(job_dir, ["echo", "hi"], cwd="/", by_module=True)
    process.wait(30)
    assert JobFiles(job_dir).stream_bytes(Stream.Output) == b"hi\n"


# A flood of short lines (several 64 KiB records a read), a line longer than 64 KiB, blank
# stderr lines after the last real one, a stderr record longer than its 4 KiB tail whose last
# line is longer than that tail too, and a partial last line.
_MIXED = textwrap.dedent(
    """
    import os, sys
    out, err = sys.stdout.buffer, sys.stderr.buffer
    out.write(b"".join(b"line %d\\n" % n for n in range(300000))); out.flush()
    err.write(b"first failure\\n\\n   \\n"); err.flush()
    out.write(b"x" * 200000 + b"\\n"); out.flush()
    err.write(b"e" * 9000 + b"\\n" + b"last " + b"y" * 6000 + b"\\n"); err.flush()
    out.write(b"tail without a newline")
    """
)


def _same_records(a: OutputStore, b: OutputStore) -> None:
    assert (a.size, a.record_count, a.line_count) == (b.size, b.record_count, b.line_count)
    assert [a.line_span(i) for i in range(a.record_count)] == [
        b.line_span(i) for i in range(b.record_count)
    ]
    assert list(a.records()) == list(b.records())
    assert a.lines(0, a.line_count) == b.lines(0, b.line_count)
    assert a.line_times(0, a.line_count) == b.line_times(0, b.line_count)
    assert a.last_error_line == b.last_error_line
    for stream in Stream:
        assert a.stream_size(stream) == b.stream_size(stream)


def test_a_backed_store_takes_the_monitors_counted_records_without_reading_stdout(
    job_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    process, _ = start_monitor(job_dir, [sys.executable, "-c", _MIXED], cwd="/")
    process.wait(60)
    files = JobFiles(job_dir)
    read = OutputStore()  # a store of its own: it reads every byte and appends it
    assert files.append_to(read) == files.indexed_bytes
    backed = OutputStore()
    backed.attach_file(str(job_dir / jobmonitor.TRANSCRIPT))
    appended: list[Stream] = []
    original = backed.append

    def spy(stream: Stream, data: bytes, now: float) -> None:
        appended.append(stream)
        original(stream, data, now)

    monkeypatch.setattr(backed, "append", spy)
    cursor = 0
    while cursor < files.indexed_bytes:  # as the follower takes it, a piece at a time
        cursor = files.append_to(backed, cursor, limit=100_000)
    assert appended == []  # every record came from the index alone
    _same_records(read, backed)
    assert read.last_error_line == "last " + "y" * 495
    assert backed.lines(backed.line_count - 1, backed.line_count) == [
        (Stream.Output, "tail without a newline")
    ]


def test_an_index_of_the_first_format_is_read_from_the_bytes(job_dir: Path) -> None:
    # A monitor of the previous version left no line counts: the host counts them itself.
    process, _ = start_monitor(job_dir, [sys.executable, "-c", _MIXED], cwd="/")
    process.wait(60)
    files = JobFiles(job_dir)
    counted = OutputStore()
    counted.attach_file(str(job_dir / jobmonitor.TRANSCRIPT))
    files.append_to(counted)
    index = job_dir / jobmonitor.INDEX
    entries = jobmonitor.INDEX_ENTRY.iter_unpack(index.read_bytes())
    old = b"".join(
        jobmonitor.INDEX_ENTRY.pack(offset, length, word & 0xFF, when)
        for offset, length, word, when in entries
    )
    index.write_bytes(old)
    uncounted = OutputStore()
    uncounted.attach_file(str(job_dir / jobmonitor.TRANSCRIPT))
    assert files.append_to(uncounted) == files.indexed_bytes
    _same_records(counted, uncounted)


def test_the_monitor_indexes_records_of_at_most_64_kib_each_with_its_lines(job_dir: Path) -> None:
    process, _ = start_monitor(job_dir, [sys.executable, "-c", _MIXED], cwd="/")
    process.wait(60)
    data = (job_dir / jobmonitor.TRANSCRIPT).read_bytes()
    raw = (job_dir / jobmonitor.INDEX).read_bytes()
    entries = [e for e in jobmonitor.INDEX_ENTRY.iter_unpack(raw) if e[1]]
    for offset, length, word, _ in entries:
        piece = data[offset : offset + length]
        assert length <= jobmonitor.RECORD_BYTES or piece.count(b"\n") <= 1
        assert (word & ~jobmonitor.ENDS_NEWLINE) >> 8 == piece.count(b"\n") + 1
        assert bool(word & jobmonitor.ENDS_NEWLINE) == piece.endswith(b"\n")
    assert sum(e[1] for e in entries) == len(data)


def test_the_boot_id_is_read_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobmonitor, "_BOOT_ID", [])
    first = jobmonitor.boot_id()
    assert first is not None and len(first) == 36

    def no_more(*args: object, **kwargs: object) -> object:
        raise AssertionError("the boot id was read again")

    monkeypatch.setattr(jobmonitor, "open", no_more, raising=False)
    assert jobmonitor.boot_id() == first


def test_the_monitor_makes_the_input_fifo_and_its_directory(job_dir: Path) -> None:
    fifo = job_dir / "stdin.fifo"
    assert not job_dir.exists()  # the host makes nothing for a start
    process, info = start_monitor(job_dir, ["cat"], cwd="/", stdin=fifo, fifo=True)
    assert stat.S_ISFIFO(fifo.stat().st_mode) and fifo.stat().st_mode & 0o777 == 0o600
    fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # the monitor holds it: no wait
    os.write(fd, b"sent\n")
    os.close(fd)
    fifo.unlink()
    os.kill(info.monitor_pid, signal.SIGUSR1)  # let go: cat reads the end of file
    assert process.wait(30) == 0
    files = JobFiles(job_dir)
    assert files.stream_bytes(Stream.Output) == b"sent\n"
    status = files.exit_status()
    assert status is not None and status.exit_code == 0


def test_an_input_fifo_that_cannot_be_made_is_one_clear_line(job_dir: Path) -> None:
    with pytest.raises(MonitorStartError, match="cannot make the input FIFO"):
        start_monitor(job_dir, ["cat"], cwd="/", stdin=job_dir / "no" / "fifo", fifo=True)
