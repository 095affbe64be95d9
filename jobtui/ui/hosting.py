"""The app as a client of the session host: attach at start, end with one line if it goes.

Its own module so that an app in process (``--no-host``, tests) loads none of the host's code.
"""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobtui.host.autostart import Attaching
    from jobtui.host.client import HostService
    from jobtui.service import JobService


def attach_to_host(attaching: Attaching | None = None) -> HostService | None:
    """The host's session, attached as the app (the host is started if none runs), or what
    ``attaching`` (begun earlier) attached; None, after one line on stderr, if it cannot be
    reached."""
    from jobtui.host.autostart import connect
    from jobtui.host.wire import WireError

    try:
        service = attaching.result() if attaching is not None else connect(kind="app")
    except (WireError, OSError) as exc:
        print(f"jobtui: {exc}", file=sys.stderr)
        return None
    if service.connection.notice:
        print(f"jobtui: {service.connection.notice}", file=sys.stderr)
    return service


def end_on_host_lost(app: Any, service: JobService, lost: list[str]) -> None:
    """When the host goes away, the app ends, and ``lost`` gets the line to say why."""
    from jobtui.host.client import HostService

    if not isinstance(service, HostService):
        return

    def on_lost(why: str) -> None:
        lost.append(why)
        with contextlib.suppress(RuntimeError):  # the app is not running: nothing to end
            app.call_from_thread(app.exit, 1)

    service.on_lost = on_lost
