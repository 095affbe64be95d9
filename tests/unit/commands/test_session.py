"""The language end to end: cmdlets, pipelines, variables, &, redirection, waits, completion."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from jobtui.commands import CommandError, CommandSession, OutputLine, WaitRequest
from jobtui.commands.context import OUTPUT_BATCH
from jobtui.commands.results import MAX_RESULT_LINES
from jobtui.engine import Job, JobEngine, JobState
from tests.unit.commands.support import HEADER, UNDERLINE, errors, infos, output, row, run


def _ids(lines: list[str]) -> list[int]:
    """The Id column of a printed job table."""
    return [int(line.split()[0]) for line in lines[2:]]


# -- names, aliases, prefixes, positions, lists, wildcards ------------------------------------


def test_cmdlet_names_and_parameters_in_any_case_and_aliases(session: CommandSession) -> None:
    started = run(session, "SAJB -scriptblock {echo hi}")
    waited = run(session, "wjb -ID 1")
    received = run(session, "rcjb -id 1 -KEEP")
    listed = run(session, "gjb")
    stopped = run(session, "spjb 1 -passthru")
    removed = run(session, "rjb 1")

    assert started.succeeded and started.jobs[0].id == 1
    assert _ids(output(waited)) == [1]
    assert output(received) == ["hi"]
    assert _ids(output(listed)) == [1]
    assert _ids(output(stopped)) == [1]
    assert removed.succeeded
    assert output(run(session, "Get-Job")) == []


def test_unambiguous_prefixes(session: CommandSession) -> None:
    run(session, "Start-Job {sleep 0.2} -Na build")

    waited = run(session, "Wait-Job -Na build -Ti 10")
    also = run(session, "Wait-Job -N build -TimeoutSec 10")

    assert output(waited)[2].split()[:4] == ["1", "build", "BackgroundJob", "Completed"]
    assert _ids(output(also)) == [1]


def test_positional_int_binds_id_and_text_binds_name(session: CommandSession) -> None:
    run(session, "Start-Job {echo one}; Start-Job {echo three}")
    run(session, "Wait-Job 1,3")

    assert output(run(session, "Receive-Job 3")) == ["three"]
    assert output(run(session, "Receive-Job Job1")) == ["one"]


def test_comma_lists_and_wildcards(session: CommandSession) -> None:
    run(session, "Start-Job {true} -Name web1; Start-Job {true} -Name web2; Start-Job {true}")

    assert _ids(output(run(session, "Get-Job -Id 1, 5"))) == [1, 5]
    assert _ids(output(run(session, "Get-Job -Name WEB*"))) == [1, 3]
    assert _ids(output(run(session, "Get-Job -Name web1,Job5"))) == [1, 5]
    assert _ids(output(run(session, "Get-Job -Command tr*"))) == [1, 3, 5]


def test_switch_with_colon_value(session: CommandSession) -> None:
    run(session, "Start-Job {echo kept} | Wait-Job")

    assert output(run(session, "Receive-Job 1 -Keep:$true")) == ["kept"]
    assert output(run(session, "Receive-Job 1 -Keep:$false")) == ["kept"]
    assert output(run(session, "Receive-Job 1")) == []


def test_script_block_text_is_the_command_verbatim(session: CommandSession) -> None:
    result = run(session, "Start-Job {  echo  '{ }'  }")

    assert result.jobs[0].command == "  echo  '{ }'  "
    run(session, "Wait-Job 1")
    assert output(run(session, "Receive-Job 1")) == ["{ }"]


def test_start_job_parameters(session: CommandSession, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    line = (
        "Start-Job -Name args -ScriptBlock {echo $1-$2; pwd; cat; echo $INIT} -ArgumentList a,b "
        "-WorkingDirectory sub -InputObject fed -InitializationScript {INIT=ready}"
    )
    job = run(session, line).jobs[0]
    run(session, "Wait-Job -Name args")

    assert job.name == "args"
    assert output(run(session, "Receive-Job -Name args")) == [
        "a-b",
        str(tmp_path / "sub"),
        "fed",
        "ready",
    ]


def test_pipeline_input_becomes_the_job_stdin(session: CommandSession) -> None:
    run(session, "Start-Job {printf 'b\\na\\n'} | Wait-Job")

    run(session, "Receive-Job 1 | Start-Job {sort} | Wait-Job")

    assert output(run(session, "Receive-Job 3")) == ["a", "b"]


def test_start_job_runs_a_script_file(session: CommandSession, tmp_path: Path) -> None:
    (tmp_path / "build.sh").write_text("echo built\n")

    job = run(session, "Start-Job -FilePath build.sh").jobs[0]
    run(session, "Wait-Job 1")

    assert job.command == "echo built\n"
    assert output(run(session, "Receive-Job 1")) == ["built"]


# -- pipelines --------------------------------------------------------------------------------


def test_start_wait_receive_pipeline(session: CommandSession) -> None:
    result = run(session, "Start-Job {sleep 0.2; echo made} | Wait-Job | Receive-Job")

    assert result.succeeded
    assert output(result) == ["made"]
    assert [job.id for job in result.jobs] == [1]


def test_get_job_into_receive_job_keep(session: CommandSession) -> None:
    run(session, "Start-Job {echo a}; Start-Job {echo b}; Get-Job | Wait-Job")

    assert output(run(session, "Get-Job | Receive-Job -Keep")) == ["a", "b"]
    assert output(run(session, "Get-Job | Receive-Job -Keep")) == ["a", "b"]


def test_remove_the_completed_jobs(session: CommandSession) -> None:
    run(session, "Start-Job {true} | Wait-Job; Start-Job {sleep 30}")

    result = run(session, "Get-Job -State Completed | Remove-Job")

    assert result.succeeded
    assert _ids(output(run(session, "Get-Job"))) == [3]


def test_remove_job_by_state_stops_and_removes_like_powershell_source(
    session: CommandSession,
) -> None:
    job = run(session, "Start-Job {sleep 30}").jobs[0]

    result = run(session, "Remove-Job -State Running")

    assert result.succeeded
    assert job.state is JobState.Stopped
    assert output(run(session, "Get-Job")) == []


def test_subexpression_as_an_argument(session: CommandSession) -> None:
    run(session, "Start-Job {echo inner} | Wait-Job")

    assert output(run(session, "Receive-Job (Get-Job -Id 1)")) == ["inner"]
    assert output(run(session, "(Get-Job -Id 1).State")) == ["Completed"]


def test_format_list_and_format_table(session: CommandSession) -> None:
    run(session, "Start-Job {true} | Wait-Job")

    listed = output(run(session, "Get-Job 1 | Format-List Id, Name, State, ChildJobs"))
    table = output(run(session, "Get-Job | ft Id,State"))

    assert listed == [
        "Id        : 1",
        "Name      : Job1",
        "State     : Completed",
        "ChildJobs : {Job2}",
    ]
    assert table == ["Id State", "-- -----", "1  Completed"]


# -- variables and members --------------------------------------------------------------------


def test_variables_and_member_access(session: CommandSession) -> None:
    run(session, "$job = Start-Job -Name nightly {echo hi}")
    run(session, "$null = Wait-Job $job")

    assert output(run(session, "$job.Id")) == ["1"]
    assert output(run(session, "$JOB.name")) == ["nightly"]
    assert output(run(session, "$job.State")) == ["Completed"]
    assert output(run(session, "$job.ChildJobs[0].Id")) == ["2"]
    assert output(run(session, "$job.ChildJobs[-1].Name")) == ["Job2"]
    assert output(run(session, "$job.ChildJobs.Count")) == ["1"]
    assert output(run(session, "$job.Count")) == ["1"]
    assert output(run(session, "$nothing.Count")) == ["0"]
    assert output(run(session, "$job.ExitCode")) == ["0"]
    assert output(run(session, "$job.NoSuchProperty")) == []
    assert output(run(session, "(Get-Job).Name")) == ["nightly"]
    assert output(run(session, '"$($job.Name) is $x done"')) == ["nightly is  done"]


def test_variable_holding_several_jobs(session: CommandSession) -> None:
    run(session, "Start-Job {true}; Start-Job {true}")
    run(session, "$jobs = Get-Job")

    assert output(run(session, "$jobs.Count")) == ["2"]
    assert output(run(session, "$jobs | Wait-Job | Stop-Job -PassThru"))[:2] == [HEADER, UNDERLINE]
    assert output(run(session, "$jobs.Id")) == ["1", "3"]


def test_dollar_question_mark_reports_the_last_statement(session: CommandSession) -> None:
    run(session, "Get-Job -Id 42")
    assert output(run(session, "$?")) == ["False"]
    assert output(run(session, "$?")) == ["True"]


# -- the & operator and bare shell commands ---------------------------------------------------


def test_trailing_ampersand_prints_the_job_row(session: CommandSession) -> None:
    result = run(session, "sleep 5 &")

    assert output(result) == [HEADER, UNDERLINE, row(1, "Job1", "Running", True, "sleep 5")]


def test_a_bare_shell_command_starts_a_job_like_ampersand(session: CommandSession) -> None:
    result = run(session, "printf hi")  # (echo is Write-Output's alias, as in PowerShell)

    assert output(result)[2].split()[:2] == ["1", "Job1"]
    assert result.jobs[0].command == "printf hi"


def test_ampersand_inside_shell_text_is_the_shells(session: CommandSession) -> None:
    result = run(session, "echo a & echo b & echo c &")
    run(session, "Wait-Job 1")

    assert [job.command for job in result.jobs] == ["echo a & echo b & echo c"]
    assert sorted(output(run(session, "Receive-Job 1"))) == ["a", "b", "c"]


def test_a_shell_loop_with_ampersand_is_one_job(session: CommandSession) -> None:
    result = run(session, "for i in 1 2 3; do sleep 0.2 & done")
    run(session, "Wait-Job 1 -Timeout 10")

    assert result.succeeded
    assert [job.command for job in result.jobs] == ["for i in 1 2 3; do sleep 0.2 & done"]
    assert result.jobs[0].state is JobState.Completed
    assert [job.id for job in session.engine.jobs] == [1]


def test_ampersand_before_a_cmdlet_separates_statements(session: CommandSession) -> None:
    result = run(session, "echo a & echo b & Get-Job")

    assert [job.command for job in result.jobs] == ["echo a & echo b"]
    assert output(result)[:2] == [HEADER, UNDERLINE]  # one table, as PowerShell prints it
    assert _ids(output(result)) == [1, 1]


def test_background_then_foreground_statement(session: CommandSession) -> None:
    result = run(session, "echo bg & Receive-Job -Id 1 -Wait")

    assert output(result)[-1] == "bg"


def test_shell_semicolons_stay_in_the_command_until_a_cmdlet(session: CommandSession) -> None:
    one = run(session, "sleep 0.1; echo hi")
    two = run(session, "printf x; Get-Job -Id 3")

    assert [job.command for job in one.jobs] == ["sleep 0.1; echo hi"]
    assert [job.command for job in two.jobs] == ["printf x"]
    assert _ids(output(two))[-1] == 3


def test_shell_syntax_passes_through(session: CommandSession) -> None:
    result = run(session, "for i in 1 2; do echo $i; done 2>&1 | sort -r &")
    run(session, "Wait-Job 1")

    assert result.jobs[0].command == "for i in 1 2; do echo $i; done 2>&1 | sort -r"
    assert output(run(session, "Receive-Job 1")) == ["2", "1"]


# -- receiving --------------------------------------------------------------------------------


def test_stderr_lines_print_as_errors_but_do_not_fail_the_line(session: CommandSession) -> None:
    run(session, "Start-Job {echo out; echo err >&2} | Wait-Job")

    result = run(session, "Receive-Job 1")

    assert [(line.kind, line.text) for line in result.lines] == [
        ("output", "out"),
        ("error", "err"),
    ]
    assert result.succeeded


def test_receive_wait_streams_batches_while_it_waits(session: CommandSession) -> None:
    batches: list[list[OutputLine]] = []
    run(session, "Start-Job {echo early; sleep 0.6; echo late}")

    result = session.execute("Receive-Job 1 -Wait", on_output=batches.append)

    assert [line.text for batch in batches for line in batch] == ["early", "late"]
    assert len(batches) >= 2  # "early" was handed out before "late" existed
    assert [line.text for line in result.lines] == ["early", "late"]


LARGE = 300_000


def _large_job(session: CommandSession) -> None:
    run(session, f"$big = Start-Job {{seq {LARGE}}}; $null = Wait-Job $big")


def test_a_large_receive_streams_in_batches_and_keeps_a_bounded_tail(
    session: CommandSession,
) -> None:
    _large_job(session)
    sizes: list[int] = []
    last: list[str] = []

    def on_output(batch: list[OutputLine]) -> None:
        sizes.append(len(batch))
        last[:] = [batch[0].text, batch[-1].text]

    result = session.execute("Receive-Job $big", on_output=on_output)

    assert sum(sizes) == LARGE and max(sizes) <= OUTPUT_BATCH and len(sizes) >= 2
    assert last[-1] == str(LARGE)
    assert len(result.lines) == MAX_RESULT_LINES
    assert result.truncated == LARGE - MAX_RESULT_LINES
    assert result.lines[0].text == str(LARGE - MAX_RESULT_LINES + 1)
    assert result.lines[-1].text == str(LARGE)
    assert result.succeeded


def test_a_large_receive_into_a_file_or_a_variable_keeps_everything(
    session: CommandSession, tmp_path: Path
) -> None:
    _large_job(session)

    to_file = run(session, "Receive-Job $big -Keep > big.txt")
    through_out_file = run(session, "Receive-Job $big -Keep | Out-File piped.txt")
    to_variable = run(session, "$all = Receive-Job $big")

    expected = "".join(f"{i}\n" for i in range(1, LARGE + 1))
    assert (tmp_path / "big.txt").read_text() == expected
    assert (tmp_path / "piped.txt").read_text() == expected
    for result in (to_file, through_out_file, to_variable):
        assert result.lines == [] and result.truncated == 0 and result.succeeded
    assert output(run(session, "$all.Count; $all[0]; $all[-1]")) == [str(LARGE), "1", str(LARGE)]


def test_receive_wait_auto_remove(session: CommandSession) -> None:
    result = run(session, "Start-Job {echo once} | Receive-Job -Wait -AutoRemoveJob")

    assert output(result) == ["once"]
    assert output(run(session, "Get-Job")) == []


def test_receive_wait_write_job_in_results(session: CommandSession) -> None:
    result = run(session, "Start-Job {echo x} | Receive-Job -Wait -WriteJobInResults")

    assert output(result)[:2] == [HEADER, UNDERLINE]
    assert output(result)[-1] == "x"


def test_receive_no_recurse_on_a_parent_is_empty(session: CommandSession) -> None:
    run(session, "Start-Job {echo child} | Wait-Job")

    assert output(run(session, "Receive-Job 1 -NoRecurse")) == []
    assert output(run(session, "Receive-Job 2")) == ["child"]


def test_receive_by_location(session: CommandSession) -> None:
    run(session, "Start-Job {echo here} | Wait-Job")

    assert output(run(session, "Receive-Job -Job (Get-Job 1) -Location elsewhere")) == []
    assert output(run(session, "Receive-Job -Job (Get-Job 1) -Location localhost")) == ["here"]


def test_redirection_overwrites_and_appends(session: CommandSession, tmp_path: Path) -> None:
    run(session, "Start-Job {echo one} | Wait-Job; Start-Job {echo two} | Wait-Job")

    run(session, "Receive-Job 1 -Keep > out.txt")
    run(session, "Receive-Job 1 > out.txt")
    run(session, "Receive-Job 3 >> out.txt")
    run(session, "Get-Job 1 | Out-File jobs.txt")

    assert (tmp_path / "out.txt").read_text() == "one\ntwo\n"
    assert (tmp_path / "jobs.txt").read_text().splitlines()[0] == HEADER


def test_error_redirection_and_merge(session: CommandSession, tmp_path: Path) -> None:
    run(session, "Start-Job {echo out; echo err >&2} | Wait-Job")

    quiet = run(session, "Receive-Job 1 -Keep 2> errors.txt")
    merged = run(session, "$all = Receive-Job 1 2>&1")

    assert output(quiet) == ["out"] and errors(quiet) == []
    assert (tmp_path / "errors.txt").read_text() == "err\n"
    assert merged.lines == []
    assert session.get_variable("all") == ["out", "err"]


def test_redirection_to_a_missing_directory_runs_nothing(
    session: CommandSession, engine: JobEngine
) -> None:
    result = run(session, "Start-Job {true} > nowhere/out.txt")

    assert result.errors[0].startswith("Out-File: Could not find a part of the path")
    assert engine.jobs == []


# -- waiting, stopping, suspending ------------------------------------------------------------


def test_wait_job_outputs_jobs_in_input_order(session: CommandSession) -> None:
    run(session, "Start-Job {sleep 0.3}; Start-Job {true}")

    assert _ids(output(run(session, "Wait-Job -Id 3,1"))) == [3, 1]


def test_wait_job_any_outputs_one(session: CommandSession) -> None:
    run(session, "Start-Job {sleep 30}; Start-Job {sleep 0.1}")

    assert _ids(output(run(session, "Get-Job | Wait-Job -Any"))) == [3]


def test_wait_job_timeout_prints_nothing_but_a_notice(session: CommandSession) -> None:
    run(session, "Start-Job {true} | Wait-Job; Start-Job {sleep 30}")

    result = run(session, "Get-Job | Wait-Job -Timeout 1")

    assert result.succeeded
    assert output(result) == []
    assert infos(result) == ["Wait-Job: timed out after 1 s; 1 of 2 jobs finished."]


@pytest.mark.parametrize(
    "line",
    [
        "Wait-Job 1 -Timeout 0",
        "$done = Wait-Job 1 -Timeout 0",
        "Wait-Job 1 -Timeout 0 2>&1",
        "Wait-Job 1 -Timeout 0 2> errors.txt",
        "Get-Job | Wait-Job -Timeout 0 | Receive-Job",
        "(Wait-Job 1 -Timeout 0)",
    ],
)
def test_a_wait_job_timeout_is_a_notice_never_an_error(session: CommandSession, line: str) -> None:
    run(session, "Start-Job {sleep 30}")

    result = run(session, line)

    assert result.lines == [
        OutputLine("Wait-Job: timed out after 0 s; 0 of 1 job finished.", "info")
    ]
    assert result.errors == [] and result.succeeded
    assert output(run(session, "$?")) == ["True"]


def test_wait_job_with_no_matching_job_returns_at_once(session: CommandSession) -> None:
    result = run(session, "Wait-Job -State Running")

    assert result.succeeded and result.lines == []


def test_cancel_ends_a_wait_and_the_rest_of_the_line(
    session: CommandSession, engine: JobEngine
) -> None:
    run(session, "Start-Job {sleep 30}")
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()

    started = time.monotonic()
    result = session.execute("Wait-Job 1; Start-Job {true}", cancel=cancel)

    assert time.monotonic() - started < 5
    assert infos(result) == ["Wait-Job: cancelled; the jobs go on running."]
    assert len(engine.jobs) == 1
    assert engine.jobs[0].state is JobState.Running


def test_stop_job_passthru(session: CommandSession) -> None:
    run(session, "Start-Job {sleep 30}")

    result = run(session, "Stop-Job -Id 1 -PassThru")

    assert output(result)[2] == row(1, "Job1", "Stopped", False, "sleep 30")


def test_suspend_and_resume(session: CommandSession) -> None:
    run(session, "Start-Job {sleep 0.5; echo woke}")

    suspended = run(session, "Suspend-Job 1")
    assert output(suspended)[2].split()[3] == "Suspended"
    assert "is not suspended" in infos(run(session, "Resume-Job 1; Resume-Job 1"))[0]
    assert output(run(session, "Receive-Job 1 -Wait")) == ["woke"]


def test_start_threadjob_throttle_limit_is_sticky(
    session: CommandSession, engine: JobEngine
) -> None:
    first = run(session, "Start-ThreadJob {sleep 30} -ThrottleLimit 1")
    second = run(session, "Start-ThreadJob {echo queued}")

    assert engine.throttle_limit == 1
    assert output(first)[2] == row(
        1, "Job1", "Running", True, "sleep 30", type_name="ThreadJob", location="PowerShell"
    )
    assert output(second)[2].split()[:4] == ["2", "Job2", "ThreadJob", "NotStarted"]
    run(session, "Stop-Job 1")
    assert output(run(session, "Receive-Job 2 -Wait")) == ["queued"]


# -- the table --------------------------------------------------------------------------------


def test_narrow_width_drops_trailing_columns(session: CommandSession) -> None:
    run(session, "Start-Job {true}")
    session.width = 70

    lines = output(run(session, "Get-Job"))

    assert lines[0] == "Id     Name            PSJobTypeName   State         HasMoreData"
    assert all(len(line) <= 70 for line in lines)


# -- wait requests and completion -------------------------------------------------------------


def test_wait_request_resolves_without_waiting(session: CommandSession) -> None:
    run(session, "Start-Job {sleep 30}; Start-Job {true} | Wait-Job")

    request = session.wait_request("Get-Job -State Running | Wait-Job -Any -Timeout 10")
    plain = session.wait_request("wjb 1,3 -Force")

    assert request == WaitRequest(jobs=[_job(session, 1)], any=True, timeout=10.0, force=False)
    assert plain == WaitRequest(
        jobs=[_job(session, 1), _job(session, 3)], any=False, timeout=None, force=True
    )


def _job(session: CommandSession, job_id: int) -> Job:
    job = session.engine.find_by_id(job_id)
    assert job is not None
    return job


@pytest.mark.parametrize(
    "line", ["Get-Job", "Start-Job {true} | Wait-Job", "$x = Wait-Job 1", "Wait-Job 1 > f"]
)
def test_lines_that_are_not_wait_requests(session: CommandSession, line: str) -> None:
    run(session, "Start-Job {true}")
    jobs_before = len(session.engine.jobs)

    assert session.wait_request(line) is None
    assert len(session.engine.jobs) == jobs_before  # nothing was started to find out


def test_wait_request_bad_input_raises(session: CommandSession) -> None:
    with pytest.raises(CommandError, match=r"^Wait-Job: The command cannot find a job"):
        session.wait_request("Wait-Job -Id 9")
    with pytest.raises(CommandError, match=r"^ParserError: Missing closing"):
        session.wait_request("Wait-Job {")


def test_completion(session: CommandSession) -> None:
    run(session, "$job = Start-Job -Name nightly {true}; Start-Job {true}")

    assert session.complete("Get-J") == ["Get-Job"]
    assert session.complete("Start-") == ["Start-Job", "Start-ThreadJob", "Start-Sleep"]
    assert session.complete("gjb | Receive-Job -K") == ["gjb | Receive-Job -Keep"]
    # Top-level jobs only: the child jobs (2 and 4) are not offered.
    assert session.complete("Receive-Job -Id ") == ["Receive-Job -Id 1", "Receive-Job -Id 3"]
    assert session.complete("Stop-Job -Id 1,") == ["Stop-Job -Id 1,1", "Stop-Job -Id 1,3"]
    assert session.complete("Stop-Job -Name n") == ["Stop-Job -Name nightly"]
    assert session.complete("Wait-Job -Job $") == ["Wait-Job -Job $job"]
    assert session.complete("Remove-Job Job") == ["Remove-Job Job3"]
    assert session.complete("Get-Job -InstanceId ") == [
        f"Get-Job -InstanceId {job.instance_id}" for job in session.engine.jobs
    ]
    assert session.complete("Get-Job -State Comp") == ["Get-Job -State Completed"]
    assert session.complete("make -") == []  # a shell command's words are the shell's
    assert session.complete("Start-Job {sleep") == []


def test_env_assignments_reach_the_jobs_of_the_session(session: CommandSession) -> None:
    run(session, '$env:JOBTUI_GREETING = "hello"')

    assert output(run(session, "Start-Job {echo $JOBTUI_GREETING} | Receive-Job -Wait")) == [
        "hello"
    ]
    assert output(run(session, "$env:JOBTUI_GREETING")) == ["hello"]
    assert "JOBTUI_GREETING" not in os.environ  # the process's own environment is untouched


def test_child_output_and_error_collections_outlive_a_receive(session: CommandSession) -> None:
    run(session, "$job = Start-Job {echo out; echo err >&2}; $null = Wait-Job $job")
    received = run(session, "$null = Receive-Job $job")

    assert errors(received) == ["err"]  # errors are not output: $null does not swallow them
    assert output(run(session, "$job.ChildJobs[0].Output")) == ["out"]
    assert output(run(session, "$job.ChildJobs[0].Error")) == ["err"]
    assert output(run(session, "$job.Output")) == []  # a parent's own collections are empty
