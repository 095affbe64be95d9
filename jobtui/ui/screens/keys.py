"""The main screen's job actions: each key and palette entry runs the cmdlet line it stands for.

A key names its jobs by id and runs ``Stop-Job -Id 3`` by the path a typed line takes: echoed
in the Console, kept in the history, run in a worker, its words the cmdlet's own. What needs a
question first asks it here (removing a running job, or one with unread output); what needs a
view opens it (the Wait and Input dialogs, the detail screen).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.screen import Screen

from jobtui.service import JobService, LineResult
from jobtui.ui.actions import (
    JOB_ACTIONS,
    JobAction,
    receive_line,
    remove_line,
    restart_line,
    stop_line,
    suspend_resume_line,
    tree_preview,
)
from jobtui.ui.formatting import JobFormatter
from jobtui.ui.sanitize import plain
from jobtui.ui.sources import ConsoleBuffer
from jobtui.ui.widgets.command_line import CommandLine
from jobtui.ui.widgets.jobs_table import JobsTable

if TYPE_CHECKING:
    from jobtui.commands import WaitOutcome, WaitStarted
    from jobtui.engine.snapshot import JobSnapshot
    from jobtui.ui.screens.pull import PullLoop
    from jobtui.ui.screens.wait_dialog import WaitDialog


class JobKeys(Screen[None]):
    """The job actions of the main screen (which composes the widgets they use)."""

    service: JobService
    formatter: JobFormatter
    console: ConsoleBuffer
    pull: PullLoop
    _wait_dialog: WaitDialog | None = None

    @property
    def command_line(self) -> CommandLine:
        """The prompt, bar and status."""
        return self.query_one(CommandLine)

    def run_line(self, line: str) -> None:
        """Run a command line as if typed into the bar."""
        self.command_line.run_line(line)

    def target_ids(self) -> list[int]:
        """The marked jobs, or the highlighted one."""
        return self.query_one(JobsTable).target_job_ids()

    def _known(self, ids: Sequence[int]) -> list[JobSnapshot]:
        """The snapshots of those of ``ids`` the screen knows (a job may have gone since)."""
        jobs = self.pull.jobs
        return [jobs[job_id] for job_id in ids if job_id in jobs]

    def act(self, action: JobAction, ids: Sequence[int] | None = None) -> None:
        """Do ``action`` for ``ids`` (the table's targets when None)."""
        if action not in JOB_ACTIONS:
            self.call_later(self.run_action, action.value)  # Textual's: some are async
            return
        job_ids = list(self.target_ids() if ids is None else ids)
        if not job_ids:
            return
        if action is JobAction.RECEIVE:
            self.run_line(receive_line(job_ids))
        elif action is JobAction.STOP:
            self.run_line(stop_line(job_ids))
        elif action is JobAction.RESTART:
            self.run_line(restart_line(job_ids))
        elif action is JobAction.SUSPEND_RESUME:
            known = self._known(job_ids)
            # A job gone since: the line still runs and the cmdlet says that it is not found.
            self.run_line(suspend_resume_line(known) if known else f"Suspend-Job -Id {job_ids[0]}")
        elif action is JobAction.REMOVE:
            self._remove(job_ids)
        elif action is JobAction.WAIT:
            self._open_wait(job_ids)
        elif action is JobAction.INPUT:
            self._open_input(job_ids[0])
        elif action is JobAction.DETAIL:
            self._open_detail(job_ids[0])

    # -- keys ----------------------------------------------------------------------------------

    def action_receive(self) -> None:
        """Receive-Job the targeted jobs into the console (in a worker, as a typed line)."""
        self.act(JobAction.RECEIVE)

    def action_stop(self) -> None:
        """Stop-Job the targeted jobs."""
        self.act(JobAction.STOP)

    def action_restart(self) -> None:
        """Restart-Job the targeted jobs: the same command, directory, environment, name and
        location, as a new job (a running one is stopped first)."""
        self.act(JobAction.RESTART)

    def action_suspend_resume(self) -> None:
        """Suspend the running targeted jobs, resume the suspended ones."""
        self.act(JobAction.SUSPEND_RESUME)

    def action_remove(self) -> None:
        """Remove-Job the targeted jobs; running ones, or ones with unread output, after a
        question."""
        self.act(JobAction.REMOVE)

    def action_wait(self) -> None:
        """Open the Wait dialog for the targeted jobs."""
        self.act(JobAction.WAIT)

    def action_input(self) -> None:
        """Open the Input dialog for the highlighted job."""
        job_id = self.query_one(JobsTable).highlighted_job_id
        if job_id is not None:
            self.act(JobAction.INPUT, [job_id])

    def action_detail(self) -> None:
        """The highlighted job's detail."""
        job_id = self.query_one(JobsTable).highlighted_job_id
        if job_id is not None:
            self.act(JobAction.DETAIL, [job_id])

    # -- what asks first -----------------------------------------------------------------------

    def _remove(self, ids: list[int]) -> None:
        known = self._known(ids)
        running = [job for job in known if not job.state.is_finished]
        unread = [job for job in known if job.state.is_finished and job.unread_lines]
        if running:
            names = ", ".join(f"{plain(job.name)} ({job.state.name})" for job in running)
            verb = "is" if len(running) == 1 else "are"
            self._ask(
                remove_line(ids, force=True),
                "Remove-Job -Force?",
                f"{names} {verb} not finished. Stop and remove?",
                detail=tree_preview(running, self.service.grace),
                confirm="Stop and remove",
            )
        elif unread:
            counts = ", ".join(
                f"{plain(job.name)} ({job.unread_lines:,} unread "
                f"line{'' if job.unread_lines == 1 else 's'})"
                for job in unread
            )
            self._ask(
                remove_line(ids),
                "Remove-Job?",
                f"{counts}: output not received yet. Remove it with its output?",
                detail="Receive-Job (r) first to see it in the Console.",
                confirm="Remove",
            )
        else:
            self.run_line(remove_line(ids))

    def _ask(self, line: str, title: str, message: str, *, detail: str, confirm: str) -> None:
        """Run ``line`` if the user says yes."""

        # The dialog's module loads with the first question: the first frame does not need it.
        from jobtui.ui.screens.confirm import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_line(line)

        self.app.push_screen(
            ConfirmDialog(title, message, detail=detail, confirm=confirm), answered
        )

    # -- what opens a view ---------------------------------------------------------------------

    def _open_input(self, job_id: int) -> None:
        from jobtui.ui.screens.input_dialog import InputDialog

        job = self.pull.jobs.get(job_id)
        if job is None or not job.accepts_input:
            name = plain(job.name) if job is not None else f"Job {job_id}"
            self.notify(
                f"{name} does not read input (it has finished, or its input is closed).",
                severity="warning",
                markup=False,
            )
            return
        self.app.push_screen(InputDialog(self.service, self.console, job_id, self.pull.jobs.get))

    def _open_detail(self, job_id: int) -> None:
        # The detail, help and wait screens are imported when first opened: the first frame does
        # not need them, and the help's Markdown alone costs a third of the start-up.
        from jobtui.ui.screens.detail import JobDetailScreen

        job = self.service.snapshot(job_id)
        if job is not None:
            self.app.push_screen(JobDetailScreen(self.service, job, self.formatter))

    def _open_wait(self, ids: list[int]) -> None:
        """The Wait dialog, to choose Any/All and a timeout; its Wait runs a Wait-Job line."""
        from jobtui.ui.screens.wait_dialog import WaitDialog

        dialog = WaitDialog(
            ids,
            self.pull.jobs.get,
            run_line=self.run_line,
            withdraw=self.command_line.withdraw,
            clock=self.formatter.clock,
        )
        self._show_wait(dialog)

    def _show_wait(self, dialog: WaitDialog) -> None:
        self._wait_dialog = dialog

        def closed(_: None) -> None:
            if self._wait_dialog is dialog:
                self._wait_dialog = None

        self.app.push_screen(dialog, closed)

    def wait_started(self, line: str, started: WaitStarted) -> None:
        """A running line began a Wait-Job: show it (in the dialog that asked for it, if one
        did)."""
        from jobtui.ui.screens.wait_dialog import WaitDialog

        dialog = self._wait_dialog
        if dialog is None or dialog.line != line:
            dialog = WaitDialog(
                list(started.job_ids),
                self.pull.jobs.get,
                run_line=self.run_line,
                withdraw=self.command_line.withdraw,
                clock=self.formatter.clock,
                line=line,
            )
            self._show_wait(dialog)
        dialog.waiting(line, started)

    def line_finished(self, line: str, result: LineResult) -> None:
        """A line ended: a wait shown for it closes, and says how it ended."""
        dialog = self._wait_dialog
        if dialog is not None and dialog.line == line:
            self._wait_dialog = None
            dialog.end()
        if result.wait is not None:
            self._say_how_the_wait_ended(result.wait)

    def _say_how_the_wait_ended(self, outcome: WaitOutcome) -> None:
        """One notification, in the cmdlet's words (its notices are in the Console too)."""
        from jobtui.commands import WaitEnd

        if outcome.notices:
            # The last says what to do (the Blocked hint after the deadlock error); a toast
            # holds one line, and every notice is in the Console.
            self.notify(
                outcome.notices[-1],
                severity="information" if outcome.end is WaitEnd.CANCELLED else "warning",
                timeout=6,
                markup=False,
            )
        elif outcome.finished_ids:
            known = {job.id: job for job in self._known(outcome.finished_ids)}
            names = ", ".join(
                plain(known[i].name) if i in known else f"Job {i}" for i in outcome.finished_ids
            )
            self.notify(f"Wait-Job: finished: {names}.", markup=False)

    def stop_in_background(self, ids: Sequence[int]) -> None:
        """Stop-Job ``ids`` on a thread of its own (the app is quitting: no worker outlives it,
        and the line must not wait for the grace period on the UI thread)."""
        line = stop_line(ids)
        self.console.append([("echo", f"PS> {line}")])
        threading.Thread(
            target=self.service.execute, args=(line,), name="jobtui-quit-stop", daemon=True
        ).start()
