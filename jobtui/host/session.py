"""The session a host serves: the one place that says which engine it runs.

Today an in-process :class:`~jobtui.service.LocalService` over a new engine, as the app itself
runs without a host; a persistent engine (jobs under monitors, a history that survives
restarts) is switched in here and nowhere else.
"""

from __future__ import annotations

from jobtui.data.settings import Settings
from jobtui.service import LocalService


def open_session(settings: Settings) -> LocalService:
    """A new session on ``settings``' engine options; its owner shuts it down."""
    return LocalService.new(**settings.engine_options())
