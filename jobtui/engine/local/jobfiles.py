"""The host's side of a job monitor: start one, and re-adopt a job from the files it wrote.

A host that starts after a crash (or an upgrade) finds each job's directory and asks it three
things: is its monitor still alive (then the job is Running again), did it record how the job
ended (then the job takes its final state from that), or neither (then the job is Failed, and
the Reason says what was lost). A pid alone could be another process by now: the monitor's
start time and the boot id must match too.

The transcript is read from a byte cursor, in the records the monitor indexed (whole lines, as
the engine's ``LineAssembler`` makes them, cut as ``OutputStore.append`` cuts them, with their
newlines counted): a host gives them to an ``OutputStore`` as they are (``append_to``), and
follows a running job by calling that again from where it stopped. A store backed by the
transcript takes them from the index alone, so a flood's bytes are written once and never read
back by the host.
"""

from __future__ import annotations

import enum
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from jobtui.engine.local import jobmonitor
from jobtui.engine.output import CountedPiece, OutputStore, Stream, last_line

_T = TypeVar("_T")

#: The monitor program, run by path: its package's imports would cost each job 70 ms and 8 MB.
MONITOR_PROGRAM = Path(jobmonitor.__file__)


def monitor_arguments(
    job_dir: Path,
    command: Sequence[str],
    *,
    cwd: str,
    tag: str | None = None,
    stdin: Path | None = None,
    limit: int | None = None,
    fifo: bool = False,
) -> list[str]:
    """The monitor's arguments for ``command`` (its command line after the program's name).

    With ``fifo``, ``stdin`` is a FIFO for the monitor to make (``--stdin-fifo``).
    """
    return [
        str(job_dir),
        "--cwd",
        cwd,
        *(["--tag", tag] if tag else []),
        *([_stdin_option(fifo), str(stdin)] if stdin is not None else []),
        *(["--limit", str(limit)] if limit is not None else []),
        "--",
        *command,
    ]


def _stdin_option(fifo: bool) -> str:
    return jobmonitor.STDIN_FIFO if fifo else "--stdin"


def monitor_command(
    job_dir: Path,
    command: Sequence[str],
    *,
    cwd: str,
    tag: str | None = None,
    stdin: Path | None = None,
    limit: int | None = None,
    fifo: bool = False,
    python: str = sys.executable,
    by_module: bool = False,
) -> list[str]:
    """The argv that runs a monitor for ``command``.

    By path with ``-I -S`` (no site, no user paths, no script directory on ``sys.path``): the
    monitor imports only the standard library. ``by_module`` runs it as
    ``python -m jobtui.engine.local.jobmonitor`` instead (slower, for comparison).
    """
    options = monitor_arguments(
        job_dir, command, cwd=cwd, tag=tag, stdin=stdin, limit=limit, fifo=fifo
    )
    return _program(python, by_module) + options


def fork_server_command(python: str = sys.executable) -> list[str]:
    """The argv that runs the monitors' fork server (``jobmonitor.py --serve``), by path as a
    monitor is."""
    return [*_program(python, by_module=False), jobmonitor.SERVE]


def _program(python: str, by_module: bool) -> list[str]:
    if by_module:
        return [python, "-m", "jobtui.engine.local.jobmonitor"]
    return [python, "-I", "-S", str(MONITOR_PROGRAM)]


def monitor_info_from(data: Mapping[str, Any]) -> MonitorInfo | None:
    """A monitor's record from its JSON (the line it says when the job runs, or monitor.json)."""
    return _build(MonitorInfo, data)


@dataclass(frozen=True)
class MonitorInfo:
    """What ``monitor.json`` says: who the monitor and the job are."""

    monitor_pid: int
    monitor_start: int | None
    boot_id: str | None
    job_pid: int
    job_start: int | None
    pgid: int
    command: list[str]
    cwd: str
    tag: str | None
    begin_time: float


@dataclass(frozen=True)
class ExitStatus:
    """What ``exit.json`` says: how the job ended."""

    exit_code: int | None
    signal: int | None
    signal_name: str | None
    error: str | None  # the command could not be started
    begin_time: float | None
    end_time: float
    finished_time: float
    boot_id: str | None
    job_pid: int | None
    job_start: int | None  # the job's start time, in clock ticks since boot
    transcript_bytes: int
    stdout_bytes: int
    stderr_bytes: int
    transcript_error: str | None  # a full disk: the transcript stops early
    dropped_bytes: int | None = None  # the middle of a runaway job's output (--limit)


class Found(enum.Enum):
    """What a host finds of a job it did not start itself."""

    RUNNING = "running"  # its monitor is alive: re-adopt it
    ENDED = "ended"  # its monitor recorded the end: take the final state from it
    LOST = "lost"  # neither: the job is Failed, and ``reason`` says why


@dataclass(frozen=True)
class Adoption:
    """The answer for one job directory."""

    found: Found
    info: MonitorInfo | None
    status: ExitStatus | None
    reason: str | None = None


@dataclass(frozen=True)
class Chunk:
    """One read of the job's output: where it is in ``out.log``, its stream, its time, its bytes."""

    offset: int
    stream: Stream
    time: float
    data: bytes


class MonitorStartError(RuntimeError):
    """The monitor, or the job's command, did not start; the message says why in one line."""


class JobFiles:
    """One job's directory, as a monitor left it."""

    def __init__(self, job_dir: Path) -> None:
        self.dir = job_dir

    # -- status -------------------------------------------------------------------------------

    def monitor_info(self) -> MonitorInfo | None:
        """The monitor's record, or None if the job has not started (or it is unreadable)."""
        data = self._json(jobmonitor.MONITOR)
        return _build(MonitorInfo, data) if data else None

    def exit_status(self) -> ExitStatus | None:
        """How the job ended, or None while it runs."""
        data = self._json(jobmonitor.EXIT)
        return _build(ExitStatus, data) if data else None

    def monitor_alive(self, info: MonitorInfo | None = None) -> bool:
        """True if the very monitor that wrote ``monitor.json`` still runs (not a reused pid)."""
        info = info or self.monitor_info()
        if info is None:
            return False
        if info.boot_id is not None and info.boot_id != jobmonitor.boot_id():
            return False
        start = jobmonitor.process_start(info.monitor_pid)
        if start is None or start != info.monitor_start:
            return False
        return jobmonitor.process_state(info.monitor_pid) not in (None, "Z", "X")

    def adopt(self) -> Adoption:
        """Whether the job runs on, has ended, or was lost (and what was lost)."""
        info = self.monitor_info()
        status = self.exit_status()
        if status is not None:
            return Adoption(Found.ENDED, info, status)
        if info is None:
            return Adoption(Found.LOST, None, None, "The job's monitor never recorded its start.")
        if self.monitor_alive(info):
            return Adoption(Found.RUNNING, info, None)
        status = self.exit_status()  # it may have ended between the two looks
        if status is not None:
            return Adoption(Found.ENDED, info, status)
        if info.boot_id is not None and info.boot_id != jobmonitor.boot_id():
            why = "The machine was rebooted while the job ran; its output up to then is kept."
        else:
            why = (
                f"The job's monitor (pid {info.monitor_pid}) stopped without recording how the "
                "job ended; its output up to then is kept."
            )
        return Adoption(Found.LOST, info, None, why)

    def _json(self, name: str) -> dict[str, Any] | None:
        try:
            data = json.loads((self.dir / name).read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format", 0) > jobmonitor.FORMAT:
            return None
        return data

    # -- the transcript -----------------------------------------------------------------------

    @property
    def indexed_bytes(self) -> int:
        """Bytes of ``out.log`` covered by whole index entries: what a reader may trust."""
        with _Index(self.dir / jobmonitor.INDEX) as index:
            if not index.count:
                return 0
            offset, length, _, _ = index.entry(index.count - 1)
            return offset + length

    def chunks(self, cursor: int = 0, limit: int | None = None) -> Iterator[Chunk]:
        """The output from byte ``cursor`` on, a read at a time (cut at the cursor).

        ``limit`` stops after about that many bytes (at least one chunk). The next cursor is
        the last chunk's ``offset + len(data)``.
        """
        taken = 0
        with (
            _Index(self.dir / jobmonitor.INDEX) as index,
            open(self.dir / jobmonitor.TRANSCRIPT, "rb") as out,
        ):
            for offset, length, stream, when in index.entries(index.first_after(cursor)):
                start = max(offset, cursor)
                out.seek(start)
                data = out.read(offset + length - start)
                if not data:
                    return
                yield Chunk(start, Stream(stream), when, data)
                taken += len(data)
                if limit is not None and taken >= limit:
                    return

    def append_to(self, store: OutputStore, cursor: int = 0, limit: int | None = None) -> int:
        """Append the transcript from byte ``cursor`` on to ``store``; returns the next cursor.

        The records are whole lines already (the monitor assembles them as the engine does),
        so a store filled from byte 0 holds the same bytes at the same offsets as ``out.log``:
        a Receive cursor kept as a byte offset means the same in both.

        A store backed by ``out.log`` (``OutputStore.attach_file``) takes the records whose
        newlines the monitor counted from the index alone (``OutputStore.index``): a flood
        is not read back, only its stderr for the failure's last line (its tail, as a rule).
        The rest (a record cut by the cursor, an index of the first format, a store with its
        own copy) is read and appended; ``limit`` stops after about that many bytes read (at
        least one record), so that a flood read back is taken in steps.
        """
        taken, batch = 0, list[CountedPiece]()
        counted = store.backed
        ends = jobmonitor.ENDS_NEWLINE
        with (
            _Index(self.dir / jobmonitor.INDEX) as index,
            open(self.dir / jobmonitor.TRANSCRIPT, "rb") as out,
        ):
            written = os.fstat(out.fileno()).st_size
            for offset, length, word, when in index.words(index.first_after(cursor)):
                start, stream = max(offset, cursor), _STREAMS[word & 0xFF]
                lines = (word & ~ends) >> 8
                if lines and counted and start == offset and offset + length <= written:
                    error_line = None
                    if stream is Stream.Error:
                        error_line = _error_line(out, offset, length)
                    batch.append((stream, length, lines - 1, bool(word & ends), when, error_line))
                    cursor = offset + length
                    if len(batch) >= _BATCH:
                        store.index_pieces(batch)
                        batch.clear()
                    continue  # not read: it does not count against ``limit``
                if batch:
                    store.index_pieces(batch)
                    batch.clear()
                out.seek(start)
                data = out.read(offset + length - start)
                if not data:
                    break
                store.append(stream, data, when)
                cursor = start + len(data)
                taken += cursor - start
                if limit is not None and taken >= limit:
                    break
        if batch:
            store.index_pieces(batch)
        return cursor

    def stream_bytes(self, stream: Stream) -> bytes:
        """Every byte one stream wrote, in order (for checks; it can be large)."""
        return b"".join(c.data for c in self.chunks() if c.stream is stream)


Entry = tuple[int, int, int, float]  # offset, length, stream, time


class _Index:
    """``records.idx`` open for reading: entries by number, found by binary search."""

    _BLOCK = 4096  # entries read at a time when walking

    def __init__(self, path: Path) -> None:
        self._size = jobmonitor.INDEX_ENTRY.size
        try:
            self._file: BinaryIO | None = open(path, "rb")  # noqa: SIM115 (closed by __exit__)
        except FileNotFoundError:
            self._file = None
        self.count = self._count()

    def __enter__(self) -> _Index:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()

    def entry(self, number: int) -> Entry:
        """One entry."""
        assert self._file is not None
        self._file.seek(number * self._size)
        offset, length, word, when = jobmonitor.INDEX_ENTRY.unpack(self._file.read(self._size))
        return offset, length, word & 0xFF, when

    def entries(self, first: int) -> Iterator[Entry]:
        """Entries ``first`` to the last written one, read a block at a time."""
        for offset, length, word, when in self.words(first):
            yield offset, length, word & 0xFF, when

    def words(self, first: int) -> Iterator[Entry]:
        """As :meth:`entries`, with the whole word of the stream and the record's lines
        (``jobmonitor.INDEX_ENTRY``) in place of the stream."""
        if self._file is None:
            return
        for block in range(first, self.count, self._BLOCK):
            self._file.seek(block * self._size)
            raw = self._file.read(min(self._BLOCK, self.count - block) * self._size)
            yield from jobmonitor.INDEX_ENTRY.iter_unpack(raw)

    def first_after(self, cursor: int) -> int:
        """The first entry that holds a byte at or after ``cursor``."""
        low, high = 0, self.count
        while low < high:
            middle = (low + high) // 2
            offset, length, _, _ = self.entry(middle)
            if offset + length <= cursor:
                low = middle + 1
            else:
                high = middle
        return low

    def _count(self) -> int:
        """Entries written so far: the room taken ahead is zeros, and no entry has length 0."""
        if self._file is None:
            return 0
        low, high = 0, os.fstat(self._file.fileno()).st_size // self._size  # a torn one is not
        while low < high:
            middle = (low + high) // 2
            if self.entry(middle)[1] > 0:
                low = middle + 1
            else:
                high = middle
        return low


_STREAMS = (Stream.Output, Stream.Error)
#: Records indexed under one hold of the store's lock (a backlog of 1 GiB is 16,000 of them).
_BATCH = 1024
#: Bytes of a stderr record read for its last line (a longer last line is read whole).
_ERROR_TAIL = 4096


def _error_line(out: BinaryIO, offset: int, length: int) -> str | None:
    """The last non-blank line of the record at ``offset``: from its last few KiB when a whole
    line is there, else from all of it."""
    start = max(offset, offset + length - _ERROR_TAIL)
    out.seek(start)
    tail = out.read(offset + length - start)
    if start > offset:
        line = last_line(tail[tail.find(b"\n") + 1 :]) if b"\n" in tail[:-1] else None
        if line is not None:
            return line
        out.seek(offset)
        tail = out.read(length)
    return last_line(tail)


def adopt_all(jobs_dir: Path) -> dict[str, Adoption]:
    """What became of every job under ``jobs_dir`` (a host's first look after it starts).

    Keys are the directories' names: each job's InstanceId.
    """
    try:
        names = sorted(entry.name for entry in os.scandir(jobs_dir) if entry.is_dir())
    except FileNotFoundError:
        return {}
    return {name: JobFiles(jobs_dir / name).adopt() for name in names}


def start_monitor(
    job_dir: Path,
    command: Sequence[str],
    *,
    cwd: str,
    tag: str | None = None,
    env: Mapping[str, str] | None = None,
    stdin: Path | None = None,
    limit: int | None = None,
    by_module: bool = False,
    fifo: bool = False,
) -> tuple[subprocess.Popen[bytes], MonitorInfo]:
    """Start a monitor in its own session and wait until the job runs (or fails to start).

    The caller must ``wait()`` for the process (it exits when the job has ended and
    ``exit.json`` is written); if the caller dies first, the monitor goes on.
    """
    argv = monitor_command(
        job_dir, command, cwd=cwd, tag=tag, stdin=stdin, limit=limit, by_module=by_module,
        fifo=fifo,
    )  # fmt: skip
    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=None if env is None else dict(env),
        start_new_session=True,  # the terminal's signals for the host must not reach it
        close_fds=True,
    )
    assert process.stdout is not None and process.stderr is not None
    line = process.stdout.readline()
    process.stdout.close()
    if line:
        process.stderr.close()
        built = _build(MonitorInfo, json.loads(line))
        assert built is not None
        return process, built
    said = process.stderr.read().decode(errors="replace").strip()
    process.stderr.close()
    process.wait()
    status = JobFiles(job_dir).exit_status()
    if status is not None and status.error:
        raise MonitorStartError(status.error)
    raise MonitorStartError(said.splitlines()[-1] if said else "the job monitor did not start")


def _build(kind: type[_T], data: Mapping[str, Any]) -> _T | None:
    """A dataclass from a JSON object: its own fields only (newer files may have more)."""
    names = kind.__dataclass_fields__  # type: ignore[attr-defined]
    try:
        return kind(**{name: data.get(name) for name in names})
    except TypeError:
        return None
