"""Telling a network filesystem from a local disk, from mountinfo text."""

from __future__ import annotations

from pathlib import Path

from jobtui.data.filesystems import (
    filesystem_type,
    is_network_type,
    mount_of,
    on_network_filesystem,
    parse_mountinfo,
)

#: A cluster login node: a local root, an NFS home, Lustre scratch, GPFS projects, a CIFS share
#: with a space in its mount point, and a tmpfs over part of the home.
SAMPLE = """\
22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw
25 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
40 22 0:40 / /home rw,relatime shared:20 - nfs4 filer:/export/home rw,vers=4.2
41 22 0:41 / /scratch rw,relatime shared:21 - lustre 10.0.0.1@o2ib:/scratch rw
42 22 0:42 / /gpfs/projects rw,relatime shared:22 - gpfs projects rw
43 22 0:43 / /mnt/team\\040share rw,relatime shared:23 - cifs //srv/team rw
44 40 0:44 / /home/ann/fast rw,relatime shared:24 - tmpfs tmpfs rw,size=64k
45 22 0:45 / /homework rw,relatime shared:25 - xfs /dev/sdb1 rw
46 22 0:46 / /mnt/remote rw,relatime shared:26 - fuse.sshfs ann@far:/ rw
this line is not mountinfo
"""


def test_mountinfo_lines_are_parsed_with_escapes() -> None:
    mounts = parse_mountinfo(SAMPLE)
    assert len(mounts) == 9
    assert mounts[5].mount_point == "/mnt/team share"
    assert mounts[5].fs_type == "cifs"
    assert mounts[2].source == "filer:/export/home"


def test_the_longest_mount_point_holds_a_path() -> None:
    mounts = parse_mountinfo(SAMPLE)
    assert mount_of("/home/ann/.local/state", mounts).fs_type == "nfs4"  # type: ignore[union-attr]
    assert mount_of("/home/ann/fast/x", mounts).fs_type == "tmpfs"  # type: ignore[union-attr]
    assert mount_of("/homework/x", mounts).fs_type == "xfs"  # type: ignore[union-attr]
    assert mount_of("/home", mounts).fs_type == "nfs4"  # type: ignore[union-attr]
    assert mount_of("/var/lib", mounts).fs_type == "ext4"  # type: ignore[union-attr]


def test_network_filesystems_are_recognised() -> None:
    for path in ("/home/ann", "/scratch/run1", "/gpfs/projects/a", "/mnt/team share/x"):
        assert on_network_filesystem(path, SAMPLE), path
    assert on_network_filesystem("/mnt/remote/data", SAMPLE)
    for path in ("/", "/var/lib/jobtui", "/homework/ann", "/home/ann/fast/db"):
        assert not on_network_filesystem(path, SAMPLE), path
    assert is_network_type("NFS") and is_network_type("smb3") and not is_network_type("btrfs")


def test_a_path_not_made_yet_is_asked_through_its_parent(tmp_path: Path) -> None:
    text = f"1 0 0:1 / / rw - ext4 /dev/a rw\n2 1 0:2 / {tmp_path} rw - nfs srv:/x rw\n"
    assert filesystem_type(tmp_path / "not" / "yet" / "history.db", text) == "nfs"


def test_the_live_mountinfo_gives_a_type_for_this_directory(tmp_path: Path) -> None:
    kind = filesystem_type(tmp_path)
    if Path("/proc/self/mountinfo").exists():
        assert kind  # whatever it is, it is named
    else:
        assert kind is None
