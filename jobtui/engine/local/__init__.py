"""The ``localhost`` Location: process trees read on one reactor thread, built-ins on threads."""

from jobtui.engine.local.backend import LocalBackend, default_shell
from jobtui.engine.local.runners import DEFAULT_GRACE

__all__ = ["DEFAULT_GRACE", "LocalBackend", "default_shell"]
