"""Select-String over real jobs: each parameter, MatchInfo as PowerShell prints it, the search
running over the job's store after Receive-Job (consuming without -Keep), and plain mode."""

from __future__ import annotations

import io
import subprocess
import sys
import threading

from jobtui.commands import CommandSession
from jobtui.commands.match_info import MatchInfo
from jobtui.engine import Job, JobEngine, ReceivedPart
from jobtui.plain import run_plain

from .support import errors, infos, output, run

#: Twenty numbered lines, a line on stderr, then two more on stdout; the stderr line is
#: written first (and flushed by its own echo) so that the transcript's order is fixed.
SCRIPT = (
    "echo 'Error: disk full' >&2; sleep 0.3; for i in $(seq 1 20); do echo line $i; done; "
    "echo out of memory; echo tail"
)


def finished_job(session: CommandSession, script: str = SCRIPT) -> Job:
    result = run(session, f"$j = Start-Job {{ {script} }}; Wait-Job $j | Out-Null")
    assert result.succeeded, result.errors
    job = session.get_variable("j")
    assert isinstance(job, Job)
    return job


def test_receive_keep_piped_to_select_string_prints_job_line_number_and_line(session) -> None:
    job = finished_job(session)
    result = run(session, f"Receive-Job -Keep {job.id} | Select-String 'out of memory'")
    assert output(result) == [f"{job.name}:22:out of memory"]
    # -Keep: the output is still there for the next receive.
    assert len(output(run(session, f"Receive-Job {job.id}"))) == 22


def test_both_streams_are_searched_and_case_is_ignored_by_default(session) -> None:
    job = finished_job(session)
    result = run(session, f"Receive-Job -Keep {job.id} | sls 'error'")
    assert output(result) == [f"{job.name}:1:Error: disk full"]
    assert errors(result) == []  # the stderr line matched: it is a hit, not an error line


def test_case_sensitive(session) -> None:
    job = finished_job(session)
    assert output(run(session, f"Receive-Job -Keep {job.id} | sls 'error' -CaseSensitive")) == []
    hits = output(run(session, f"Receive-Job -Keep {job.id} | sls 'LINE 7' -CaseSensitive"))
    assert hits == []
    assert output(run(session, f"Receive-Job -Keep {job.id} | sls 'line 7' -CaseSensitive")) == [
        f"{job.name}:8:line 7"
    ]


def test_get_job_receive_keep_with_context_marks_the_hit(session) -> None:
    job = finished_job(session)
    result = run(
        session, "Get-Job | Receive-Job -Keep | Select-String -Pattern 'out of memory' -Context 2"
    )
    assert output(result) == [
        f"  {job.name}:20:line 19",
        f"  {job.name}:21:line 20",
        f"> {job.name}:22:out of memory",
        f"  {job.name}:23:tail",
    ]


def test_overlapping_context_shows_each_line_once(session) -> None:
    job = finished_job(session)
    result = run(session, f"Receive-Job -Keep {job.id} | sls 'line 1[0-2]$' -Context 1,1")
    assert output(result) == [
        f"  {job.name}:10:line 9",
        f"> {job.name}:11:line 10",
        f"> {job.name}:12:line 11",
        f"> {job.name}:13:line 12",
        f"  {job.name}:14:line 13",
    ]


def test_simple_match_takes_the_pattern_literally(session) -> None:
    job = finished_job(session, "echo 'a.c'; echo abc")
    regex = output(run(session, f"Receive-Job -Keep {job.id} | sls 'a.c'"))
    assert regex == [f"{job.name}:1:a.c", f"{job.name}:2:abc"]
    simple = output(run(session, f"Receive-Job -Keep {job.id} | sls 'a.c' -SimpleMatch"))
    assert simple == [f"{job.name}:1:a.c"]


def test_not_match_list_all_matches_quiet_and_raw(session) -> None:
    job = finished_job(session)
    ref = f"Receive-Job -Keep {job.id} | Select-String"
    assert output(run(session, f"{ref} 'line' -NotMatch")) == [
        f"{job.name}:1:Error: disk full",
        f"{job.name}:22:out of memory",
        f"{job.name}:23:tail",
    ]
    assert output(run(session, f"{ref} 'line' -List")) == [f"{job.name}:2:line 1"]
    run(session, f"$m = {ref} 'o' -AllMatches -List")
    match = session.get_variable("m")
    assert isinstance(match, MatchInfo) and match.matches == ["o"]
    run(session, f"$all = {ref} 'out of memory' -AllMatches")
    assert output(run(session, "$all.Matches")) == ["out of memory"]
    run(session, f"$two = {ref} 'o' -AllMatches")
    last = session.get_variable("two")[-1]
    assert last.line == "out of memory" and last.matches == ["o", "o", "o"]
    assert output(run(session, f"{ref} 'tail' -Quiet")) == ["True"]
    assert output(run(session, f"{ref} 'nothing here' -Quiet")) == ["False"]
    assert output(run(session, f"{ref} 'tail' -Raw")) == ["tail"]


def test_match_info_members(session) -> None:
    job = finished_job(session)
    run(session, f"$m = Receive-Job -Keep {job.id} | sls 'memory'")
    assert output(run(session, "$m.LineNumber; $m.Path; $m.Line; $m.Pattern; $m.Stream")) == [
        "22",
        job.name,
        "out of memory",
        "memory",
        "Output",
    ]


def test_without_keep_the_receive_consumes_what_was_searched(session) -> None:
    job = finished_job(session)
    assert output(run(session, f"Receive-Job {job.id} | sls 'tail'")) == [f"{job.name}:23:tail"]
    assert output(run(session, f"Receive-Job {job.id} | sls 'tail'")) == []
    assert output(run(session, f"Receive-Job {job.id}")) == []
    assert not job.has_more_data


def test_the_search_gets_the_store_not_strings(session, monkeypatch) -> None:
    """What Receive-Job hands Select-String is the records it took, never the lines."""
    from jobtui.commands import select_string

    seen: list[object] = []
    original = select_string._search_part

    def spy(context, output_, part):  # type: ignore[no-untyped-def]
        seen.append(part)
        original(context, output_, part)

    monkeypatch.setattr(select_string, "_search_part", spy)
    job = finished_job(session)
    run(session, f"Receive-Job -Keep {job.id} | sls tail")
    assert len(seen) == 1 and isinstance(seen[0], ReceivedPart)
    assert seen[0].stop - seen[0].start >= 1


def test_strings_piped_in_print_as_the_line_alone(session) -> None:
    assert output(run(session, "'a1','b2','a3' | Select-String a")) == ["a1", "a3"]
    assert output(run(session, "'a1','b2','a3' | Select-String a -Context 1")) == [
        "> a1",
        "  b2",
        "> a3",
    ]
    assert output(run(session, "'x','y' | sls x,y -List")) == ["x"]
    run(session, "$m = 'one','two' | sls two")
    assert output(run(session, "$m.LineNumber; $m.Path")) == ["2", "InputStream"]


def test_an_invalid_regex_is_one_line_and_consumes_nothing(session) -> None:
    job = finished_job(session)
    result = run(session, f"Receive-Job {job.id} | Select-String '(unclosed'")
    assert result.errors == [
        'Select-String: The string "(unclosed" is not a valid regular expression: '
        "missing ), unterminated subpattern at position 0."
    ]
    assert len(output(run(session, f"Receive-Job {job.id}"))) == 22


def test_context_takes_at_most_two_numbers_none_negative(session) -> None:
    result = run(session, "'a' | sls a -Context 1,2,3")
    assert result.errors and "maximum number of allowed arguments (2)" in result.errors[0]
    result = run(session, "'a' | sls a -Context -1")
    assert result.errors and "less than the minimum allowed range of 0" in result.errors[0]


def test_a_big_transcript_is_searched_in_its_spill_file(tmp_path) -> None:
    engine = JobEngine(grace=1.0, spill_dir=str(tmp_path))
    try:
        session = CommandSession(engine, width=120)
        job = finished_job(session, "seq 1 300000; echo needle; seq 1 1000")
        store = job.child_jobs[0].output
        assert store is not None and store.spilled
        result = run(session, f"Receive-Job -Keep {job.id} | sls needle -Context 1")
        assert output(result) == [
            f"  {job.name}:300000:300000",
            f"> {job.name}:300001:needle",
            f"  {job.name}:300002:1",
        ]
    finally:
        engine.shutdown()


def test_plain_mode_greps_over_jobs() -> None:
    script = (
        "$j = Start-Job { echo alpha; echo 'beta failed' >&2; sleep 0.2; echo gamma }\n"
        "Wait-Job $j | Out-Null\n"
        "Receive-Job -Keep $j | Select-String 'fail|gamma'\n"
    )
    stdout, stderr = io.StringIO(), io.StringIO()
    status = run_plain(io.StringIO(script), stdout, stderr)
    lines = stdout.getvalue().splitlines()
    assert status == 0, stderr.getvalue()
    assert "Job1:2:beta failed" in lines and "Job1:3:gamma" in lines


def test_plain_mode_from_the_command_line() -> None:
    script = (
        "$j = Start-Job { echo one; echo two }; Wait-Job $j | Out-Null; Receive-Job 1 | sls tw\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "jobtui", "--plain"],
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Job1:2:two" in done.stdout.splitlines(), done.stdout + done.stderr


def test_ctrl_c_ends_the_search_with_powershells_notice(session) -> None:
    job = finished_job(session)
    cancel = threading.Event()
    cancel.set()
    result = session.execute(f"Receive-Job -Keep {job.id} | sls 'tail'", cancel=cancel)
    assert output(result) == []
    assert infos(result) == ["Select-String: cancelled; the jobs go on running."]
