"""The remote side of an SSH Location: a stdlib-only script that runs jobs on the far host.

It is not installed there: every call sends it compressed on the command line
(``python3 -c '<loader>' OPERATION``), so the host needs only ``python3``. A request comes on
stdin as JSON and the answer goes to stdout as JSON. Each job lives in a directory of its own
under the remote user's state directory:

- ``out`` and ``err``: the job's stdout and stderr, read back by byte offset (Receive-Job's
  cursor is a byte offset into them, so -Keep means what it means locally);
- ``pid``: the job's process id, which is also its process group id;
- ``status``: ``exit N`` or ``signal N`` once the job ended, written by the job's watcher;
- ``lease``: touched by every poll of jobtui. The watcher ends the job when no poll came for
  the lease's seconds: the job dies with the session (PowerShell's semantics), but a network
  blip shorter than the lease leaves it running, and the job shows Disconnected meanwhile.

The job runs detached (its own session and process group, output to files, stdin from a
file or /dev/null): a dropped connection neither SIGHUPs nor SIGPIPEs it. Stop, Suspend and
Resume signal the process group and any process that carries the job's tag in its environment
(a ``setsid`` escapee). SSH's own signal requests are not used: OpenSSH refuses them for root
logins and does not carry STOP or CONT.

This file must run on the remote host's python3 alone: the standard library, Python 3.7.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import json
import os
import select
import signal
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: the remote python3 may predate dict[...] at run time
    Request = dict[str, Any]

TAG = "JOBTUI_REMOTE_JOB"
#: The key of an answer's raw bytes, written after its JSON line (a poll's output).
PAYLOAD = "payload"
POLL = 0.05


def state_root() -> str:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state"
    )
    return os.path.join(base, "jobtui", "remote")


def job_dir(name: str) -> str:
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"bad job name: {name!r}")
    return os.path.join(state_root(), name)


def read_text(path: str) -> str | None:
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return None


def write_atomic(path: str, text: str) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as handle:
        handle.write(text)
    os.rename(tmp, path)


# -- start ---------------------------------------------------------------------------------------


def start(request: Request) -> Request:
    """Start each job detached; answer its pid, or why it could not start.

    Every job is forked before any answer is awaited: a batch of 50 took 233 ms one after
    another, most of it waiting for each watcher in turn.
    """
    launched: list[tuple[int, int, str] | str] = []
    for job in request["jobs"]:
        try:
            launched.append(launch(job, request.get("lease", 0)))
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                launched.append(
                    f"The remote disk is full: the job's files cannot be made in "
                    f"{os.path.dirname(exc.filename or job_dir(job['name']))} "
                    f"({exc.strerror or exc})."
                )
            else:
                launched.append(f"{exc.strerror or exc}: {exc.filename or ''}")
        except ValueError as exc:
            launched.append(str(exc))
    answers: list[Request] = []
    for entry in launched:
        if isinstance(entry, str):
            answers.append({"error": entry})
            continue
        first, ready_r, cwd = entry
        os.waitpid(first, 0)
        with os.fdopen(ready_r, "rb") as ready:
            pid = ready.read().decode().strip()
        if pid:
            answers.append({"pid": int(pid), "cwd": cwd, "shell": login_shell()})
        else:
            answers.append({"error": "The job's watcher could not start on the remote host."})
    return {"jobs": answers}


def login_shell() -> str:
    """The remote user's login shell, as sshd sets it: what `ssh host command` would run."""
    return os.environ.get("SHELL") or "/bin/sh"


def launch(job: Request, lease: float) -> tuple[int, int, str]:
    """Fork the job's watcher in a session of its own; the fork's pid and the pipe on which
    the watcher says the job's pid."""
    directory = job_dir(job["name"])
    cwd = os.path.expanduser(job.get("cwd") or "~")
    if not os.path.isdir(cwd):
        raise ValueError(f"Cannot find the working directory '{cwd}' on the remote host.")
    os.makedirs(directory, mode=0o700)
    for stream in ("out", "err"):
        open(os.path.join(directory, stream), "wb").close()
    stdin_path = os.devnull
    if job.get("input") is not None:
        stdin_path = os.path.join(directory, "stdin")
        with open(stdin_path, "wb") as handle:
            handle.write(base64.b64decode(job["input"]))
    elif job.get("fifo"):
        # Input sent while the job runs (Send-JobInput): a FIFO the watcher holds open, so
        # the job reads on until the input is closed (the ``stdin.closed`` mark).
        stdin_path = os.path.join(directory, "stdin")
        os.mkfifo(stdin_path, 0o600)
    write_atomic(os.path.join(directory, "lease"), "")
    ready_r, ready_w = os.pipe()
    first = os.fork()
    if first == 0:  # the first child: a new session, then the watcher, then gone
        try:
            os.close(ready_r)
            os.setsid()
            if os.fork() == 0:
                watch(job, directory, cwd, stdin_path, lease, ready_w)
            os._exit(0)
        except BaseException:
            os._exit(1)
    os.close(ready_w)
    return first, ready_r, cwd


def watch(
    job: Request, directory: str, cwd: str, stdin_path: str, lease: float, ready_w: int
) -> None:
    """The job's watcher: runs it, writes its status, and ends it when the lease runs out."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    env = dict(os.environ)
    env.update(job.get("env") or {})
    env[TAG] = job["name"]
    shell = login_shell()
    argv = [shell, "-c", job["command"], os.path.basename(shell), *(job.get("args") or [])]
    hold = os.open(stdin_path, os.O_RDWR) if job.get("fifo") else None
    closed_mark = os.path.join(directory, "stdin.closed")
    pid = os.fork()
    if pid == 0:
        try:
            os.setpgid(0, 0)
            os.chdir(cwd)
            fd_in = os.open(stdin_path, os.O_RDONLY)
            fd_out = os.open(os.path.join(directory, "out"), os.O_WRONLY | os.O_APPEND)
            fd_err = os.open(os.path.join(directory, "err"), os.O_WRONLY | os.O_APPEND)
            os.dup2(fd_in, 0)
            os.dup2(fd_out, 1)
            os.dup2(fd_err, 2)
            os.closerange(3, 1 << 16)
            os.execvpe(shell, argv, env)
        finally:
            os._exit(127)
    with contextlib.suppress(OSError):  # the child did it first
        os.setpgid(pid, pid)
    write_atomic(os.path.join(directory, "pid"), str(pid))
    os.write(ready_w, str(pid).encode())
    os.close(ready_w)
    status = None
    nap = 0.001
    lease_path = os.path.join(directory, "lease")
    while status is None:
        done, code = os.waitpid(pid, os.WNOHANG)
        if done:
            status = code
            break
        if hold is not None and os.path.exists(closed_mark):
            os.close(hold)  # the last writer: the job reads to the end of its input
            hold = None
        if lease > 0:
            try:
                idle = time.time() - os.stat(lease_path).st_mtime
            except OSError:
                idle = lease + 1  # the directory was removed: nobody will read the job
            if idle > lease:
                # jobtui is gone: nobody will read the job, so nothing of it stays.
                end_job(job["name"], pid, 2.0)
                os.waitpid(pid, 0)
                remove({"names": [job["name"]]})
                os._exit(0)
        # Short jobs end soon: look again after 2 ms, then less and less often, up to 0.2 s.
        nap = min(nap * 2, 0.2)
        time.sleep(nap)
    if os.WIFSIGNALED(status):
        text = f"signal {os.WTERMSIG(status)}"
    else:
        text = f"exit {os.WEXITSTATUS(status)}"
    with contextlib.suppress(OSError):  # removed meanwhile
        write_atomic(os.path.join(directory, "status"), text)
    os._exit(0)


# -- signals ---------------------------------------------------------------------------------------


def tagged(name: str) -> list[int]:
    """Processes of this user whose environment carries the job's tag (escapees included)."""
    needle = f"{TAG}={name}".encode()
    found = []
    me = os.getuid()
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            if os.stat("/proc/" + entry).st_uid != me:
                continue
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if needle in handle.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def signal_job(name: str, pgid: int, sig: int) -> bool:
    """Signal the job's process group and its tagged processes; True if any was there."""
    hit = False
    try:
        os.killpg(pgid, sig)
        hit = True
    except OSError:
        pass
    for pid in tagged(name):
        try:
            os.kill(pid, sig)
            hit = True
        except OSError:
            pass
    return hit


def end_job(name: str, pgid: int, grace: float) -> None:
    """TERM (and CONT, so a suspended job sees it), then KILL whatever is left after the grace."""
    if not signal_job(name, pgid, signal.SIGTERM):
        return
    signal_job(name, pgid, signal.SIGCONT)
    deadline = time.time() + grace
    while time.time() < deadline:
        if not alive(name, pgid):
            return
        time.sleep(POLL)
    signal_job(name, pgid, signal.SIGKILL)


def alive(name: str, pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except OSError:
        return bool(tagged(name))


def job_pid(name: str) -> int | None:
    text = read_text(os.path.join(job_dir(name), "pid"))
    return int(text) if text else None


def do_signal(request: Request) -> Request:
    sig = getattr(signal, "SIG" + request["signal"])
    for name in request["names"]:
        pid = job_pid(name)
        if pid is not None:
            signal_job(name, pid, sig)
    return {}


def stop(request: Request) -> Request:
    """Stop jobs together: one TERM sweep, one grace, one KILL sweep; wait for their status."""
    grace = float(request.get("grace", 2.0))
    pids = [(name, job_pid(name)) for name in request["names"]]
    jobs = [(name, pid) for name, pid in pids if pid is not None]
    for name, pid in jobs:
        signal_job(name, pid, signal.SIGTERM)
        signal_job(name, pid, signal.SIGCONT)
    deadline = time.time() + grace
    while time.time() < deadline and any(alive(n, p) for n, p in jobs):
        time.sleep(POLL)
    for name, pid in jobs:
        if alive(name, pid):
            signal_job(name, pid, signal.SIGKILL)
    deadline = time.time() + 2.0
    while time.time() < deadline and any(
        read_text(os.path.join(job_dir(n), "status")) is None for n, _ in jobs
    ):
        time.sleep(POLL)
    return {}


# -- poll and remove ---------------------------------------------------------------------------


def poll(request: Request) -> Request:
    """Each job's new output from its byte offsets, its status, and a fresh lease.

    The answer's ``out`` and ``err`` are byte counts; the bytes follow the JSON line in
    order, each job's stdout then its stderr.
    """
    limit = int(request.get("limit", 1 << 20))
    now = time.time()
    answers: list[Request] = []
    groups: dict[int, list[float]] | None = None
    payload: list[tuple[str, int, int]] = []
    for job in request["jobs"]:
        directory = job_dir(job["name"])
        if not os.path.isdir(directory):
            answers.append({"missing": True})
            continue
        with contextlib.suppress(OSError):
            os.utime(os.path.join(directory, "lease"), (now, now))
        # The status is read before the output: output read after it is then complete.
        answer: Request = {"status": read_text(os.path.join(directory, "status"))}
        for stream in ("out", "err"):
            path = os.path.join(directory, stream)
            start = int(job.get(stream, 0))
            # The file only grows: its size now is what this answer promises to send.
            left = max(os.path.getsize(path) - start, 0)
            answer["more"] = answer.get("more", False) or left > limit
            # The bytes follow the JSON line, raw: base64 in JSON cost 4 s of 10 million lines.
            answer[stream] = min(left, limit)
            payload.append((path, start, min(left, limit)))
        if request.get("stats") and answer["status"] is None:
            pid = job_pid(job["name"])
            if pid is not None:
                if groups is None:
                    groups = group_usage()
                answer["stats"] = groups.get(pid, [0.0, 0, 0])
        answers.append(answer)
    return {"jobs": answers, PAYLOAD: payload}


def group_usage() -> dict[int, list[float]]:
    """CPU seconds, resident bytes and process count of every process group, from /proc."""
    ticks = float(os.sysconf("SC_CLK_TCK"))
    page = os.sysconf("SC_PAGE_SIZE")
    groups: dict[int, list[float]] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rpartition(b")")[2].split()
        except OSError:
            continue
        # After the command's name: state, ppid, pgrp... utime and stime are 11 and 12, rss 21.
        usage = groups.setdefault(int(fields[2]), [0.0, 0, 0])
        usage[0] += (int(fields[11]) + int(fields[12])) / ticks
        usage[1] += int(fields[21]) * page
        usage[2] += 1
    return groups


def remove(request: Request) -> Request:
    for name in request["names"]:
        directory = job_dir(name)
        for entry in (
            "out", "err", "pid", "status", "lease", "stdin", "stdin.closed", "lease.tmp",
            "status.tmp", "stdin.closed.tmp",
        ):  # fmt: skip
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(directory, entry))
        with contextlib.suppress(OSError):
            os.rmdir(directory)
    return {}


def send_input(request: Request) -> Request:
    """Write to a job's input FIFO for up to a second, then close it if asked; bytes written."""
    directory = job_dir(request["name"])
    data = base64.b64decode(request.get("data") or "")
    written = 0
    if data:
        try:
            fd = os.open(os.path.join(directory, "stdin"), os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            return {"error": "The job does not read its input any more."}
        try:
            deadline = time.time() + 1.0
            while written < len(data) and time.time() < deadline:
                try:
                    written += os.write(fd, data[written:])
                except BlockingIOError:
                    select.select([], [fd], [], 0.05)
                except BrokenPipeError:
                    return {"error": "The job does not read its input any more."}
        finally:
            os.close(fd)
    if request.get("close"):
        with contextlib.suppress(OSError):
            write_atomic(os.path.join(directory, "stdin.closed"), "")
    return {"written": written}


OPERATIONS = {
    "input": send_input,
    "start": start,
    "poll": poll,
    "signal": do_signal,
    "stop": stop,
    "remove": remove,
}


def main() -> None:
    operation = OPERATIONS[sys.argv[1]]
    request = json.loads(sys.stdin.read() or "{}")
    if not os.path.isdir(state_root()):
        os.makedirs(state_root(), mode=0o700)
    if request.get("remove"):
        remove({"names": request["remove"]})
    answer = operation(request)
    payload = answer.pop(PAYLOAD, [])
    out = sys.stdout.buffer
    out.write(json.dumps(answer).encode() + b"\n")
    out.flush()
    for path, start, count in payload:
        if count:
            send_file(path, start, count, out)


def send_file(path: str, start: int, count: int, out: Any) -> None:
    """``count`` bytes of ``path`` from ``start`` to stdout, a MiB at a time (never the whole
    in memory). Not os.sendfile: into sshd's pipe it made every second command after a
    large one fail with ssh's status 255 (measured with OpenSSH 9 on Linux)."""
    with open(path, "rb") as handle:
        handle.seek(start)
        while count:
            data = handle.read(min(count, 1 << 20))
            if not data:
                break
            out.write(data)
            count -= len(data)
    out.flush()


if __name__ == "__main__":
    main()
