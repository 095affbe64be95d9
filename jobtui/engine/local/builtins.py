"""Commands jobtui runs in process, on a thread, instead of through the shell.

``Get-Process`` is about_Jobs' running example, so it works as written, with PowerShell's columns.
Windows-only cmdlets from the same text fail as jobs, with a Reason that says why.
"""

from __future__ import annotations

import fnmatch
import shlex
import threading
import time
from typing import TYPE_CHECKING

from jobtui.engine.local.runners import BuiltinFunction, OutputWriter
from jobtui.engine.states import JobFailure

if TYPE_CHECKING:
    import psutil

#: about_Jobs' columns; NPM(K) (non-paged pool) has no Unix meaning and shows 0.
GET_PROCESS_HEADER = [
    "Handles  NPM(K)    PM(K)      WS(K) VM(M)   CPU(s)     Id ProcessName",
    "-------  ------    -----      ----- -----   ------     -- -----------",
]


def get_process(writer: OutputWriter, arguments: list[str], cancel: threading.Event) -> None:
    """PowerShell's Get-Process table, from psutil; ``-Name`` (or a bare name) filters."""
    import psutil  # here, not at the top: the app starts faster without it

    names = _names(arguments)
    rows: list[str] = []
    for proc in sorted(psutil.process_iter(["name", "pid"]), key=_sort_key):
        if cancel.is_set():
            return
        name = proc.info["name"] or ""
        if names and not any(_match(pattern, name) for pattern in names):
            continue
        try:
            with proc.oneshot():
                mem = proc.memory_info()
                cpu = proc.cpu_times()
                handles = proc.num_fds() if hasattr(proc, "num_fds") else 0
                private = getattr(mem, "data", mem.rss)
        except psutil.Error:
            continue
        cpu_s = cpu.user + cpu.system
        rows.append(
            f"{handles:7d} {0:7d} {private // 1024:8d} {mem.rss // 1024:10d} "
            f"{mem.vms // (1024 * 1024):5d} {cpu_s:8.2f} {proc.pid:6d} {name}"
        )
    if names and not rows:
        raise JobFailure(f'Cannot find a process with the name "{names[0]}".')
    writer.write_lines([*GET_PROCESS_HEADER, *rows])


def _names(arguments: list[str]) -> list[str]:
    names: list[str] = []
    skip = False
    for i, arg in enumerate(arguments):
        if skip:
            skip = False
            continue
        if arg.lower() in ("-name", "-processname", "-n"):
            if i + 1 < len(arguments):
                names.extend(p for p in arguments[i + 1].split(",") if p)
            skip = True
        elif not arg.startswith("-"):
            names.extend(p for p in arg.split(",") if p)
    return names


def _match(pattern: str, name: str) -> bool:
    return fnmatch.fnmatchcase(name.lower(), pattern.lower())


def _sort_key(proc: psutil.Process) -> tuple[str, int]:
    return ((proc.info.get("name") or "").lower(), proc.pid)


def start_sleep(writer: OutputWriter, arguments: list[str], cancel: threading.Event) -> None:
    """Start-Sleep [-Seconds] N | -Milliseconds N: waits in process, and stops when stopped."""
    scale, seconds = 1.0, 0.0
    for arg in arguments:
        name = arg.lower()
        if name.startswith("-"):
            # Any prefix of -Milliseconds (or its alias -ms) means milliseconds; else seconds.
            scale = 0.001 if name == "-ms" or "-milliseconds".startswith(name) else 1.0
            continue
        try:
            seconds = float(arg) * scale
        except ValueError:
            unit = "Milliseconds" if scale < 1 else "Seconds"
            raise JobFailure(
                f"Cannot bind parameter '{unit}'. Cannot convert value \"{arg}\" to type "
                '"System.Double".'
            ) from None
    deadline = time.monotonic() + seconds
    while not cancel.wait(min(0.1, max(0.0, deadline - time.monotonic()))):
        if time.monotonic() >= deadline:
            return


def _windows_only(name: str, why: str) -> BuiltinFunction:
    def fail(writer: OutputWriter, arguments: list[str], cancel: threading.Event) -> None:
        raise JobFailure(f"{name} is not available on this system: {why}")

    fail.__doc__ = f"{name}: fails, because {why}"
    return fail


_EVENT_LOG = "it reads the Windows event log, which Linux and macOS do not have."
_REMOTING = (
    "remote computers are reached through PowerShell remoting (WinRM), which jobtui does not "
    "have; run ssh in the job instead, as in: Start-Job {ssh server01 uptime}."
)
_REGISTRY = "the HKLM: drive is the Windows registry, which Linux and macOS do not have."

#: Built-in commands by lower-cased name (aliases included).
BUILTINS: dict[str, BuiltinFunction] = {
    "get-process": get_process,
    "gps": get_process,
    "start-sleep": start_sleep,
}

#: Windows-only commands from about_Jobs: each fails as a job, with a Reason that says why.
WINDOWS_ONLY: dict[str, BuiltinFunction] = {
    "get-eventlog": _windows_only("Get-EventLog", _EVENT_LOG),
    "get-winevent": _windows_only("Get-WinEvent", _EVENT_LOG),
    "invoke-command": _windows_only("Invoke-Command", _REMOTING),
    "icm": _windows_only("Invoke-Command", _REMOTING),
    "enter-pssession": _windows_only("Enter-PSSession", _REMOTING),
    "new-pssession": _windows_only("New-PSSession", _REMOTING),
    "receive-pssession": _windows_only("Receive-PSSession", _REMOTING),
}


def lookup(command: str) -> tuple[BuiltinFunction, list[str]] | None:
    """The built-in a command names, with its arguments; None for a shell command."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if not words:
        return None
    head = words[0].lower()
    if head == "new-item" and any(w.upper().startswith("HKLM:") for w in words[1:]):
        return _windows_only("New-Item -Path HKLM:", _REGISTRY), words[1:]
    if head in WINDOWS_ONLY:
        return WINDOWS_ONLY[head], words[1:]  # whatever follows, it cannot run here
    if head in BUILTINS and not any(ch in command for ch in "|;&<>`$"):
        return BUILTINS[head], words[1:]
    return None
