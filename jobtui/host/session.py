"""The session a host serves: the one place that says which engine it runs.

A persistent one: every job runs under a monitor that keeps its transcript in the state
directory, and the history there (every job's record, its Receive cursor) is restored when the
host starts, so jobs outlive the host and a restart lists the earlier ones.
"""

from __future__ import annotations

from jobtui.data.paths import HostPaths
from jobtui.data.settings import Settings
from jobtui.service import LocalService


def open_session(settings: Settings, paths: HostPaths) -> LocalService:
    """The session on ``settings``, its jobs and history under ``paths.state``; its owner
    shuts it down."""
    return LocalService.persistent(
        paths.state, disk_budget=settings.disk_budget, **settings.engine_options()
    )
