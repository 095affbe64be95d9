"""Paths from XDG_RUNTIME_DIR and XDG_STATE_HOME, and the private directories they name."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from jobtui.data.paths import HostPaths, UnsafeDirectoryError, ensure_private_dir


def test_paths_come_from_the_xdg_variables(tmp_path: Path) -> None:
    env = {"XDG_RUNTIME_DIR": str(tmp_path / "run"), "XDG_STATE_HOME": str(tmp_path / "state")}
    paths = HostPaths.from_environ(env)
    assert paths.socket == tmp_path / "run" / "jobtui" / "host.sock"
    assert paths.lock == tmp_path / "run" / "jobtui" / "host.lock"
    assert paths.history == tmp_path / "state" / "jobtui" / "history.db"
    assert paths.job_dir("abc") == tmp_path / "state" / "jobtui" / "jobs" / "abc"


def test_unset_or_relative_variables_fall_back(tmp_path: Path) -> None:
    env = {"XDG_RUNTIME_DIR": "relative/run", "HOME": str(tmp_path)}
    paths = HostPaths.from_environ(env)
    assert paths.runtime == Path(f"/tmp/jobtui-{os.getuid()}")
    assert paths.state == tmp_path / ".local" / "state" / "jobtui"


def test_a_job_directory_needs_a_plain_instance_id(tmp_path: Path) -> None:
    paths = HostPaths(tmp_path / "run", tmp_path / "state")
    for bad in ("", "..", "a/b", "."):
        with pytest.raises(ValueError):
            paths.job_dir(bad)


def test_ensure_makes_both_directories_private(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    paths = HostPaths(
        tmp_path / "run" / "jobtui", tmp_path / "home" / ".local" / "state" / "jobtui"
    )
    paths.ensure()
    for directory in (paths.runtime, paths.state, paths.jobs):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        assert directory.stat().st_uid == os.getuid()


def test_a_loose_directory_of_ours_is_tightened(tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o777)
    os.chmod(loose, 0o777)
    ensure_private_dir(loose)
    assert stat.S_IMODE(loose.stat().st_mode) == 0o700


def test_a_symlink_or_a_file_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(UnsafeDirectoryError, match="not a directory"):
        ensure_private_dir(tmp_path / "link")
    (tmp_path / "file").write_text("x")
    with pytest.raises(UnsafeDirectoryError, match="not a directory"):
        ensure_private_dir(tmp_path / "file")


def test_a_runtime_directory_without_its_parent_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsafeDirectoryError, match="does not exist"):
        ensure_private_dir(tmp_path / "missing" / "jobtui", parents=False)


@pytest.mark.skipif(os.geteuid() != 0, reason="making a directory of another user needs root")
def test_a_directory_of_another_user_is_refused(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, 65534, 65534)
    with pytest.raises(UnsafeDirectoryError, match="belongs to uid 65534") as caught:
        ensure_private_dir(theirs)
    assert "\n" not in str(caught.value)
    assert stat.S_IMODE(theirs.stat().st_mode) == 0o700 and theirs.stat().st_uid == 65534
