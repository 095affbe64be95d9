"""Where-Object, ForEach-Object, Select-Object and Sort-Object over real jobs and other values."""

from __future__ import annotations

from jobtui.commands import CommandSession
from tests.unit.commands.support import errors, output, run


def _names(session: CommandSession, line: str) -> list[str]:
    """The Name column of the job table a line prints."""
    return [row.split()[1] for row in output(run(session, line))[2:]]


# -- Where-Object -----------------------------------------------------------------------------


def test_where_comparison_statement_keeps_the_matching_jobs(jobs: CommandSession) -> None:
    assert _names(jobs, "Get-Job | Where-Object State -eq 'Failed'") == ["test2"]
    assert _names(jobs, "Get-Job | where State -EQ failed") == ["test2"]  # any case
    assert _names(jobs, "Get-Job | ? State -ne Failed") == ["build1", "build3"]
    assert _names(jobs, "Get-Job | ? Name -like build*") == ["build1", "build3"]
    assert _names(jobs, "Get-Job | ? Name -CLike BUILD*") == []
    assert _names(jobs, "Get-Job | ? Id -gt 2") == ["test2", "build3"]
    assert _names(jobs, "Get-Job | ? Id -in 1,5") == ["build1", "build3"]
    assert _names(jobs, "Get-Job | ? Name -Match '^t'") == ["test2"]
    assert _names(jobs, "Get-Job | Where-Object -Property Id -Value 3 -EQ") == ["test2"]


def test_where_property_alone_and_not_test_its_truth(jobs: CommandSession) -> None:
    assert _names(jobs, "Get-Job | Where-Object HasMoreData") == ["build1", "build3"]
    assert _names(jobs, "Get-Job | Where-Object -Not HasMoreData") == ["test2"]


def test_where_script_block_with_and_or_not_and_members(jobs: CommandSession) -> None:
    line = "Get-Job | ? { $_.State -eq 'Completed' -and $_.Name -like 'build*' }"
    assert _names(jobs, line) == ["build1", "build3"]
    assert _names(jobs, "Get-Job | Where-Object { $PSItem.Id -eq 3 -or $_.Id -eq 5 }") == [
        "test2",
        "build3",
    ]
    assert _names(jobs, "Get-Job | ? { -not $_.HasMoreData }") == ["test2"]
    assert _names(jobs, "Get-Job | ? { !($_.Name -match 'build') }") == ["test2"]
    reason = "Get-Job | ? { $_.ChildJobs[0].JobStateInfo.Reason -like '*code 3*' }"
    assert _names(jobs, reason) == ["test2"]


def test_where_filters_strings_and_numbers(jobs: CommandSession) -> None:
    assert output(run(jobs, "Receive-Job -Name build1 -Keep | ? { $_ -eq 'B' }")) == ["b"]
    assert output(run(jobs, "1..6 | ? { $_ % 2 -eq 0 }")) == ["2", "4", "6"]
    assert output(run(jobs, "1..6 | Where-Object -GT -Property Length -Value 0")) == []


def test_a_wrong_block_is_a_parser_error_and_nothing_of_the_line_runs(
    session: CommandSession,
) -> None:
    result = run(session, "Start-Job {echo x}; Get-Job | ? { $_.State -eq }")

    assert errors(result) == [
        "ParserError: You must provide a value expression following the '-eq' operator."
    ]
    assert session.engine.jobs == []


def test_a_run_time_error_is_reported_per_object_and_the_rest_goes_on(
    jobs: CommandSession,
) -> None:
    result = run(jobs, "'a', 5, 'b' | ? { $_.ToUpper() -eq 'B' }")

    assert output(result) == ["b"]
    assert errors(result) == [
        "InvalidOperation: Method invocation failed because [System.Int32] does not contain a "
        "method named 'ToUpper'."
    ]


# -- ForEach-Object ---------------------------------------------------------------------------


def test_foreach_block_and_member_name(jobs: CommandSession) -> None:
    block = run(jobs, 'Get-Job | ForEach-Object { "$($_.Name): $($_.State)" }')
    members = run(jobs, "Get-Job | % Name")
    pipe_alias = run(jobs, "Get-Job | foreach { $_.Id * 10 }")

    assert output(block) == ["build1: Completed", "test2: Failed", "build3: Completed"]
    assert output(members) == ["build1", "test2", "build3"]
    assert output(pipe_alias) == ["10", "30", "50"]


def test_foreach_member_name_enumerates_and_calls_methods(jobs: CommandSession) -> None:
    children = run(jobs, "Get-Job -Name build1 | % ChildJobs | % Name")
    upper = run(jobs, "'ab', 'cd' | ForEach-Object -MemberName ToUpper")
    missing = run(jobs, "'ab' | % Nope")

    assert output(children) == ["Job2"]
    assert output(upper) == ["AB", "CD"]
    assert errors(missing) == [
        'ForEach-Object: The input name "Nope" cannot be resolved to a member.'
    ]


def test_foreach_begin_end_and_session_variables(jobs: CommandSession) -> None:
    result = run(
        jobs,
        "$total = 0; Get-Job | % -Begin { 'start' } -Process { $total += $_.Id } -End { $total }",
    )

    assert output(result) == ["start", "9"]
    assert jobs.get_variable("total") == 9


def test_foreach_first_in_a_pipeline_runs_once(session: CommandSession) -> None:
    assert output(run(session, "ForEach-Object { 'once' }")) == ["once"]


def test_foreach_refuses_parallel(session: CommandSession) -> None:
    result = run(session, "1..3 | ForEach-Object -Parallel { $_ }")

    assert errors(result)[0].startswith("ForEach-Object: The Parallel parameter is not supported")


# -- Select-Object ----------------------------------------------------------------------------


def test_select_properties_make_a_table_of_records(jobs: CommandSession) -> None:
    result = run(jobs, "Get-Job | Select-Object Id, Name, State")

    assert output(result) == [
        "Id Name   State",
        "-- ----   -----",
        " 1 build1 Completed",
        " 3 test2  Failed",
        " 5 build3 Completed",
    ]


def test_select_wildcards_exclude_and_star(jobs: CommandSession) -> None:
    wild = run(jobs, "Get-Job -Id 1 | select PS*")
    everything = run(jobs, "Get-Job -Id 1 | select * -ExcludeProperty *Time, Pid, Shell")

    assert output(wild)[0] == "PSBeginTime         PSEndTime           PSJobTypeName"
    listed = [line.split(":")[0].strip() for line in output(everything)]
    assert "PSBeginTime" not in listed and "Pid" not in listed and "Shell" not in listed
    assert listed[:4] == ["State", "HasMoreData", "StatusMessage", "Location"]


def test_select_first_last_skip_and_jobs_pass_through(jobs: CommandSession) -> None:
    assert _names(jobs, "Get-Job | select -First 2") == ["build1", "test2"]
    assert _names(jobs, "Get-Job | select -Last 1") == ["build3"]
    assert _names(jobs, "Get-Job | select -Skip 1 -First 1") == ["test2"]
    assert _names(jobs, "Get-Job | select -Index 0, 2") == ["build1", "build3"]
    assert output(run(jobs, "1..10 | select -First 2 -Last 2")) == ["1", "2", "9", "10"]
    assert output(run(jobs, "1..5 | select -SkipLast 3")) == ["1", "2"]


def test_select_expand_property_and_unique(jobs: CommandSession) -> None:
    assert output(run(jobs, "Get-Job | select -ExpandProperty Name")) == [
        "build1",
        "test2",
        "build3",
    ]
    assert output(run(jobs, "Get-Job | select -ExpandProperty State -Unique")) == [
        "Completed",
        "Failed",
    ]
    states = run(jobs, "Get-Job | select State -Unique")
    assert output(states) == ["State", "-----", "Completed", "Failed"]
    missing = run(jobs, "Get-Job -Id 1 | select -ExpandProperty Nope")
    assert errors(missing) == ['Select-Object: Property "Nope" cannot be found.']


def test_selected_records_flow_on_and_keep_their_values(jobs: CommandSession) -> None:
    result = run(jobs, "$r = Get-Job | select Name, Id; $r[1].Name; ($r | ? Id -gt 2).Name")

    assert output(result) == ["test2", "test2", "build3"]


# -- Sort-Object ------------------------------------------------------------------------------


def test_sort_by_properties_descending_unique(jobs: CommandSession) -> None:
    assert _names(jobs, "Get-Job | Sort-Object Name") == ["build1", "build3", "test2"]
    assert _names(jobs, "Get-Job | sort Name -Descending") == ["test2", "build3", "build1"]
    assert _names(jobs, "Get-Job | sort State, Id -Descending") == ["test2", "build3", "build1"]
    assert output(run(jobs, "Get-Job | sort State -Unique | % State")) == ["Completed", "Failed"]


def test_sort_values_case_insensitively_nulls_first_numbers_as_numbers(
    session: CommandSession,
) -> None:
    assert output(run(session, "'b', 'A', 'c' | sort")) == ["A", "b", "c"]
    assert output(run(session, "'b', 'B', 'a' | sort -Unique")) == ["a", "b"]
    assert output(run(session, "10, 9, 100 | sort")) == ["9", "10", "100"]
    assert output(run(session, "3, 1, 2 | Sort-Object -Top 2")) == ["1", "2"]
    assert output(run(session, "3, 1, 2 | Sort-Object -Bottom 1")) == ["3"]


def test_sort_alias_is_the_shells_at_the_start_of_a_statement(session: CommandSession) -> None:
    result = run(session, "sort --version")

    assert result.succeeded
    assert len(result.jobs) == 1  # the shell's sort, run as a job
    assert result.jobs[0].command == "sort --version"


# -- cmdlets inside blocks --------------------------------------------------------------------


def test_cmdlets_run_inside_blocks_with_the_current_object(jobs: CommandSession) -> None:
    received = run(jobs, "Get-Job -Name build* | % { Receive-Job $_ -Keep }")
    counted = run(jobs, "Get-Job | ? { (Receive-Job $_ -Keep | Measure-Object).Count -gt 1 }")
    text = run(
        jobs, "Get-Job -Name build1 | % { \"$($_.Name): $((Receive-Job $_ -Keep) -join ',')\" }"
    )
    removed = run(jobs, "Get-Job | % { if ($_.State -eq 'Failed') { Remove-Job $_ } }")

    assert output(received) == ["a", "b", "c"]
    assert [r.split()[1] for r in output(counted)[2:]] == ["build1"]
    assert output(text) == ["build1: a,b"]
    assert removed.succeeded
    assert _names(jobs, "Get-Job") == ["build1", "build3"]
    assert jobs.get_variable("_") is None  # $_ is the block's only


def test_a_cmdlet_in_a_block_runs_once_per_object_and_its_errors_are_the_lines(
    jobs: CommandSession,
) -> None:
    result = run(jobs, 'Get-Job -Name test2 | % { "[$((Receive-Job $_ -Keep))]" }')
    wrong = run(jobs, "Start-Job {echo no}; Get-Job | % { Receive-Job -Bogus }")

    assert output(result) == ["[]"]
    assert errors(result) == ["Receive-Job: Exit code 3."]  # received once, not twice
    assert errors(wrong) == [
        "Receive-Job: A parameter cannot be found that matches parameter name 'Bogus'."
    ]
    assert len(jobs.engine.jobs) == 3  # the wrong line started nothing
