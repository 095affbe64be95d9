"""Messages that cross from one part of the app to another (widget-local ones are nested)."""

from __future__ import annotations

from textual.message import Message

from jobtui.ui.actions import JobAction


class JobActionRequested(Message):
    """Something other than a key (the command palette) asks the main screen to act on jobs,
    named by id (a job the table filters out, or one removed meanwhile, is no problem)."""

    def __init__(self, action: JobAction, job_ids: list[int]) -> None:
        super().__init__()
        self.action = action
        self.job_ids = job_ids
