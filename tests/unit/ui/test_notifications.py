"""Notices as values: the hook's JSON record, the OSC sequences, a group's summary."""

from __future__ import annotations

import json

from jobtui.data.config import load_config
from jobtui.data.settings import DesktopNotice
from jobtui.engine import JobState
from jobtui.engine.snapshot import JobSnapshot, StateInfo
from jobtui.ui.notifications import NoticeKind, group_notice, job_notice, osc_sequence


def snapshot(job_id: int, state: JobState, name: str = "") -> JobSnapshot:
    return JobSnapshot(
        id=job_id,
        instance_id=str(job_id),
        name=name or f"Job{job_id}",
        ps_job_type_name="BackgroundJob",
        state_info=StateInfo(state),
        has_more_data=False,
        location="localhost",
        command="make",
        version=1,
    )


def test_the_hook_reads_the_event_and_the_jobs_snapshot() -> None:
    notice = job_notice(snapshot(3, JobState.Failed, "build"))
    record = json.loads(notice.record())
    assert record["event"] == "failed" and record["title"] == "build failed"
    assert JobSnapshot.from_dict(record["job"]) == notice.jobs[0]


def test_a_blocked_job_is_a_notice_that_it_waits_for_input() -> None:
    notice = job_notice(snapshot(4, JobState.Blocked, "ask"))
    assert notice.kind is NoticeKind.BLOCKED and notice.severity == "warning"
    assert notice.title == "ask waits for input"


def test_a_group_says_how_its_jobs_ended_in_one_notice() -> None:
    jobs = [snapshot(1, JobState.Completed), snapshot(2, JobState.Failed)]
    notice = group_notice("Chain", jobs)
    assert notice.title == "Chain: all 2 jobs finished"
    assert notice.message == "1 completed, 1 failed: Job1, Job2"
    assert notice.severity == "error"
    assert [j["id"] for j in json.loads(notice.record())["jobs"]] == [1, 2]


def test_the_osc_sequences_carry_no_control_character_of_a_job_name() -> None:
    seq = osc_sequence(DesktopNotice.OSC777, "evil\x07;name", "done\x1b]0;x")
    assert seq.startswith("\x1b]777;notify;") and seq.endswith("\x1b\\")
    assert "\x07" not in seq and seq.count("\x1b") == 2
    assert seq.count(";") == 3  # notify;title;body: the title's own ';' became ','
    assert osc_sequence(DesktopNotice.OSC9, "t", "b") == "\x1b]9;t: b\x1b\\"


def test_the_notification_settings_default_to_toasts_and_the_bell(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    settings = load_config({}, tmp_path / "none.toml").settings
    assert (settings.notify_toast, settings.notify_bell) == (True, True)
    assert settings.notify_desktop is DesktopNotice.OFF and settings.notify_hook is None
    path = tmp_path / "config.toml"
    path.write_text(
        'notify_desktop = "osc9"\nnotify_hook = "cat > /dev/null"\nnotify_bell = false\n'
    )
    loaded = load_config({"JOBTUI_NOTIFY_TOAST": "off"}, path)
    assert loaded.settings.notify_desktop is DesktopNotice.OSC9
    assert loaded.settings.notify_hook == "cat > /dev/null"
    assert not loaded.settings.notify_bell and not loaded.settings.notify_toast
    path.write_text('notify_desktop = "loud"\n')
    problems = load_config({}, path).problems
    assert len(problems) == 1 and "osc777" in str(problems[0])
