"""Which filesystem a path lives on, to tell a network filesystem from a local disk.

SQLite's WAL journal needs shared memory between the processes that open a database, which a
network filesystem cannot give: "WAL does not work over a network filesystem" (sqlite.org/wal),
and users have lost databases that way on NFS homes. On a cluster ``$HOME`` is usually NFS,
Lustre or GPFS, so the history store asks here before it picks its journal mode.

On Linux the answer comes from ``/proc/self/mountinfo``: the mount with the longest mount point
that contains the path, and its type. ``os.statvfs`` gives no filesystem type in Python, so
elsewhere the type is unknown and the store assumes a local disk.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

MOUNTINFO = Path("/proc/self/mountinfo")

#: Filesystem types (as mountinfo names them) where WAL is unsafe: remote, or shared by hosts.
NETWORK_TYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "ncpfs",
        "lustre",
        "gpfs",
        "ceph",
        "glusterfs",
        "beegfs",
        "afs",
        "9p",
        "ocfs2",
        "gfs2",
        "pvfs2",
        "orangefs",
        "davfs",
    }
)
#: FUSE filesystems whose backing store is remote (``fuse.sshfs``...) or unknown.
_NETWORK_FUSE = re.compile(r"^fuse(blk)?\.(sshfs|s3fs|gcsfuse|rclone|glusterfs|ceph|davfs2?)")


@dataclass(frozen=True)
class Mount:
    """One line of mountinfo: where a filesystem is mounted, its type and its source."""

    mount_point: str
    fs_type: str
    source: str


def parse_mountinfo(text: str) -> list[Mount]:
    """The mounts in mountinfo ``text`` (proc(5)); lines it cannot read are skipped."""
    mounts: list[Mount] = []
    for line in text.splitlines():
        fields = line.split()
        try:
            dash = fields.index("-")
        except ValueError:
            continue
        if dash < 5 or len(fields) < dash + 3:
            continue
        mounts.append(Mount(_unescape(fields[4]), fields[dash + 1], _unescape(fields[dash + 2])))
    return mounts


def _unescape(field: str) -> str:
    """Mountinfo writes space, tab, newline and backslash in a path as octal escapes."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def mount_of(path: str | os.PathLike[str], mounts: list[Mount]) -> Mount | None:
    """The mount that holds ``path``: the one with the longest mount point above it.

    The last such line wins when several mounts share a mount point (a later mount hides the
    earlier one). ``path`` should be absolute and resolved.
    """
    target = os.fspath(path).rstrip("/") or "/"
    best: Mount | None = None
    for mount in mounts:
        point = mount.mount_point.rstrip("/") or "/"
        inside = point == "/" or target == point or target.startswith(point + "/")
        if inside and (best is None or len(point) >= len(best.mount_point.rstrip("/") or "/")):
            best = mount
    return best


def is_network_type(fs_type: str) -> bool:
    """True for a filesystem type on which WAL (and mmap) must not be used."""
    base = fs_type.lower()
    return (
        base in NETWORK_TYPES
        or base.split(".")[0] in NETWORK_TYPES
        or bool(_NETWORK_FUSE.match(base))
    )


def filesystem_type(path: str | os.PathLike[str], mountinfo: str | None = None) -> str | None:
    """The type of the filesystem holding ``path`` ("ext4", "nfs4"...), or None if unknown.

    ``path`` need not exist yet (a database not made yet). ``mountinfo`` is the
    text to read (the live ``/proc/self/mountinfo`` by default).
    """
    if mountinfo is None:
        try:
            mountinfo = MOUNTINFO.read_text(errors="replace")
        except OSError:
            return None
    # realpath resolves the symlinks of the part that exists and keeps the rest as written.
    found = mount_of(os.path.realpath(os.path.abspath(path)), parse_mountinfo(mountinfo))
    return found.fs_type if found else None


def on_network_filesystem(path: str | os.PathLike[str], mountinfo: str | None = None) -> bool:
    """True when ``path`` is on NFS, CIFS, Lustre, GPFS or another shared filesystem."""
    kind = filesystem_type(path, mountinfo)
    return kind is not None and is_network_type(kind)
