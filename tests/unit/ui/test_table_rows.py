"""The job table's rows with no app: cells, diff, sort, filter, marks and titles."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from jobtui.engine import JobState
from jobtui.ui.formatting import JobFormatter
from jobtui.ui.table.columns import COLUMN_KEYS
from jobtui.ui.table.rows import JobRows, more_text, natural_key

from .records import NOW, Record, record


def rows(**options: object) -> JobRows:
    """Rows read against a fixed clock."""
    model = JobRows(JobFormatter(lambda: NOW))
    for name, value in options.items():
        setattr(model, name, value)
    return model


def texts(model: JobRows, column: str) -> list[str]:
    return [model.cells(job_id)[column][0] for job_id in model.order]


def test_names_sort_naturally_and_in_any_case() -> None:
    names = ["Job17", "job3", "Job3b", "build-10", "Build-9", "Job003x", "Job"]
    ordered = sorted(names, key=natural_key)
    assert ordered == ["Build-9", "build-10", "Job", "job3", "Job3b", "Job003x", "Job17"]
    assert natural_key("x" + "7" * 5000) > natural_key("x" + "9" * 4999)  # no int() of it


def test_the_name_sort_puts_job3_before_job17() -> None:
    model = rows()
    model.sync([record(1, name="Job17"), record(2, name="Job3"), record(3, name="job20")])
    model.set_sort("name", reverse=False)
    assert texts(model, "name") == ["Job3", "Job17", "job20"]
    model.set_sort("name", reverse=True)
    assert texts(model, "name") == ["job20", "Job17", "Job3"]


def test_a_refresh_makes_cells_only_for_jobs_that_moved_and_counts_what_changed() -> None:
    model = rows()
    jobs = [record(i) for i in range(1, 21)]
    first = model.sync(jobs)
    assert first.updates == 20 * len(COLUMN_KEYS) and first.reordered
    assert not model.sync(jobs)  # nothing moved: nothing to draw
    jobs[3] = jobs[3].moved(has_more_data=False)
    changes = model.sync(jobs)
    assert (changes.updates, changes.reordered, changes.changed) == (1, False, [4])
    assert model.cells(4)["more"] == ("False", "")
    # A new version with the same text draws nothing.
    jobs[5] = jobs[5].moved()
    assert model.sync(jobs).updates == 0


def test_force_makes_every_cell_again() -> None:
    model = rows()
    jobs = [record(1), record(2)]
    model.sync(jobs)
    assert model.sync(jobs, force=True).updates == 0  # made again, and the same
    assert model.sync(jobs).updates == 0


def test_rows_that_go_take_their_marks_with_them() -> None:
    model = rows()
    model.sync([record(1), record(2), record(3)])
    assert model.toggle_mark(2)
    assert model.cells(2)["id"] == ("●2", "mark")
    assert model.target_job_ids(highlighted=1) == [2]
    changes = model.sync([record(1), record(3)])
    assert changes.reordered
    assert model.order == [1, 3] and 2 not in model
    assert model.marked == set()
    assert model.target_job_ids(highlighted=1) == [1]
    assert model.target_job_ids(highlighted=None) == []


def test_a_mark_set_from_outside_shows_at_the_next_refresh() -> None:
    model = rows()
    jobs = [record(1), record(2)]
    model.sync(jobs)
    model.marked.update({1, 2})
    assert model.sync(jobs).updates == 2
    assert [model.cells(i)["id"][0] for i in (1, 2)] == ["●1", "●2"]


def test_the_order_follows_changing_sort_values_and_ties_go_by_id() -> None:
    model = rows()
    slow = record(1, name="a", state=JobState.Running)
    fast = record(2, name="b", state=JobState.Running)
    model.set_sort("state", reverse=False)
    model.sync([slow, fast])
    assert model.order == [1, 2]  # the same state: by id
    fast = fast.moved(state=JobState.Completed)
    assert model.sync([slow, fast]).reordered
    assert model.order == [2, 1]  # Completed < Running
    assert model.positions == {2: 0, 1: 1}


def test_the_filter_matches_name_state_command_and_id_in_any_case() -> None:
    model = rows()
    build = record(1, name="Build", command="make \x1b[1mall\x1b[0m")
    test = record(12, name="test", state=JobState.Running)
    model.sync([build, test])
    for needle, shown in (("bui", [1]), ("RUN", [12]), ("make all", [1]), ("12", [12])):
        model.set_filter(needle)
        assert model.order == shown, needle
        assert model.matches(build) == (1 in shown)
    model.set_filter("  ")
    assert model.order == [1, 12]


def test_the_titles_count_every_job_and_say_the_filter_and_the_sort() -> None:
    model = rows()
    jobs = [
        record(1, state=JobState.Running),
        record(2, state=JobState.Failed),
        record(3, state=JobState.NotStarted),
        record(4, name="other", state=JobState.Blocked),
    ]
    model.sync(jobs)
    assert model.title() == "Jobs 4 · 2 active · 1 failed"
    assert model.subtitle() == "sort Id ▲"
    model.set_filter("other")
    assert model.title() == "Jobs 4 · 2 active · 1 failed"  # hidden jobs count
    assert model.subtitle() == "filter “other”: 1 shown · sort Id ▲"
    jobs[0] = jobs[0].moved(state=JobState.Completed)  # hidden, and it finished
    model.sync(jobs)
    assert model.title() == "Jobs 4 · 1 active · 1 failed"
    model.set_filter("")
    model.set_sort("name", reverse=True)
    assert model.subtitle() == "sort Name ▼"
    jobs[1] = jobs[1].moved(state=JobState.Completed)
    model.sync(jobs)
    assert model.title() == "Jobs 4 · 1 active"


def test_the_elapsed_time_of_a_running_job_is_read_when_drawn() -> None:
    clock = [NOW]
    model = JobRows(JobFormatter(lambda: clock[0]))
    running = record(1, state=JobState.Running, ps_begin_time=NOW - timedelta(seconds=5))
    done = record(
        2, ps_begin_time=NOW - timedelta(seconds=70), ps_end_time=NOW - timedelta(seconds=10)
    )
    model.sync([running, done])
    assert model.cells(1)["elapsed"][0] == "0:05"
    version = model.row_version(1)
    clock[0] = NOW + timedelta(seconds=3)
    assert model.clock_moved(0, 2) == [0]  # only the running job's row
    assert model.cells(1)["elapsed"][0] == "0:08"
    assert model.row_version(1) > version
    assert model.cells(2)["elapsed"][0] == "1:00"


def test_cells_read_the_record_and_say_states_without_colour() -> None:
    model = rows()
    job = record(
        7,
        name="n\x1b]0;title\x07ame",
        state=JobState.Failed,
        exit_code=4,
        pid=4242,
        command="sleep   30\n  # two lines",
        unread_lines=3,
    )
    model.sync([job, record(8, signal="SIGTERM", exit_code=None, state=JobState.Stopped)])
    cells = model.cells(7)
    assert cells["name"] == ("name", "")
    assert cells["state"] == ("✗ Failed", "error")
    assert cells["exit"] == ("4", "error")
    assert cells["pid"] == ("4242", "")
    assert cells["more"] == ("True +3", "accent")
    assert cells["command"] == ("sleep 30 # two lines", "")
    assert model.cells(8)["exit"] == ("TERM", "")
    assert model.cells(8)["state"] == ("■ Stopped", "warning")


def test_unread_counts_are_exact_where_they_fit() -> None:
    assert more_text(True, 0, 11) == "True"
    assert more_text(True, 9_999, 11) == "True +9,999"
    assert more_text(True, 200_000, 16) == "True +200,000"
    assert more_text(True, 4_999_999, 16) == "True +4,999,999"
    # Too long for the cell: rounded, as before.
    assert more_text(True, 200_000, 11) == "True +200k"
    assert more_text(True, 4_999_999, 11) == "True +5.0M"


def test_the_more_cell_follows_its_width() -> None:
    model = rows()
    jobs = [record(1, unread_lines=123_456)]
    model.sync(jobs)
    assert model.cells(1)["more"][0] == "True +123k"
    assert model.set_more_width(16).updates == 1
    assert model.cells(1)["more"][0] == "True +123,456"


def test_the_widest_name_is_followed_as_rows_come_and_go() -> None:
    model = rows()
    short, long = record(1, name="a"), record(2, name="build-frontend-assets-prod")
    model.sync([short, long])
    assert model.widest_name == 26
    model.sync([short])
    assert model.widest_name == 1
    model.sync([short.moved(name="abcdef")])
    assert model.widest_name == 6
    model.sync([])
    assert model.widest_name == 0 and model.order == []


def test_a_record_fits_the_protocol_the_table_reads() -> None:
    # What a snapshot of a job carries is enough: no live job, no engine.
    snapshot: Record = record(1)
    model = rows()
    model.sync([snapshot])
    assert model.record(1) is snapshot


def test_the_row_model_loads_no_textual() -> None:
    code = (
        "import sys, jobtui.ui.table.rows, jobtui.ui.table.columns, jobtui.ui.records;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert out.strip() == "[]"


# -- the queue's columns ---------------------------------------------------------------------------


def test_a_job_with_a_time_limit_shows_the_time_left_and_it_counts_down() -> None:
    clock = [NOW]
    model = JobRows(JobFormatter(lambda: clock[0]))
    begun = NOW - timedelta(seconds=12)
    job = record(1, state=JobState.Running, ps_begin_time=begun, timeout_sec=600)
    model.sync([job, record(2)])
    assert model.cells(1)["left"] == ("9:48", "")
    assert model.cells(2)["left"] == ("", "")
    assert model.needed_columns == {"left"}
    clock[0] = NOW + timedelta(seconds=550)
    assert model.clock_moved(0, 2) == [0]
    assert model.cells(1)["left"] == ("0:38", "warning")  # its last minute
    model.sync([job.moved(state=JobState.Failed, ps_end_time=NOW), record(2)])
    assert model.cells(1)["left"] == ("", "")
    assert model.needed_columns == frozenset()  # no limit left to show: the column goes


def test_progress_shows_a_bar_and_a_percentage_or_the_last_status() -> None:
    from jobtui.engine.progress import ProgressRecord

    model = rows()
    model.sync(
        [
            record(1, state=JobState.Running, progress=ProgressRecord("pkg", "42% 3 MB/s", 42)),
            record(2, progress=ProgressRecord("", "Receiving objects", -1)),
            record(3, state=JobState.Running),
        ]
    )
    assert model.cells(1)["progress"] == ("████▎░░░░░  42%", "accent")
    assert model.cells(2)["progress"] == ("Receiving objects", "")
    assert model.cells(3)["progress"] == ("", "")
    assert model.needed_columns == {"progress"}
    model.set_sort("progress", reverse=True)
    assert model.order == [1, 3, 2]  # 42 %, then the two with no percentage


def test_a_job_waiting_on_dependencies_says_on_whom() -> None:
    model = rows()
    model.sync([record(3, state=JobState.NotStarted, waits_for=("build", "fetch"))])
    assert model.cells(3)["progress"] == ("after build, fetch", "warning")


def test_throttled_jobs_show_their_place_and_move_up_when_the_queue_does() -> None:
    model = rows()
    queued = [record(i, state=JobState.NotStarted, queue_ticket=100 + i) for i in range(2, 6)]
    # Job 6 took an earlier ticket (a retry that rejoined the queue, say): it is first.
    late = record(6, state=JobState.NotStarted, queue_ticket=50)
    thread = record(7, state=JobState.NotStarted, queue_ticket=10, ps_job_type_name="ThreadJob")
    model.sync([record(1, state=JobState.Running), *queued, late, thread])
    assert [model.cells(i)["progress"][0] for i in range(2, 8)] == [
        "queued 2", "queued 3", "queued 4", "queued 5", "queued 1", "queued 1",
    ]  # fmt: skip
    # Job 6 starts: only its snapshot moves, yet every job behind it moves up.
    started = late.moved(state=JobState.Running, queue_ticket=None)
    changes = model.sync([record(1, state=JobState.Running), *queued, started, thread])
    assert [model.cells(i)["progress"][0] for i in range(2, 6)] == [
        "queued 1", "queued 2", "queued 3", "queued 4",
    ]  # fmt: skip
    assert model.cells(6)["progress"][0] == ""
    assert set(changes.changed) == {2, 3, 4, 5, 6}
    assert model.cells(7)["progress"][0] == "queued 1"  # another queue


def test_a_refresh_told_which_jobs_changed_looks_at_those_alone() -> None:
    reads: list[int] = []

    class Counted(Record):
        """A record that counts how often its version is read (each look at a job reads it)."""

        def __getattribute__(self, name: str) -> object:
            if name == "version":
                reads.append(object.__getattribute__(self, "id"))
            return super().__getattribute__(name)

    model = rows()
    jobs = [Counted(i, name=f"Job{i}") for i in range(1, 1001)]
    model.sync(jobs)
    jobs[3] = jobs[3].moved(has_more_data=False)
    jobs[5] = jobs[5].moved(has_more_data=False)  # moved, but not said to have
    reads.clear()
    changes = model.sync(jobs, changed=[jobs[3]])
    assert set(reads) == {4}  # one job looked at, not 1,000
    assert changes.changed == [4] and model.cells(4)["more"] == ("False", "")
    assert model.cells(6)["more"] == ("True", "")
    # A new job said to have changed gets its row; one that went is dropped all the same.
    jobs.append(Counted(1001, name="Job1001"))
    del jobs[0]
    changes = model.sync(jobs, changed=[jobs[-1]])
    assert changes.reordered and 1001 in model and 1 not in model and len(model) == 1000
    # A filter looks at every job (the title counts the hidden ones too).
    model.set_filter("Job")
    reads.clear()
    model.sync(jobs, changed=[])
    assert len(set(reads)) == 1000
    assert model.cells(6)["more"] == ("False", "")


def test_the_title_follows_states_as_rows_move_come_and_go() -> None:
    model = rows()
    states = [JobState.Running, JobState.Failed, JobState.Completed, JobState.Blocked]
    jobs = [record(i, state=states[i % 4]) for i in range(1, 41)]
    model.sync(jobs)

    def counted() -> str:
        active = sum(1 for job in jobs if job.state in (JobState.Running, JobState.Blocked))
        failed = sum(1 for job in jobs if job.state is JobState.Failed)
        parts = [f"Jobs {len(jobs)}"] + [f"{active} active"] * bool(active)
        return " · ".join(parts + [f"{failed} failed"] * bool(failed))

    assert model.title() == counted()
    for step in range(1, 30):
        index = (step * 7) % len(jobs)
        if step % 5 == 0:
            del jobs[index]  # a row goes
        else:
            jobs[index] = jobs[index].moved(state=states[step % 4])
        model.sync(jobs, changed=[] if step % 5 == 0 else [jobs[index]])
        assert model.title() == counted(), step
    model.set_filter("Job1")  # hidden rows leave the counts kept for the rows shown...
    model.set_filter("")  # ...and come back to them
    assert model.title() == counted()
    jobs[0] = jobs[0].moved(state=JobState.Failed)
    model.sync(jobs, changed=[jobs[0]])
    assert model.title() == counted()
