"""The host's commands: ``jobtui host [run|status|stop]``, ``jobtui -c LINE`` and hosted
``jobtui --plain``. Each says what went wrong in one line and exits 1."""

from __future__ import annotations

import contextlib
import os
import time
from typing import TextIO

from jobtui.data.paths import HostPaths
from jobtui.host.wire import WireError

#: Seconds ``jobtui host stop`` waits for the host to be gone.
STOP_TIMEOUT = 30.0


def run_host_command(action: str, stdout: TextIO, stderr: TextIO) -> int:
    """``jobtui host``, ``jobtui host status``, ``jobtui host stop``."""
    if action == "run":
        from jobtui.data.config import load_config
        from jobtui.host.server import run_host

        config = load_config()
        summary = config.summary()
        if summary:
            stderr.write(f"jobtui host: {summary}\n")
        return run_host(config.settings)
    from jobtui.host.autostart import connect

    paths = HostPaths.from_environ()
    try:
        service = connect(paths, start=False)
    except (WireError, OSError) as exc:
        stderr.write(f"jobtui: {exc}\n")
        return 1
    try:
        if action == "status":
            stdout.write(status_text(service.status()))
            return 0
        status = service.stop_host()
    except WireError as exc:
        stderr.write(f"jobtui: {exc}\n")
        return 1
    finally:
        service.close()
    deadline = time.monotonic() + STOP_TIMEOUT
    while paths.socket.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    jobs = status["running"]
    stdout.write(
        f"jobtui host (pid {status['pid']}) stopped, and {jobs} running "
        f"job{'' if jobs == 1 else 's'} with it.\n"
    )
    return 0


def status_text(status: dict[str, object]) -> str:
    """``jobtui host status``'s lines."""
    rows = [
        ("pid", status["pid"]),
        ("version", status["version"]),
        ("uptime", _duration(float(status["uptime"]))),  # type: ignore[arg-type]
        ("state", status["state"]),
        ("clients", f"{status['clients']} attached, {status['connections']} connected"),
        ("jobs", f"{status['jobs']} ({status['running']} running)"),
        ("socket", status["socket"]),
    ]
    return "".join(f"{name:<9}{value}\n" for name, value in rows)


def _duration(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def run_one_line(line: str, stdout: TextIO, stderr: TextIO) -> int:
    """``jobtui -c LINE``: the line in the host's session (started if need be), printed as
    plain mode prints it; the session stays, disconnected. 0, or 1 if the line failed."""
    from jobtui.host.autostart import connect
    from jobtui.plain import HostGone, _run_line, _width

    try:
        service = connect(width=_width(stdout))
    except (WireError, OSError) as exc:
        stderr.write(f"jobtui: {exc}\n")
        return 1
    try:
        say_notices(service.take_notices(), stderr)
        result = _run_line(service, line, stdout, stderr)
    except HostGone as exc:
        stderr.write(f"jobtui: {exc}\n")
        return 1
    finally:
        service.close()
    if result.exit_code is not None:
        return result.exit_code
    return 0 if result.succeeded else 1


def say_notices(notices: list[str], stderr: TextIO) -> None:
    """The session's notices (its history's problems), one line each, before the first line
    runs: said by the first client that asks, once."""
    for notice in notices:
        stderr.write(f"jobtui: {notice}\n")
    if notices:
        stderr.flush()


def run_hosted_plain(stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """``jobtui --plain`` as a client of the host (started if need be), attached."""
    from jobtui.host.autostart import connect
    from jobtui.plain import run_plain

    try:
        service = connect(kind="plain")
    except (WireError, OSError) as exc:
        stderr.write(f"jobtui: {exc}\n")
        return 1

    def on_lost(why: str) -> None:
        # A line that was running fails and says so itself. Between lines the main thread is
        # blocked reading input, which nothing can wake: say it and end here.
        if not service.connection.pending_at_loss:
            stderr.write(f"jobtui: {why}\n")
            stderr.flush()
            with contextlib.suppress(OSError, ValueError):
                stdout.flush()
            os._exit(1)

    service.on_lost = on_lost
    try:
        say_notices(service.take_notices(), stderr)
        return run_plain(stdin, stdout, stderr, service=service, leave=service.leave)
    finally:
        service.close()
