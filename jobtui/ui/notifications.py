"""Notifications of jobs: a toast, the terminal's bell, a desktop notification and a hook.

When a job ends, fails or starts waiting for input (Blocked), and when a whole group of jobs has
finished (a -DependsOn chain, or every job one line started), the :class:`Notifier` says so on
each channel the settings turn on: a toast in the app; the bell, while the terminal's focus is
elsewhere; a desktop notification, written to the terminal as OSC 777 or OSC 9 (which travel
over SSH) or sent with ``notify-send``; and the user's hook command, which gets the record as
JSON on its standard input (pueue's callback, task-spooler's ``TS_ONFINISH``).

The hook and ``notify-send`` are processes: the service runs them (only ``engine.local`` spawns),
on a worker thread, with a time limit; a failure is one line of notice.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.notifications import SeverityLevel

from jobtui.data.settings import DesktopNotice, Settings
from jobtui.engine import JobState
from jobtui.service import JobService
from jobtui.ui.sanitize import plain

if TYPE_CHECKING:
    from textual.app import App

    from jobtui.engine.snapshot import JobSnapshot

#: More job notices than this at once make one summary toast (and one desktop notification).
NOTIFY_LIMIT = 3
#: Characters of a desktop notification's body (terminals cut long ones, or refuse them).
DESKTOP_WIDTH = 200


class NoticeKind(enum.Enum):
    """What a notification is about; the value is the hook's ``event``."""

    COMPLETED = "completed"
    FAILED = "failed"
    STOPPED = "stopped"
    BLOCKED = "blocked"
    GROUP = "group"


@dataclass(frozen=True)
class Notice:
    """One thing to say: its kind, a title and a line, and the jobs it is about."""

    kind: NoticeKind
    title: str
    message: str
    jobs: tuple[JobSnapshot, ...]

    @property
    def severity(self) -> SeverityLevel:
        """The toast's severity."""
        if self.kind is NoticeKind.FAILED or (
            self.kind is NoticeKind.GROUP and any(j.state is JobState.Failed for j in self.jobs)
        ):
            return "error"
        if self.kind in (NoticeKind.STOPPED, NoticeKind.BLOCKED):
            return "warning"
        return "information"

    def record(self) -> str:
        """What the hook reads on its standard input: the event and the job's (or the group's
        jobs') snapshot as JSON."""
        import json

        data: dict[str, Any] = {"event": self.kind.value, "title": self.title}
        if self.kind is NoticeKind.GROUP:
            data["jobs"] = [job.to_dict() for job in self.jobs]
        else:
            data["job"] = self.jobs[0].to_dict()
        return json.dumps(data)


def job_notice(job: JobSnapshot) -> Notice:
    """The notice of a job that finished or began to wait for input."""
    name = plain(job.name)
    if job.state is JobState.Blocked:
        return Notice(
            NoticeKind.BLOCKED, f"{name} waits for input", "Send-JobInput, or the i key", (job,)
        )
    if job.state is JobState.Failed:
        reason = job.reason
        return Notice(
            NoticeKind.FAILED, f"{name} failed", reason.message if reason else "Failed.", (job,)
        )
    kind = NoticeKind.COMPLETED if job.state is JobState.Completed else NoticeKind.STOPPED
    return Notice(kind, f"{name} {kind.value}", job.command, (job,))


def group_notice(what: str, jobs: Sequence[JobSnapshot]) -> Notice:
    """The one notice of a group whose every job has finished: ``what`` names the group."""
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job.state.name.lower()] = counts.get(job.state.name.lower(), 0) + 1
    summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    names = ", ".join(plain(job.name) for job in jobs[:6]) + ("…" if len(jobs) > 6 else "")
    return Notice(
        NoticeKind.GROUP,
        f"{what}: all {len(jobs)} jobs finished",
        f"{summary}: {names}",
        tuple(jobs),
    )


def osc_sequence(kind: DesktopNotice, title: str, body: str) -> str:
    """A desktop notification as the terminal reads it: OSC 777 (``notify;title;body``) or
    OSC 9 (one text). Control characters go (a job's name must not end the sequence), and so do
    OSC 777's separators from the title."""
    title = " ".join(plain(title).split()).replace(";", ",")
    body = " ".join(plain(body).split())[:DESKTOP_WIDTH]
    if kind is DesktopNotice.OSC777:
        return f"\x1b]777;notify;{title};{body}\x1b\\"
    return f"\x1b]9;{title}: {body}\x1b\\"


class Notifier:
    """Says each notice on the channels the settings turn on."""

    def __init__(
        self,
        app: App[Any],
        service: JobService,
        settings: Settings,
        toast: Callable[..., None],
    ) -> None:
        self.app = app
        self.service = service
        self.settings = settings
        self._toast = toast

    def announce(self, notices: Sequence[Notice]) -> None:
        """Say ``notices`` (those of one pull): many job notices make one summary."""
        if not notices:
            return
        jobs = [n for n in notices if n.kind is not NoticeKind.GROUP]
        groups = [n for n in notices if n.kind is NoticeKind.GROUP]
        shown: list[Notice] = list(jobs)
        if len(jobs) > NOTIFY_LIMIT:
            shown = [group_notice("Jobs", [n.jobs[0] for n in jobs])]
            shown[0] = Notice(
                NoticeKind.GROUP,
                f"{len(jobs)} jobs finished",
                shown[0].message,
                shown[0].jobs,
            )
        shown += groups
        settings = self.settings
        if settings.notify_toast:
            for notice in shown:
                self._toast(
                    notice.message,
                    title=notice.title,
                    severity=notice.severity,
                    timeout=8 if notice.severity == "error" else None,
                    markup=False,
                )
        if settings.notify_bell and not self.app.app_focus:
            self.app.bell()
        if settings.notify_desktop is not DesktopNotice.OFF:
            for notice in shown:
                self._desktop(notice)
        if settings.notify_hook:
            for notice in [*jobs, *groups]:  # the hook hears of every job, summary or not
                self._run_hook(settings.notify_hook, notice)

    # -- the channels --------------------------------------------------------------------------

    def _desktop(self, notice: Notice) -> None:
        kind = self.settings.notify_desktop
        if kind is DesktopNotice.NOTIFY_SEND:
            self._in_thread(lambda: self.service.desktop_notify(notice.title, notice.message))
        else:
            self.write_terminal(osc_sequence(kind, notice.title, notice.message))

    def write_terminal(self, sequence: str) -> None:
        """Write an escape sequence to the terminal (nothing when headless, as Textual's own
        bell does)."""
        driver = self.app._driver
        if not self.app.is_headless and driver is not None:
            driver.write(sequence)

    def _run_hook(self, command: str, notice: Notice) -> None:
        record = notice.record()
        self._in_thread(lambda: self.service.run_hook(command, record))

    def _in_thread(self, work: Callable[[], str | None]) -> None:
        """Run ``work`` on a worker thread; the line it returns (a failure) becomes a notice."""

        def run() -> None:
            problem = work()
            if problem is not None:
                self.app.call_from_thread(self._toast, problem, severity="warning", markup=False)

        self.app.run_worker(run, thread=True, group="notifications", exit_on_error=False)
