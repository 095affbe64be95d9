"""The notification hook's runner: the record on stdin, a one-line failure, a time limit that
ends the whole hook and leaves no process behind."""

from __future__ import annotations

import json
import time
from pathlib import Path

import psutil

from jobtui.engine.local.hooks import notify_send, run_hook


def test_the_hook_gets_the_record_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "record.json"
    assert run_hook(f"cat > '{out}'", json.dumps({"event": "failed"})) is None
    assert json.loads(out.read_text()) == {"event": "failed"}


def test_a_failing_hook_is_one_line_with_its_last_stderr_line() -> None:
    said = run_hook("echo first >&2; echo 'no such bucket' >&2; exit 3", "{}")
    assert said == "The hook failed (exit code 3): no such bucket"


def test_a_hook_past_its_time_limit_is_killed_with_what_it_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    started = time.monotonic()
    said = run_hook(f"sleep 60 & echo $! > '{pid_file}'; trap '' TERM; sleep 60", "{}", timeout=0.5)
    assert said is not None and said.startswith("The hook was stopped after 0.5 s")
    assert time.monotonic() - started < 5
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while psutil.pid_exists(child) and psutil.Process(child).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the hook's child outlived it"
        time.sleep(0.05)


def test_a_hook_that_exits_leaves_nothing_running_behind_it(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    assert run_hook(f"sleep 60 & echo $! > '{pid_file}'", "{}") is None
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while psutil.pid_exists(child) and psutil.Process(child).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the hook's background child outlived it"
        time.sleep(0.05)


def test_notify_send_that_is_not_installed_says_so(monkeypatch: object) -> None:
    import shutil

    import pytest

    patch = pytest.MonkeyPatch()
    patch.setattr(shutil, "which", lambda name: None)
    try:
        assert (
            notify_send("t", "b")
            == "notify-send is not installed: no desktop notification was sent."
        )
    finally:
        patch.undo()
