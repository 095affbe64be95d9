"""Messages that cross from one part of the app to another (widget-local ones are nested)."""

from __future__ import annotations

from textual.message import Message


class JobActionRequested(Message):
    """Something other than a key (the command palette) asks the main screen to act on jobs."""

    def __init__(self, action: str, job_ids: list[int]) -> None:
        super().__init__()
        self.action = action
        self.job_ids = job_ids
