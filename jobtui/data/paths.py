"""Where the session host keeps its socket, its lock, its history and each job's files.

Every path comes from ``XDG_RUNTIME_DIR`` and ``XDG_STATE_HOME``, so a test (or a second, private
host) is isolated by setting them:

- runtime: ``$XDG_RUNTIME_DIR/jobtui/``, else ``/tmp/jobtui-$UID/`` (the socket and its lock);
- state: ``$XDG_STATE_HOME/jobtui/``, else ``~/.local/state/jobtui/`` (the history database and
  ``jobs/<InstanceId>/``, one directory per job, written by its monitor).

Both directories are private: made 0700, and refused when they belong to someone else. A shared
``/tmp`` lets any user create ``/tmp/jobtui-1000`` before user 1000 does; a socket or a transcript
in a directory that another user owns is theirs to replace or read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

APP = "jobtui"
SOCKET_NAME = "host.sock"
LOCK_NAME = "host.lock"
HISTORY_NAME = "history.db"
JOBS_NAME = "jobs"


class UnsafeDirectoryError(OSError):
    """A directory that must be private is not: another owner, not a directory, or open to others.

    Its message is one line a user can act on.
    """


def runtime_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_RUNTIME_DIR/jobtui``, or ``/tmp/jobtui-$UID`` when that is unset (or relative)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_RUNTIME_DIR", "")
    # The XDG spec: a relative path in one of these variables is invalid and must be ignored.
    if os.path.isabs(base):
        return Path(base) / APP
    return Path("/tmp") / f"{APP}-{os.getuid()}"


def state_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_STATE_HOME/jobtui``, or ``~/.local/state/jobtui``."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_STATE_HOME", "")
    if os.path.isabs(base):
        return Path(base) / APP
    home = env.get("HOME", "")
    return (Path(home) if os.path.isabs(home) else Path.home()) / ".local" / "state" / APP


def default_history_path(environ: Mapping[str, str] | None = None) -> Path:
    """The command bar's history of lines: ``$XDG_STATE_HOME/jobtui/history``."""
    return state_dir(environ) / "history"


def default_log_path(environ: Mapping[str, str] | None = None) -> Path:
    """jobtui's log of internal errors: ``$XDG_STATE_HOME/jobtui/jobtui.log``."""
    return state_dir(environ) / "jobtui.log"


@dataclass(frozen=True)
class HostPaths:
    """Every file the host and its monitors use, from one reading of the environment."""

    runtime: Path
    state: Path

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> HostPaths:
        """The paths for this environment (``os.environ`` by default)."""
        return cls(runtime_dir(environ), state_dir(environ))

    @property
    def socket(self) -> Path:
        """The host's Unix socket."""
        return self.runtime / SOCKET_NAME

    @property
    def lock(self) -> Path:
        """The file whose ``flock`` makes the host single-instance."""
        return self.runtime / LOCK_NAME

    @property
    def history(self) -> Path:
        """The SQLite job history."""
        return self.state / HISTORY_NAME

    @property
    def jobs(self) -> Path:
        """The directory of every job's monitor files."""
        return self.state / JOBS_NAME

    def job_dir(self, instance_id: str) -> Path:
        """One job's directory: its transcript, its index, its monitor and exit-status files."""
        if not instance_id or "/" in instance_id or instance_id in (".", ".."):
            raise ValueError(f"not an InstanceId: {instance_id!r}")
        return self.jobs / instance_id

    def ensure(self) -> None:
        """Make the runtime and state directories (0700, ours), or raise UnsafeDirectoryError."""
        ensure_private_dir(self.runtime, parents=False)
        ensure_private_dir(self.state, parents=True)
        ensure_private_dir(self.jobs, parents=False)


def ensure_private_dir(path: Path, *, parents: bool = True) -> Path:
    """Make ``path`` a directory of ours with mode 0700, or say in one line why it cannot be.

    An existing directory we own with looser permissions is tightened (an earlier umask, a
    copy); one owned by another user, a symlink, or a file is refused, never used.
    ``parents`` makes missing parents too (with the default mode: ``~/.local/state`` is the
    user's, not ours to lock down); the runtime directory's parent must already exist.
    """
    if parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except FileNotFoundError as exc:
        raise UnsafeDirectoryError(
            exc.errno, f"cannot make {path}: its parent {path.parent} does not exist"
        ) from exc
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise UnsafeDirectoryError(f"{path} is not a directory: refusing to use it")
    if info.st_uid != os.getuid():
        raise UnsafeDirectoryError(
            f"{path} belongs to uid {info.st_uid}, not to you (uid {os.getuid()}): "
            "refusing to use it; remove it or set XDG_RUNTIME_DIR / XDG_STATE_HOME"
        )
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(path, 0o700)
        if stat.S_IMODE(path.lstat().st_mode) & 0o077:
            raise UnsafeDirectoryError(f"{path} cannot be made private (mode 0700)")
    return path
