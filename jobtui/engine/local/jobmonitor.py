"""A job's monitor: the small process that owns one running job, so the job outlives the host.

Podman's conmon pattern. The host starts one monitor per job; the monitor

- becomes a child subreaper (``PR_SET_CHILD_SUBREAPER``), so the job's orphans stay under it;
- starts the job's command in its own session (a process group of its own), with stdin from
  ``/dev/null`` (or from ``--stdin``: a file, Start-Job's input written ahead, or a FIFO the
  host writes while the job runs, whose write end the monitor holds until SIGUSR1), and stdout
  and stderr on pipes that it alone reads;
- writes every byte, in arrival order, to ``out.log`` in the job's directory, and one 24-byte
  entry per record to ``records.idx`` (offset, length, stream, time, and how many newlines the
  record holds): the record format of ``engine/output.py`` (runs of whole lines of one stream
  in one byte log, each with its time, cut as ``OutputStore.append`` cuts them) made durable.
  Lines are assembled as the engine's ``LineAssembler`` does (a partial line waits up to 0.2 s
  for its end), so the host can index the records in an ``OutputStore`` as they are, without
  reading them back, and a byte offset means the same in both.
  The index's room is taken ahead, so its file ends in zeroed entries (length 0: not yet);
- writes ``monitor.json`` (who it is, who the job is) when the job has started and
  ``exit.json`` (exit code, signal, times) when it has ended, each by write and rename, so a
  reader sees a whole file or none (not fsynced: see ``Monitor._write_json``);
- goes on when its parent (the host) dies: it holds everything the job needs;
- with ``--limit BYTES`` (a disk budget), keeps a runaway job's head and tail: past half the
  limit, output goes to ``tail.ring``, a file of the other half written round, and what is still
  in it is appended to the transcript when the job ends; ``exit.json`` says how many bytes of the
  middle were dropped. Offsets stay contiguous, so a reader never sees a hole.

If the monitor itself is killed, the job must not be left running with nobody reading it: a
sentinel waits on a pipe that only the monitor holds the writing end of; at end of file without a
goodbye it SIGKILLs the job's process group and every process tagged with the job's
``JOBTUI_JOB``. The sentinel of a monitor forked by the fork server is the server's keeper, one
process that holds every such pipe (handed over before the job is spawned, see
``_start_sentinel``); a monitor started as a program forks a sentinel of its own. An untagged
job's main process also has ``PR_SET_PDEATHSIG``, for the moment before the sentinel knows it; a
tagged one is spawned with ``posix_spawn`` (cheaper) and the tag's sweep covers it.

It imports only the few standard modules it needs: it is started once per job, and the jobtui
packages cost 70 ms and 8 MB more to import; even ``json`` and ``contextlib`` (which bring
``re`` and ``collections``) cost about 15 ms of its start, so it writes its small JSON itself.
The host runs it by path with ``python -I -S`` (see ``jobfiles.monitor_command``);
``python -m jobtui.engine.local.jobmonitor`` works too. Everything is in this one file because
a program run by path with ``-I`` cannot import its neighbours.

Usage: ``jobmonitor.py JOB_DIR [--cwd DIR] [--tag INSTANCE_ID] [--flush SECONDS] [--stdin FILE]
[--limit BYTES] -- COMMAND...``, or ``jobmonitor.py --serve`` (a fork server of monitors, on a
Unix socket as its stdin: see :func:`serve`).
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # signal's own C module (it has no stub)
import ctypes
import errno
import fcntl
import os
import select
import signal
import stat
import struct
import sys
import time

#: The format of the files below; a reader refuses a newer one.
FORMAT = 1
TRANSCRIPT = "out.log"
INDEX = "records.idx"
MONITOR = "monitor.json"
EXIT = "exit.json"
LOG = "monitor.log"
RING = "tail.ring"
#: One entry per record: offset in out.log, length, a word of its stream and lines (below), and
#: the time it was read.
INDEX_ENTRY = struct.Struct("<qIId")
#: The word: the stream in its low byte (0 stdout, 1 stderr), the record's newlines + 1 in the
#: bits above, and this bit if the record ends in a newline. Above the stream, 0 (the files of
#: the first format, whose word was the stream alone) means "not counted": a reader counts.
ENDS_NEWLINE = 1 << 31
#: As output._COALESCE_MAX_BYTES: the monitor cuts what it writes into records of this size at
#: newlines, so that a host can index them without reading them, and views split 64 KiB at most.
RECORD_BYTES = 64 * 1024
#: The variable that tags the job's processes (``processes.JOB_TAG``; not imported, see above).
JOB_TAG = "JOBTUI_JOB"
GOODBYE = b"bye\n"

#: As output.LineAssembler: a partial line is committed after this long, or past this size.
FLUSH_SECONDS = 0.2
MAX_PENDING = 1024 * 1024
_READ_SIZE = 1024 * 1024
_EXIT_RESERVE = 4096
_INDEX_FIRST = 4096 // INDEX_ENTRY.size
_INDEX_MOST = 1024 * 1024 // INDEX_ENTRY.size
_PIPE_SIZE = 1024 * 1024
_F_SETPIPE_SZ = 1031
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_LINUX = sys.platform.startswith("linux")


class UsageError(Exception):
    """The command line is wrong."""


def main(argv: list[str]) -> int:
    """Run the job named by ``argv`` to its end; the exit status is the monitor's own concern.

    ``--serve`` instead makes this process a fork server of monitors (:func:`serve`).
    """
    if argv == [SERVE]:
        return serve(0)
    try:
        options, command = _parse(argv)
        flush = float(options.get("--flush", FLUSH_SECONDS))
    except (UsageError, ValueError) as exc:
        sys.stderr.write(f"jobmonitor: {exc}\n")
        return 2
    job_dir = options["dir"]
    try:
        monitor = Monitor(job_dir, options.get("--cwd", os.getcwd()), options.get("--tag"), command)
    except OSError as exc:
        sys.stderr.write(f"jobmonitor: cannot prepare {job_dir}: {exc.strerror or exc}\n")
        return 1
    monitor.flush_seconds = flush
    monitor.stdin = options.get("--stdin", os.devnull)
    if STDIN_FIFO in options:
        # Made here, not by the host: the host's start of a job then makes no file at all
        # (the directory is this monitor's too), and a monitor answers only once it is made.
        monitor.stdin = options[STDIN_FIFO]
        try:
            os.mkfifo(monitor.stdin, 0o600)
        except OSError as exc:
            sys.stderr.write(f"jobmonitor: cannot make the input FIFO: {exc.strerror or exc}\n")
            return 1
    if "--limit" in options:
        try:
            monitor.set_limit(int(options["--limit"]))
        except ValueError as exc:
            sys.stderr.write(f"jobmonitor: {exc}\n")
            return 2
    return monitor.run()


#: ``--stdin-fifo PATH``: make ``PATH`` a FIFO (0600) and give it to the job as its input.
STDIN_FIFO = "--stdin-fifo"
_OPTIONS = ("--cwd", "--tag", "--flush", "--stdin", STDIN_FIFO, "--limit")


def _parse(argv: list[str]) -> tuple[dict[str, str], list[str]]:
    """The options (and "dir") before "--", and the command after it."""
    if "--" not in argv:
        raise UsageError(
            "usage: jobmonitor JOB_DIR [--cwd DIR] [--tag ID] [--flush SECONDS] [--stdin FILE]"
            " [--stdin-fifo PATH] [--limit BYTES] -- COMMAND..."
        )
    split = argv.index("--")
    given, command = argv[:split], argv[split + 1 :]
    if not given or not command:
        raise UsageError("a job directory and a command are needed")
    options = {"dir": given[0]}
    rest = given[1:]
    while rest:
        if len(rest) < 2 or rest[0] not in _OPTIONS:
            raise UsageError(f"unknown option: {rest[0]}")
        options[rest[0]] = rest[1]
        rest = rest[2:]
    return options, command


# -- the fork server -----------------------------------------------------------------------

SERVE = "--serve"
#: A request's header: the payload's length and how many of its fields are the monitor's argv
#: (the rest are the environment's ``NAME=value`` entries).
REQUEST = struct.Struct("<II")
#: The most a request may hold (the kernel's own limit on a command line and environment).
REQUEST_MOST = 64 * 1024 * 1024


def serve(request_fd: int) -> int:
    """Fork one monitor per request until the host closes its end; returns 0.

    Starting a monitor as a program costs a fresh interpreter, about 25 ms; this process has
    already paid that, with the monitor's modules imported, so a fork of it is ready in about
    a millisecond. A request on the Unix socket ``request_fd`` is a header (:data:`REQUEST`),
    then the payload: NUL-terminated fields, the monitor's arguments (as on its command line)
    then the environment the job inherits; with it come two descriptors, the monitor's stdout
    and stderr. The monitor answers on them as a monitor started as a program does (one line
    of JSON when the job runs, or why not), so the host reads both in the same way.

    Each monitor is forked into a session of its own, with stdin from ``/dev/null`` and no
    descriptor of this process, and then is exactly the monitor a program start gives: the
    subreaper, the sentinel, the tag. Its sentinel is this server's keeper
    (:func:`start_keeper`), forked with the first request (and again if it died), to which the
    monitor gives its sentinel pipe and then closes the socket it inherited. It holds
    everything its job needs, so it goes on when this server or the host dies. SIGCHLD is
    ignored here, so the kernel reaps the monitors that end; one that outlives this server is
    reparented, as a monitor started by the host is when the host dies.
    """
    import gc
    import socket  # here, not at the top: a monitor started as a program needs none

    for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGPIPE, signal.SIGTTOU, signal.SIGTTIN):
        signal.signal(sig, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    server = socket.socket(fileno=request_fd)
    # A fork shares this process's memory until a page is written: the collector would write
    # to every object's header in each monitor (copying the pages), so the objects loaded by
    # now are set aside from it for good, and the monitors' own few need no collection.
    boot_id()  # read here once, for every monitor forked
    _prctl(_PR_SET_CHILD_SUBREAPER, 0)  # libc's prctl looked up once, for every monitor too
    gc.disable()
    gc.freeze()
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 1)  # what the host gave is not for the monitors
    os.close(null)
    keeper: socket.socket | None = None
    keeper_pid = 0
    while True:
        try:
            request = _receive(server)
        except (OSError, ValueError) as exc:
            sys.stderr.write(f"jobmonitor: a request was refused: {exc}\n")
            return 1
        if request is None:
            return 0  # the host closed its end: the session is over
        fds, argv, env = request
        if keeper is None or not _running(keeper_pid):
            if keeper is not None:
                keeper.close()  # a keeper that died: its monitors fork sentinels of their own
            try:
                keeper_socket, keeper_pid = start_keeper()
            except OSError:
                keeper, keeper_pid = None, 0
            else:
                assert isinstance(keeper_socket, socket.socket)
                keeper = keeper_socket
        try:
            pid = os.fork()
        except OSError:
            pid = -1
        if pid == 0:
            server.close()
            if keeper is not None:
                _KEEPER.append(keeper)
            _served(fds, argv, env)  # never returns
        for fd in fds:  # the monitor's now (or, if it could not be forked, nobody's: EOF)
            os.close(fd)


def _running(pid: int) -> bool:
    """Whether ``pid`` (a child of this server's, reaped by the kernel when it ends) runs."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _receive(server: object) -> tuple[list[int], list[str], dict[str, str]] | None:
    """One request: (stdout and stderr fds, the monitor's argv, the environment); None at EOF."""
    import socket

    assert isinstance(server, socket.socket)
    header, fds = b"", list[int]()
    while len(header) < REQUEST.size:
        data, ancillary, _flags, _address = server.recvmsg(
            REQUEST.size - len(header), socket.CMSG_SPACE(2 * 4)
        )
        if not data:
            for fd in fds:
                os.close(fd)
            return None
        header += data
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds += struct.unpack(f"{len(payload) // 4}i", payload[: len(payload) // 4 * 4])
    size, argc = REQUEST.unpack(header)
    if size > REQUEST_MOST or len(fds) != 2:
        for fd in fds:
            os.close(fd)
        raise ValueError(f"a request of {size} bytes with {len(fds)} descriptors")
    parts, have = [], 0
    while have < size:
        part = server.recv(min(size - have, 1024 * 1024))
        if not part:
            for fd in fds:
                os.close(fd)
            return None
        parts.append(part)
        have += len(part)
    # One decode of the whole, as os.fsdecode decodes each field (the host encoded it so).
    text = b"".join(parts).decode(sys.getfilesystemencoding(), "surrogateescape")
    fields = text.split("\0")[:-1]
    env = dict(entry.partition("=")[::2] for entry in fields[argc:])
    return fds, fields[:argc], env


def _served(fds: list[int], argv: list[str], env: dict[str, str]) -> None:
    """The forked monitor: a session of its own, the host's pipes as stdout and stderr, run."""
    code = 1
    try:
        os.setsid()  # as the host's start_new_session: the terminal's signals are not for it
        # The server ignores SIGCHLD (the monitor reaps its own children) and the signals
        # that Monitor.run ignores too: those are left as they are, not set back and again.
        _signal.signal(signal.SIGCHLD, _signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDONLY)  # fd 0: the server's socket is closed
        if null != 0:
            os.dup2(null, 0)
            os.close(null)
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        for fd in fds:
            os.close(fd)
        _take_environment(env)
        code = main(argv)
    except BaseException as exc:  # a forked child must never return into the server
        with _suppress(OSError):
            os.write(2, f"jobmonitor: {type(exc).__name__}: {exc}\n".encode())
    finally:
        with _suppress(OSError, ValueError):
            sys.stderr.flush()
        os._exit(code)


def _take_environment(env: dict[str, str]) -> None:
    """Take ``env`` as the environment the job inherits (``Monitor.environment``).

    The process's own environment is left as the server's but for PATH, which is what
    ``posix_spawnp`` searches (and nothing else in a monitor reads it): os.environ's refill
    cost a job 90 us and, in a forked monitor, the pages of its mapping's machinery.
    """
    _REQUEST_ENV[:] = [env]
    path = env.get("PATH")
    if path is None:
        os.unsetenv("PATH")
    else:
        os.putenv("PATH", path)


#: A forked monitor's environment for its job, from the request (a program's is os.environ).
_REQUEST_ENV: list[dict[str, str]] = []


class Monitor:
    """One job's monitor: its files, its sentinel, its process and the loop that reads it."""

    def __init__(self, job_dir: str, cwd: str, tag: str | None, command: list[str]) -> None:
        self.dir = job_dir
        self.cwd = cwd
        self.tag = tag
        self.command = command
        # Each stream's reads, with its partial last line (as output.LineAssembler holds it).
        self.lines = [LineBuffer(), LineBuffer()]
        #: The sentinel: [its pid (0: the fork server's keeper), the pipe it reads].
        self.sentinel = [0, -1]
        self.keep_closed: tuple[int, ...] = ()
        #: What the job inherits (then its tag): the request's, or this program's own.
        self.environment: dict[str, str] | os._Environ[str] = (
            _REQUEST_ENV[0] if _REQUEST_ENV else os.environ
        )
        self.flush_seconds = FLUSH_SECONDS
        #: What the job reads: nothing, or the input Start-Job was given, from a file.
        self.stdin = os.devnull
        #: The write end of an input FIFO the monitor holds (see _hold_input), or None.
        self.input_hold: int | None = None
        os.makedirs(job_dir, mode=0o700, exist_ok=True)
        # O_EXCL: a second monitor for the same job must never write over a transcript.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        self.out_fd = os.open(os.path.join(job_dir, TRANSCRIPT), flags | os.O_APPEND, 0o600)
        self.idx_fd = os.open(os.path.join(job_dir, INDEX), flags, 0o600)
        # The index is written into space taken ahead (zeros, read as "no entry yet"): when
        # the transcript fills the disk, the entries for what it did write still fit.
        self.idx_count = 0
        self.idx_reserved = 0
        self._reserve_index()
        # Room for exit.json, taken now: a job that fills the disk must still get its status.
        self.exit_fd = os.open(
            os.path.join(job_dir, f"{EXIT}.tmp"),
            os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC,
            0o600,
        )
        with _suppress(OSError, AttributeError):
            os.posix_fallocate(self.exit_fd, 0, _EXIT_RESERVE)
        self.offset = 0
        self.stream_bytes = [0, 0]
        self.job_pid = 0
        self.job_start: int | None = None
        self.status: int | None = None
        self.begin_time = 0.0
        self.end_time: float | None = None
        self.write_error: str | None = None
        self.stop_requested = False
        # A limit: the head kept in out.log, then the tail ring (see set_limit).
        self.head_limit: int | None = None
        self.ring: _Ring | None = None

    def set_limit(self, limit: int) -> None:
        """Keep at most about ``limit`` bytes: the first half, and the last half in a ring."""
        if limit < 2:
            raise ValueError(f"the limit must be at least 2 bytes, not {limit}")
        self.head_limit = limit // 2
        self.ring = _Ring(os.path.join(self.dir, RING), limit - limit // 2)

    def run(self) -> int:
        """Start the job, copy its output until it ends, record how it ended."""
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)
        # _signal, not signal: its wrappers make enums of every number and handler, and in a
        # monitor forked by the server each first touch of that machinery is a page copied.
        for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGPIPE, signal.SIGTTOU, signal.SIGTTIN):
            _signal.signal(sig, _signal.SIG_IGN)
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_r, False)
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        _signal.signal(signal.SIGCHLD, _noop)
        _signal.signal(signal.SIGTERM, self._forward)
        keep_closed = (self.out_fd, self.idx_fd, self.exit_fd)
        sentinel_pid, sentinel_w = _start_sentinel(self.tag, keep_closed)
        self.input_hold = _hold_input(self.stdin)
        _signal.signal(signal.SIGUSR1, self._close_input)
        try:
            pipes = self._spawn()
        except OSError as exc:
            self._write_json(EXIT, self._exit_record(error=exc.strerror or str(exc)))
            _goodbye(sentinel_w, sentinel_pid)
            return 1
        sentinel_pid, sentinel_w = _tell_sentinel(
            sentinel_pid, sentinel_w, self.job_pid, self.tag, keep_closed
        )
        if self.stop_requested:  # asked while the job was being started
            self._forward(signal.SIGTERM, None)
        info = self._monitor_record()
        self._write_json(MONITOR, info)
        self._announce(info)
        self.sentinel = [sentinel_pid, sentinel_w]
        self.keep_closed = keep_closed
        try:
            self._copy(pipes, wake_r)
            if self.ring is not None:
                for stream, data, when in self.ring.drain():
                    self._write(stream, data, when, len(data))
        except BaseException:  # no stderr is left to take a traceback: monitor.log does
            import traceback

            _log(self.dir, traceback.format_exc().rstrip())
            raise
        self._write_json(EXIT, self._exit_record())
        _goodbye(self.sentinel[1], self.sentinel[0])
        global _ended
        _ended = True
        return 0

    # -- the job's process --------------------------------------------------------------------

    def _spawn(self) -> dict[int, int]:
        """Start the command in a new session; returns {read fd: stream}.

        With a tag, by ``posix_spawn`` (a vfork: nothing of this process is copied, where a
        fork of Python copies the pages its refcounts write to; measured, 1 to 2 ms of a core
        less per job, and 500 jobs through monitors in 2.5-3.2 s instead of 3.4-3.8 s).
        The job then has no PDEATHSIG, which only covered the moment before the sentinel is
        told its pid: a sentinel that finds the monitor gone kills every
        process with the job's tag too, the main one included. Every signal this monitor
        ignores or handles gets its default back (glibc leaves its own two, 32 and 33, below
        SIGRTMIN and for no program's use, ignored). Without a tag, by a fork that sets
        PDEATHSIG (:meth:`_fork_exec`).
        """
        if not self.tag or not _POSIX_SPAWN:
            return self._fork_exec()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        env = dict(self.environment)
        env[JOB_TAG] = self.tag
        here = os.open(".", os.O_RDONLY | os.O_CLOEXEC)
        stdin = -1
        self.begin_time = time.time()
        try:
            step = f"the input {self.stdin}"
            stdin = os.open(self.stdin, os.O_RDONLY | os.O_CLOEXEC)
            step = f"the working directory {self.cwd}"
            os.chdir(self.cwd)  # posix_spawn has no cwd of its own (this process has one thread)
            step = self.command[0]
            spawn = os.posix_spawnp if os.sep not in self.command[0] else os.posix_spawn
            pid = spawn(
                self.command[0],
                self.command,
                env,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, stdin, 0),
                    (os.POSIX_SPAWN_DUP2, out_w, 1),
                    (os.POSIX_SPAWN_DUP2, err_w, 2),
                ],
                setsid=True,
                setsigmask=(),
                setsigdef=_changed_signals(),
            )
        except OSError as exc:
            for fd in (out_r, err_r):
                os.close(fd)
            raise OSError(exc.errno, f"{step}: {exc.strerror or exc}") from None
        finally:
            os.fchdir(here)
            for fd in (here, stdin, out_w, err_w):
                if fd >= 0:
                    os.close(fd)
        return self._spawned(pid, out_r, err_r)

    def _fork_exec(self) -> dict[int, int]:
        """Fork and exec the command in a new session, with PDEATHSIG; returns {read fd: stream}."""
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        check_r, check_w = os.pipe()  # exec's error, if any; closed by a successful exec
        env = dict(self.environment)
        if self.tag:
            env[JOB_TAG] = self.tag
        me = os.getpid()
        self.begin_time = time.time()
        pid = os.fork()
        if pid == 0:  # the child: never return from here
            step = "the job's process"
            try:
                os.setsid()
                _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
                if os.getppid() != me:  # the monitor died before the line above
                    os._exit(137)
                signal.set_wakeup_fd(-1)
                for sig in range(1, signal.NSIG):
                    with _suppress(OSError, ValueError):
                        if signal.getsignal(sig) is not signal.SIG_DFL:
                            signal.signal(sig, signal.SIG_DFL)
                step = f"the input {self.stdin}"
                null = os.open(self.stdin, os.O_RDONLY)
                os.dup2(null, 0)
                os.dup2(out_w, 1)
                os.dup2(err_w, 2)
                step = f"the working directory {self.cwd}"
                os.chdir(self.cwd)
                step = self.command[0]
                os.execvpe(self.command[0], self.command, env)
            except OSError as exc:
                with _suppress(OSError):
                    os.write(check_w, f"{exc.errno}:{step}: {exc.strerror or exc}".encode())
            os._exit(127)
        for fd in (out_w, err_w, check_w):
            os.close(fd)
        failure = _read_all(check_r)
        os.close(check_r)
        if failure:
            os.waitpid(pid, 0)
            for fd in (out_r, err_r):
                os.close(fd)
            number, _, text = failure.decode(errors="replace").partition(":")
            raise OSError(int(number) if number.isdigit() else errno.EIO, text)
        return self._spawned(pid, out_r, err_r)

    def _spawned(self, pid: int, out_r: int, err_r: int) -> dict[int, int]:
        """The job runs as ``pid``: note who it is, and make its pipes ready to be read."""
        self.job_pid = pid
        self.job_start = process_start(pid)
        pipes: dict[int, int] = {}
        for stream, fd in ((0, out_r), (1, err_r)):
            os.set_blocking(fd, False)
            if _LINUX:
                with _suppress(OSError):  # a larger pipe: fewer reads and wake-ups
                    fcntl.fcntl(fd, _F_SETPIPE_SZ, _PIPE_SIZE)
            pipes[fd] = stream
        return pipes

    def _close_input(self, signum: int, frame: object) -> None:
        """SIGUSR1: the host closed the job's input; let go of the FIFO's write end, so that
        the job reads the end of file once no host writes either."""
        hold, self.input_hold = self.input_hold, None
        if hold is not None:
            os.close(hold)

    def _forward(self, signum: int, frame: object) -> None:
        """SIGTERM to the monitor is a request to stop the job: pass it to the job's group."""
        self.stop_requested = True
        if self.job_pid and self.status is None:
            with _suppress(OSError):
                os.killpg(self.job_pid, signal.SIGTERM)
                os.killpg(self.job_pid, signal.SIGCONT)

    # -- the loop -----------------------------------------------------------------------------

    def _copy(self, pipes: dict[int, int], wake_r: int) -> None:
        """Copy output until the job's main process has ended and both pipes are closed."""
        poller = select.poll()
        for fd in pipes:
            poller.register(fd, select.POLLIN)
        poller.register(wake_r, select.POLLIN)
        keeper_pipe = self.sentinel[1] if self.sentinel[0] == 0 else None
        if keeper_pipe is not None:
            # The keeper's death shows here (an error on the pipe it read): without it the job
            # would be nobody's to end if this monitor were killed next.
            poller.register(keeper_pipe, 0)
        while pipes or self.status is None:
            try:
                ready = poller.poll(self._wait_ms())
            except InterruptedError:
                continue
            for fd, _events in ready:
                if fd == keeper_pipe:
                    poller.unregister(fd)
                    keeper_pipe = None
                    self._sentinel_of_its_own()
                elif fd == wake_r:
                    _read_all(wake_r, nonblocking=True)
                    self._reap()
                elif fd in pipes and not self._read(fd, pipes[fd]):
                    poller.unregister(fd)
                    os.close(fd)
                    self._flush(pipes.pop(fd), final=True)
            self._flush_waiting()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.close(wake_r)

    def _sentinel_of_its_own(self) -> None:
        """The keeper is gone: fork a sentinel of this monitor's own and tell it the job."""
        os.close(self.sentinel[1])
        pid, write_end = _fork_sentinel(self.tag, self.keep_closed)
        with _suppress(OSError):
            os.write(write_end, f"+{self.job_pid}\n".encode())
        self.sentinel = [pid, write_end]

    def _read(self, fd: int, stream: int) -> bool:
        """Read what a pipe holds; commit its whole lines. False at end of file.

        This is ``output.LineAssembler.feed``: a line is kept whole, so a stderr line that
        comes between the halves of a stdout line does not cut it in two records. The read
        lands in the stream's :class:`LineBuffer`, after the partial line it holds, and its
        whole lines are written from there: no copy of the bytes in this process.
        """
        lines = self.lines[stream]
        try:
            size = lines.fill(fd)
        except BlockingIOError:
            return True
        except OSError:
            return False
        if not size:
            return False
        self.stream_bytes[stream] += size
        now = time.time()
        if lines.ready:
            self._commit(stream, lines.data, now, lines.ready)
        lines.take(now)
        return True

    def _wait_ms(self) -> int:
        """How long the loop may sleep: until the oldest partial line is due (or for ever)."""
        waiting = [lines.since for lines in self.lines if lines.since is not None]
        if not waiting:
            return -1
        return max(0, int((min(waiting) + self.flush_seconds - time.time()) * 1000) + 1)

    def _flush_waiting(self) -> None:
        """Commit partial lines that waited ``flush_seconds`` (a prompt, a progress bar)."""
        now = time.time()
        for stream, lines in enumerate(self.lines):
            if lines.since is not None and now - lines.since >= self.flush_seconds:
                self._flush(stream)
                if lines.since is not None:  # only a cut UTF-8 sequence is left
                    lines.since = now

    def _flush(self, stream: int, final: bool = False) -> None:
        """Commit the partial line: all of it when ``final``, else up to a UTF-8 boundary."""
        lines = self.lines[stream]
        if lines.flush(final):
            self._commit(stream, lines.data, time.time(), lines.ready)
        lines.take(None)

    def _commit(self, stream: int, data: Bytes, now: float, size: int) -> None:
        """Append ``data[:size]`` to the transcript as one record, or, past the head, to the
        ring."""
        ring = self.ring
        if ring is not None and (ring.used or self.offset + size > (self.head_limit or 0)):
            start = 0
            if not ring.used:  # the head takes the whole lines that still fit
                room = (self.head_limit or 0) - self.offset
                start = data.rfind(b"\n", 0, min(max(room, 0), size)) + 1
                if start:
                    self._write(stream, data, now, start)
            if start < size:
                with memoryview(data) as view:
                    ring.add(stream, view[start:size], now)
            return
        self._write(stream, data, now, size)

    def _write(self, stream: int, data: Bytes, now: float, size: int) -> None:
        """Append ``data[:size]`` to the transcript, indexed as records of at most
        ``RECORD_BYTES``."""
        if self.write_error is not None:
            return  # past a write error only counted: the transcript stays a prefix
        written, error = 0, None
        with memoryview(data) as view:
            try:
                while written < size:
                    written += os.write(self.out_fd, view[written:size])
            except OSError as exc:  # a full disk: keep (and index) what did fit
                error = exc
        if written:
            entries = index_entries(data, written, self.offset, stream, now)
            count = len(entries) // INDEX_ENTRY.size
            while self.idx_reserved - self.idx_count - count < self.idx_reserved // 2:
                reserved = self.idx_reserved
                self._reserve_index()
                if self.idx_reserved == reserved:
                    break  # no room taken (a full disk): the write below may still fit
            try:
                done = os.pwrite(self.idx_fd, entries, self.idx_count * INDEX_ENTRY.size)
            except OSError as exc:
                error, done = error or exc, 0
            whole = done // INDEX_ENTRY.size
            self.idx_count += whole
            if whole == count:
                self.offset += written
            else:  # the index is full: the transcript ends where its last whole entry does
                for entry in INDEX_ENTRY.iter_unpack(entries[: whole * INDEX_ENTRY.size]):
                    self.offset += entry[1]
                error = error or OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        if error is not None:
            self.write_error = f"transcript not kept past {self.offset} bytes: {error.strerror}"
            _log(self.dir, self.write_error)

    def _reap(self) -> None:
        """Reap every ended child (a subreaper inherits orphans); keep the main one's status."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.job_pid and self.status is None:
                self.status = status
                self.end_time = time.time()

    # -- files --------------------------------------------------------------------------------

    def _reserve_index(self) -> None:
        """Take room for as many entries again (4 KiB at first, at most 1 MiB at a time)."""
        more = min(max(self.idx_reserved, _INDEX_FIRST), _INDEX_MOST)
        with _suppress(OSError, AttributeError):
            os.posix_fallocate(self.idx_fd, 0, (self.idx_reserved + more) * INDEX_ENTRY.size)
            self.idx_reserved += more

    def _monitor_record(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "monitor_pid": os.getpid(),
            "monitor_start": process_start(os.getpid()),
            "boot_id": boot_id(),
            "job_pid": self.job_pid,
            "job_start": self.job_start,
            "pgid": self.job_pid,
            "command": self.command,
            "cwd": self.cwd,
            "tag": self.tag,
            "begin_time": self.begin_time,
        }

    def _exit_record(self, error: str | None = None) -> dict[str, object]:
        code = signum = None
        if self.status is not None:
            if os.WIFSIGNALED(self.status):
                signum = os.WTERMSIG(self.status)
            else:
                code = os.waitstatus_to_exitcode(self.status)
        return {
            "format": FORMAT,
            "exit_code": code,
            "signal": signum,
            "signal_name": _signal_name(signum) if signum else None,
            "error": error,
            "begin_time": self.begin_time or None,
            "end_time": self.end_time or time.time(),
            "finished_time": time.time(),
            "boot_id": boot_id(),
            "job_pid": self.job_pid or None,
            "job_start": self.job_start,
            "transcript_bytes": self.offset,
            "stdout_bytes": self.stream_bytes[0],
            "stderr_bytes": self.stream_bytes[1],
            "transcript_error": self.write_error,
            "dropped_bytes": self.ring.dropped if self.ring is not None else 0,
        }

    def _write_json(self, name: str, record: dict[str, object]) -> None:
        """Write a whole file or none: a temporary file, then a rename over the name.

        exit.json goes through the file reserved at start (a full disk cannot refuse it).
        Neither file is fsynced. A rename after a write is atomic for every reader while the
        machine runs, and a host that crashes (or is killed, or upgraded) loses no page cache:
        the next host reads the whole file. Only a crash of the machine itself could leave
        exit.json missing, empty or torn, and the reader takes such a file as no record at all:
        the job is Failed, and since monitor.json's boot id is another boot's, its Reason says
        the machine was rebooted while it ran, which is what a user needs to know of it. The
        fsync cost every job's monitor 0.2-0.3 ms of the disk and a core's time in the kernel
        (0.15 ms a job measured over 1,000 jobs) for that case alone.
        """
        path = os.path.join(self.dir, name)
        temporary = f"{path}.tmp"
        data = _json(record) + b"\n"
        try:
            if name == EXIT:
                fd, self.exit_fd = self.exit_fd, -1
            else:
                flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
                fd = os.open(temporary, flags, 0o600)
            try:
                written = 0
                while written < len(data):
                    written += os.pwrite(fd, data[written:], written)
                os.ftruncate(fd, len(data))
            finally:
                os.close(fd)
            os.replace(temporary, path)
        except OSError as exc:
            _log(self.dir, f"{name} not written: {exc.strerror or exc}")

    def _announce(self, info: dict[str, object]) -> None:
        """Tell whoever started us that the job runs (one line), then let go of our stdout.

        A host that died meanwhile must not make the monitor fail: stdout becomes /dev/null,
        and stderr too: what the monitor has to say from now on goes to ``monitor.log``
        (:func:`_log`), which is made only then (one file fewer per job, 0.3 ms on ext4).
        """
        with _suppress(OSError):
            _write_all(1, _json(info) + b"\n")
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.close(null)


Bytes = bytes | bytearray


class LineBuffer:
    """One stream's reads, in place: ``output.LineBuffer``, copied (this file imports no module
    of jobtui's; see there why). A read lands in the monitor's read area after the partial line
    held, so ``data[:ready]`` is a record as it is, written from there: no copy of the bytes,
    and no new megabyte whose pages the kernel must zero for each read.
    """

    SMALL = 64 * 1024
    LARGE = _READ_SIZE + MAX_PENDING
    #: A read shorter than this ends a flood: the area goes back to SMALL at the next read.
    _SHORT = 4096

    __slots__ = ("_partial", "data", "held", "ready", "since")

    def __init__(self) -> None:
        #: After :meth:`fill` or :meth:`flush`, the read area: ``data[:ready]`` may be committed.
        self.data = _NOTHING
        #: Bytes of the partial line held (never a newline among them).
        self.held = 0
        self.ready = 0
        #: When the partial line began to wait (None: nothing is held).
        self.since: float | None = None
        self._partial = bytearray()

    @property
    def partial(self) -> bytes:
        """The partial line held between reads."""
        return bytes(self._partial[: self.held])

    @property
    def capacity(self) -> int:
        """The size of the read area now (the monitor's, shared by its two streams)."""
        return len(_area().data)

    def fill(self, fd: int) -> int:
        """Read what ``fd`` holds after the partial line: the bytes read (0 at end of file).

        Raises ``BlockingIOError`` when it holds nothing, ``OSError`` when it cannot be read.
        Then ``data[:ready]`` is whole lines (or, past ``MAX_PENDING``, a long line's start cut
        at a UTF-8 boundary), to be committed before :meth:`take`.
        """
        area, held = _area(), self.held
        buffer = area.reserve(held)
        with memoryview(buffer) as view, view[held:] as room:
            if held:
                view[:held] = self._partial
            got = os.readv(fd, [room])
            area.full, area.short = got == len(room), got < self._SHORT
        end = held + got
        cut = buffer.rfind(b"\n", held, end) + 1
        if end - cut > MAX_PENDING:
            cut = _utf8_boundary(buffer, end)
        self.data, self.ready, self.held = buffer, cut, end
        return got

    def flush(self, final: bool) -> int:
        """Make the partial line ready (all of it when ``final``, else up to a UTF-8
        boundary): how many bytes are."""
        held = self.held
        buffer = _area().reserve(held)
        buffer[:held] = self._partial
        self.data = buffer
        self.ready = held if final else _utf8_boundary(buffer, held)
        return self.ready

    def take(self, now: float | None) -> None:
        """The ready bytes are committed: keep the partial line that follows them.

        ``now`` is when the bytes were read (a new partial line waits from then); None when
        the partial line was flushed, not read.
        """
        cut, end = self.ready, self.held
        with memoryview(self.data) as view:
            self._partial[:] = view[cut:end]
        self.data, self.ready, self.held = _NOTHING, 0, end - cut
        if not self.held:
            self.since = None
        elif now is not None and (self.since is None or cut):
            self.since = now


class _Area:
    """Where the monitor's reads land, one at a time: one buffer for both streams.

    Small (64 KiB) until a read fills it, large (a read of a whole pipe, and room for the
    longest partial line) while reads do, small again after a short read: a quiet job's
    monitor does not hold two megabytes.
    """

    __slots__ = ("data", "full", "short")

    def __init__(self) -> None:
        self.data = bytearray()
        self.full = False
        self.short = False

    def reserve(self, held: int) -> bytearray:
        """The buffer, sized for a read after ``held`` bytes of a partial line (which the
        caller copies in: what the buffer held before is not kept)."""
        size = len(self.data)
        if self.full or held + LineBuffer._SHORT > size:
            small = not size and held + LineBuffer._SHORT <= LineBuffer.SMALL
            want = LineBuffer.SMALL if small else LineBuffer.LARGE
        elif self.short and size > LineBuffer.SMALL and held < LineBuffer.SMALL // 2:
            want = LineBuffer.SMALL
        else:
            return self.data
        if want != size:
            self.data = bytearray(want)
        self.full = self.short = False
        return self.data


_NOTHING = bytearray()
_AREA: list[_Area] = []


def _area() -> _Area:
    """The monitor's read area (made at its first read: the fork server reads none)."""
    if not _AREA:
        _AREA.append(_Area())
    return _AREA[0]


def index_entries(data: Bytes, size: int, offset: int, stream: int, now: float) -> bytes:
    """The index entries of ``data[:size]``, written at ``offset``: ``OutputStore.append``'s cut
    (at the last newline within ``RECORD_BYTES``, or a longer line whole), each entry with its
    newlines counted, so the host's store takes the same records without reading their bytes.
    """
    pack, entries, start = INDEX_ENTRY.pack, [], 0
    while start < size:
        end = size
        if size - start > RECORD_BYTES:
            cut = data.rfind(b"\n", start, start + RECORD_BYTES)
            if cut < 0:
                cut = data.find(b"\n", start + RECORD_BYTES, size)
            if 0 <= cut < size - 1:
                end = cut + 1
        word = (data.count(b"\n", start, end) + 1) << 8
        if data[end - 1] == 0x0A:
            word |= ENDS_NEWLINE
        entries.append(pack(offset + start, end - start, word | stream, now))
        start = end
    return b"".join(entries)


class _Piece:
    """A run of one stream's output in the ring."""

    __slots__ = ("length", "stream", "time")

    def __init__(self, stream: int, time: float, length: int) -> None:
        self.stream = stream
        self.time = time
        self.length = length


class _Ring:
    """The last ``size`` bytes of a runaway job's output, in a file written round.

    Its records (stream, time, length) are kept in memory, neighbours of one stream merged, so
    a job that writes a line a millisecond for days costs a few entries, not millions.
    """

    def __init__(self, path: str, size: int) -> None:
        self.size = size
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        self.position = 0  # bytes ever written to the ring
        self.records: list[_Piece] = []  # oldest first
        self.held = 0  # bytes of those records still in the ring
        self.dropped = 0
        self.used = False

    def add(self, stream: int, data: bytes | memoryview, now: float) -> None:
        self.used = True
        if len(data) > self.size:
            self.dropped += len(data) - self.size
            data = data[len(data) - self.size :]
        start = self.position % self.size
        first = min(len(data), self.size - start)
        try:
            os.pwrite(self.fd, data[:first], start)
            if first < len(data):
                os.pwrite(self.fd, data[first:], 0)
        except OSError:
            self.dropped += len(data)
            return
        self.position += len(data)
        last = self.records[-1] if self.records else None
        if last is not None and last.stream == stream:
            last.length += len(data)
        else:
            self.records.append(_Piece(stream, now, len(data)))
        self.held += len(data)
        while self.held > self.size:  # the oldest bytes were written over
            excess = self.held - self.size
            oldest = self.records[0]
            if oldest.length <= excess:
                self.records.pop(0)
                self.held -= oldest.length
                self.dropped += oldest.length
            else:
                oldest.length -= excess
                self.held -= excess
                self.dropped += excess

    def drain(self) -> list[tuple[int, bytes, float]]:
        """The records still held, oldest first, read back in order."""
        out: list[tuple[int, bytes, float]] = []
        cursor = self.position - self.held
        for piece in self.records:
            n = piece.length
            data = b""
            while len(data) < n:
                start = (cursor + len(data)) % self.size
                part = os.pread(self.fd, min(n - len(data), self.size - start), start)
                if not part:
                    break
                data += part
            cursor += n
            out.append((piece.stream, data, piece.time))
        os.close(self.fd)
        return out


# -- the sentinel ---------------------------------------------------------------------------


def _hold_input(path: str) -> int | None:
    """A write end of the job's input when it is a FIFO (how a host sends input to a running
    job), held by the monitor: the job's open of the FIFO does not wait for a writer, and the
    job reads no end of file while no host is there to write (a host that died, or one that
    has yet to adopt the job). None for a file or /dev/null."""
    try:
        if not stat.S_ISFIFO(os.stat(path).st_mode):
            return None
        return os.open(path, os.O_RDWR | os.O_NONBLOCK)
    except OSError:
        return None


def _start_sentinel(tag: str | None, keep_closed: tuple[int, ...]) -> tuple[int, int]:
    """The process that ends the job if the monitor dies; returns (its pid, its pipe).

    A monitor forked by the fork server gives its pipe's reading end to the server's keeper
    (:func:`_keeper`), which is every such monitor's sentinel: pid 0 then, and no process is
    forked. Otherwise (a monitor started as a program, or no keeper took the pipe) a sentinel
    of its own is forked.
    """
    if _KEEPER:
        write_end = _give_to_keeper(_KEEPER.pop(), tag)
        if write_end is not None:
            return 0, write_end
    return _fork_sentinel(tag, keep_closed)


def _give_to_keeper(keeper: object, tag: str | None) -> int | None:
    """Hand a new sentinel pipe's reading end to the keeper; its writing end, or None.

    Once ``sendmsg`` returns, the reading end is queued in the keeper's socket: a monitor
    killed a moment later leaves it open there, so the keeper still reads its end of file.
    """
    import socket

    assert isinstance(keeper, socket.socket)
    read_end, write_end = os.pipe()
    try:
        keeper.sendmsg(
            [(tag or "").encode() + b"\n"],
            [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", read_end))],
        )
    except OSError:  # no keeper (it died): this monitor forks a sentinel of its own
        os.close(write_end)
        return None
    finally:
        os.close(read_end)
        keeper.close()  # neither this monitor nor its job holds the server's socket
    return write_end


def _tell_sentinel(
    sentinel_pid: int, sentinel_w: int, job_pid: int, tag: str | None, keep_closed: tuple[int, ...]
) -> tuple[int, int]:
    """Tell the sentinel the job's process group; returns the sentinel, a new one if need be.

    The write fails (EPIPE: SIGPIPE is ignored) only when no process holds the reading end: a
    keeper that died with the pipe still queued, or that could not take one more descriptor.
    The job runs already, so a sentinel of this monitor's own is forked now and told instead.
    """
    line = f"+{job_pid}\n".encode()
    try:
        os.write(sentinel_w, line)
        return sentinel_pid, sentinel_w
    except OSError:
        os.close(sentinel_w)
    sentinel_pid, sentinel_w = _fork_sentinel(tag, keep_closed)
    with _suppress(OSError):
        os.write(sentinel_w, line)
    return sentinel_pid, sentinel_w


def _fork_sentinel(tag: str | None, keep_closed: tuple[int, ...]) -> tuple[int, int]:
    """Fork the process that ends the job if the monitor dies; returns (pid, its pipe)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(write_end)
            for fd in keep_closed:
                os.close(fd)
            # Not the host's pipes: whoever reads the monitor's output until its end must not
            # wait for the sentinel too.
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            os.close(null)
            os.setsid()  # a signal to the monitor's group must not take the sentinel too
            for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
                signal.signal(sig, signal.SIG_IGN)
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _sentinel(read_end, tag)
        finally:
            os._exit(0)
    os.close(read_end)
    return pid, write_end


def _sentinel(read_end: int, tag: str | None) -> None:
    """Wait for the monitor's goodbye; at end of file without one, kill the job."""
    watch = _Watch(tag)
    while True:
        try:
            chunk = os.read(read_end, 4096)
        except InterruptedError:
            continue
        if not chunk:
            break
        if watch.said(chunk):
            return
    _sweep(watch.groups, tag)


class _Watch:
    """What a sentinel has heard of one monitor: the job's process groups, and its goodbye."""

    __slots__ = ("buffer", "groups", "tag")

    def __init__(self, tag: str | None) -> None:
        self.tag = tag
        self.groups: set[int] = set()
        self.buffer = b""

    def said(self, chunk: bytes) -> bool:
        """Take what the monitor wrote; True once it said goodbye (its job is not to be killed)."""
        self.buffer += chunk
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            if line + b"\n" == GOODBYE:
                return True
            if line[:1] == b"+" and line[1:].isdigit():
                self.groups.add(int(line[1:]))
        return False


def _sweep(groups: set[int], tag: str | None) -> None:
    """SIGKILL the job's process groups and every process with its tag, until none is left."""
    for _round in range(20):  # a tree that forks while it dies needs more than one sweep
        found = set(tagged_pids(tag)) if tag else set()
        alive = False
        for pgid in groups:
            with _suppress(OSError):
                os.killpg(pgid, signal.SIGKILL)
                alive = True
        for pid in found:
            with _suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                alive = True
        if not alive:
            return
        time.sleep(0.05)


def _goodbye(sentinel_w: int, sentinel_pid: int) -> None:
    with _suppress(OSError):
        os.write(sentinel_w, GOODBYE)
    os.close(sentinel_w)
    if sentinel_pid:  # a sentinel of its own (the keeper is nobody's child to wait for)
        with _suppress(ChildProcessError):
            os.waitpid(sentinel_pid, 0)


#: The fork server's socket to its keeper, in a monitor it forked (taken by _start_sentinel).
_KEEPER: list[object] = []


def start_keeper() -> tuple[object, int]:
    """Fork the keeper: one sentinel for every monitor the fork server forks.

    A sentinel per monitor was a second fork of Python for every job (a millisecond of a core,
    most of it the copy-on-write faults of both forks). The keeper is forked once, in a session
    of its own (a signal to a job's or the server's group does not reach it), and is no
    monitor's ancestor: it lives on when the server or the host dies, for as long as a monitor
    it watches runs, and ends once none does and nobody can give it another (every copy of the
    server's end of its socket is closed). Returns (the server's end of its socket, its pid).
    """
    import socket

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        try:
            ours.close()
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            os.close(null)
            # Nothing else of the server's: the pipes of the request being served above all
            # (a host reads its monitor's answer until every copy of them is closed).
            keep = theirs.fileno()
            os.closerange(3, keep)
            os.closerange(keep + 1, _open_max())
            os.setsid()
            for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
                signal.signal(sig, signal.SIG_IGN)
            signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # its sweeps are reaped by the kernel
            _keeper(theirs)
        finally:
            os._exit(0)
    theirs.close()
    return ours, pid


def _keeper(server: object) -> None:
    """Watch every monitor's sentinel pipe given on ``server``; sweep a job whose monitor died.

    A monitor gives the reading end of its pipe with its job's tag (:func:`_give_to_keeper`),
    then writes the job's process group and, at its end, a goodbye: exactly what it writes to
    a sentinel of its own. End of file on a pipe without a goodbye means the monitor died; its
    job is swept as a sentinel sweeps (:func:`_sweep`), in a fork, so that the others' pipes
    are read meanwhile.
    """
    import resource
    import socket

    assert isinstance(server, socket.socket)
    with _suppress(OSError, ValueError):  # a descriptor per running job
        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    poller = select.poll()
    listening = server.fileno()
    poller.register(listening, select.POLLIN)
    watched: dict[int, _Watch] = {}
    while listening >= 0 or watched:
        try:
            ready = poller.poll()
        except InterruptedError:
            continue
        for fd, _events in ready:
            if fd == listening:
                try:
                    data, ancillary, _flags, _address = server.recvmsg(
                        4096, socket.CMSG_SPACE(4 * 4)
                    )
                except InterruptedError:
                    continue
                except OSError:
                    data, ancillary = b"", []
                fds = _received_fds(ancillary)
                if not data and not fds:  # nobody can give another: watch the last ones out
                    poller.unregister(listening)
                    server.close()
                    listening = -1
                    continue
                tag = data.rstrip(b"\n").decode(errors="surrogateescape") or None
                for given in fds:
                    watched[given] = _Watch(tag)
                    poller.register(given, select.POLLIN)
                continue
            watch = watched.get(fd)
            if watch is None:
                continue
            try:
                chunk = os.read(fd, 4096)
            except InterruptedError:
                continue
            except OSError:
                chunk = b""
            if chunk and not watch.said(chunk):
                continue
            poller.unregister(fd)
            os.close(fd)
            del watched[fd]
            if not chunk:  # end of file without a goodbye: the monitor died
                _sweep_apart(watch)


def _open_max() -> int:
    try:
        return max(256, os.sysconf("SC_OPEN_MAX"))
    except (OSError, ValueError):
        return 65536


def _sweep_apart(watch: _Watch) -> None:
    """Sweep a dead monitor's job in a child (a sweep may take a second of retries)."""
    try:
        pid = os.fork()
    except OSError:
        _sweep(watch.groups, watch.tag)
        return
    if pid == 0:
        try:
            _sweep(watch.groups, watch.tag)
        finally:
            os._exit(0)


def _received_fds(ancillary: list[tuple[int, int, bytes]]) -> list[int]:
    import socket

    fds: list[int] = []
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds += struct.unpack(f"{len(payload) // 4}i", payload[: len(payload) // 4 * 4])
    return fds


# -- /proc (shared with the reader) ---------------------------------------------------------


def boot_id() -> str | None:
    """This boot's id (Linux): a pid and a start time mean nothing across a reboot.

    Read once per process (no process outlives its boot): a monitor wrote it twice and its
    host read it once more for every job. A monitor forked by the fork server has it already.
    """
    if not _BOOT_ID:
        try:
            with open("/proc/sys/kernel/random/boot_id") as file:
                _BOOT_ID.append(file.read().strip())
        except OSError:
            return None
    return _BOOT_ID[0]


_BOOT_ID: list[str] = []


def process_start(pid: int) -> int | None:
    """A process's start time in clock ticks since boot (Linux), or None if it is gone.

    With the boot id it names one process for ever: a pid alone is reused.
    """
    stat = _read_proc(f"/proc/{pid}/stat")
    if stat is None:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    fields = stat[stat.rfind(b")") + 2 :].split()
    return int(fields[19])


def _read_proc(path: str) -> bytes | None:
    """A small /proc file's bytes (None if it is gone), by os.open: no file object is made,
    which in a monitor forked by the server spares the pages of io's machinery."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return os.read(fd, 4096)
    except OSError:
        return None
    finally:
        os.close(fd)


def process_state(pid: int) -> str | None:
    """A process's state letter from /proc ("R", "S", "Z"...), or None if it is gone."""
    stat = _read_proc(f"/proc/{pid}/stat")
    if stat is None:
        return None
    return stat[stat.rfind(b")") + 2 :].split()[0].decode()


def tagged_pids(tag: str) -> list[int]:
    """Pids of processes whose environment holds ``JOBTUI_JOB=tag`` (those we may read)."""
    wanted = f"{JOB_TAG}={tag}".encode()
    me = os.getpid()
    found: list[int] = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as file:
                environ = file.read()
        except OSError:
            continue
        if wanted in environ.split(b"\0"):
            found.append(int(name))
    return found


# -- small helpers --------------------------------------------------------------------------


class _suppress:
    """``contextlib.suppress``, without importing contextlib (and collections, functools)."""

    def __init__(self, *kinds: type[BaseException]) -> None:
        self._kinds = kinds

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, value: object, trace: object) -> bool:
        return kind is not None and issubclass(kind, self._kinds)


_ESCAPES = {ord('"'): '\\"', ord("\\"): "\\\\"} | {n: f"\\u{n:04x}" for n in range(32)}


def _json(value: object) -> bytes:
    """``json.dumps(value).encode()`` for the monitor's records, without importing json (re).

    Strings are kept as UTF-8; a lone surrogate (an undecodable byte of a file name or an
    argument, as ``os.fsdecode`` gives it) becomes its ``\\udcXX`` escape, which JSON reads back.
    """
    return _encode(value).encode("utf-8", "backslashreplace")


def _encode(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return (
            repr(value) if value == value and value not in (float("inf"), -float("inf")) else "null"
        )
    if isinstance(value, str):
        return '"' + value.translate(_ESCAPES) + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_encode(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_encode(str(k))}: {_encode(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


_POSIX_SPAWN = _LINUX and hasattr(os, "posix_spawn") and hasattr(os, "POSIX_SPAWN_DUP2")


def _changed_signals() -> list[int]:
    """The signals whose handling this process changed: the job gets the default for each.

    Asked of ``_signal``, the C module under ``signal``: its wrappers make an enum of every
    signal number and handler, which cost every job 0.2 ms for the 64 signals (4 us so).
    """
    unchanged = (_signal.SIG_DFL, None)
    fixed = (signal.SIGKILL, signal.SIGSTOP)
    # A valid signal's handler is always readable: no error to catch.
    return [
        int(sig)
        for sig in _signal.valid_signals()
        if sig not in fixed and _signal.getsignal(sig) not in unchanged
    ]


def _prctl(option: int, value: int) -> None:
    if not _LINUX:
        return
    if not _PRCTL:  # loaded once: the fork server's monitors have it from the server
        _PRCTL.append(ctypes.CDLL(None, use_errno=True).prctl)
    _PRCTL[0](option, value, 0, 0, 0)


_PRCTL: list[ctypes._NamedFuncPointer] = []


def _noop(signum: int, frame: object) -> None:
    """SIGCHLD only has to wake the loop (through the wakeup fd)."""


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_all(fd: int, nonblocking: bool = False) -> bytes:
    parts: list[bytes] = []
    while True:
        try:
            part = os.read(fd, 65536)
        except BlockingIOError:
            break
        except InterruptedError:
            continue
        if not part:
            break
        parts.append(part)
        if nonblocking and len(part) < 65536:
            break
    return b"".join(parts)


def _utf8_boundary(buffer: bytes | bytearray, end: int) -> int:
    """The largest cut <= end that does not split a UTF-8 sequence (output._utf8_boundary)."""
    for i in range(end - 1, max(0, end - 4) - 1, -1):
        byte = buffer[i]
        if byte < 0x80:
            return end
        if byte >= 0xC0:  # a lead byte: is its sequence complete?
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return end if end - i >= need else i
    return end


def _log(job_dir: str, text: str) -> None:
    private = lambda path, flags: os.open(path, flags, 0o600)  # noqa: E731
    with _suppress(OSError), open(os.path.join(job_dir, LOG), "a", opener=private) as file:
        file.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {text}\n")


def _exit_at_once(status: int) -> None:
    """End the process without the interpreter's teardown: once exit.json is written the
    host waits for this exit (on a pidfd) to take the job's end, and the teardown (ctypes'
    above all) cost it 2-3 ms of every job. Only stdio has anything left to flush."""
    with _suppress(OSError, ValueError):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(status)


#: Set once a job has run and its end is recorded (the process may then end at once).
_ended = False


if __name__ == "__main__":
    _status = main(sys.argv[1:])
    if _ended:
        _exit_at_once(_status)
    sys.exit(_status)
