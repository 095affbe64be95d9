"""Group-Object, Measure-Object and Get-Member over real jobs and other values."""

from __future__ import annotations

from jobtui.commands import CommandSession
from tests.unit.commands.support import errors, output, run

# -- Group-Object -----------------------------------------------------------------------------


def test_group_prints_count_name_group_as_powershell(jobs: CommandSession) -> None:
    result = run(jobs, "Get-Job | Group-Object State")

    assert output(result) == [
        "Count Name                      Group",
        "----- ----                      -----",
        "    2 Completed                 {build1, build3}",
        "    1 Failed                    {test2}",
    ]


def test_groups_flow_on_as_records(jobs: CommandSession) -> None:
    sorted_groups = run(jobs, "Get-Job | Group-Object State | Sort-Object Count | % Name")
    members = run(jobs, "(Get-Job | group State)[0].Group | % Id")
    no_element = run(jobs, "Get-Job | group { $_ } State -NoElement")

    assert output(sorted_groups) == ["Failed", "Completed"]
    assert output(members) == ["1", "5"]
    assert errors(no_element)  # a block is not a property name here: refused, not a crash
    plain = run(jobs, "Get-Job | group State -NoElement")
    assert output(plain) == ["Count Name", "----- ----", "    2 Completed", "    1 Failed"]


def test_group_values_case_insensitively_and_by_several_properties(
    session: CommandSession,
) -> None:
    words = run(session, "'a', 'B', 'A', 'b', 'c' | group | % { '{0}:{1}' -f $_.Name, $_.Count }")
    pairs = run(
        session,
        "1..6 | % { $_ % 2 } | group | % Name",
    )

    assert output(words) == ["a:2", "B:2", "c:1"]
    assert output(pairs) == ["0", "1"]


# -- Measure-Object ---------------------------------------------------------------------------


def test_measure_counts_and_takes_statistics_of_a_property(jobs: CommandSession) -> None:
    counted = run(jobs, "Get-Job | Measure-Object")
    statistics = run(jobs, "Get-Job | measure Id -Sum -Average -Maximum -Minimum")

    assert output(counted)[0] == "Count             : 3"
    assert output(statistics) == [
        "Count             : 3",
        "Average           : 3",
        "Sum               : 9",
        "Maximum           : 5",
        "Minimum           : 1",
        "StandardDeviation :",
        "Property          : Id",
    ]


def test_measure_numbers_lines_and_dates(jobs: CommandSession) -> None:
    numbers = run(jobs, "(1..4 | Measure-Object -Sum -Average).Average")
    lines = run(jobs, "(Receive-Job -Name build1 -Keep | Measure-Object).Count")
    latest = run(
        jobs,
        "$last = (Get-Job | Sort-Object PSEndTime -Descending | Select-Object -First 1).PSEndTime; "
        "Get-Job | measure PSEndTime -Maximum -Minimum | % { $_.Maximum -eq $last }",
    )
    text = run(jobs, "'one two', 'three' | Measure-Object -Line -Word -Character")

    assert output(numbers) == ["2.5"]
    assert output(lines) == ["2"]
    assert output(latest) == ["True"]
    assert output(text) == [
        "Lines Words Characters Property",
        "----- ----- ---------- --------",
        "    2     3         12",
    ]


def test_measure_errors_in_powershells_words(jobs: CommandSession) -> None:
    not_numeric = run(jobs, "Get-Job | measure Name -Sum")
    missing = run(jobs, "Get-Job | measure Nope")

    assert errors(not_numeric) == ['Measure-Object: Input object "build1" is not numeric.']
    assert errors(missing) == [
        'Measure-Object: The property "Nope" cannot be found in the input for any objects.'
    ]


# -- Get-Member -------------------------------------------------------------------------------


def test_get_member_lists_a_jobs_properties_under_its_type_name(jobs: CommandSession) -> None:
    lines = output(run(jobs, "Get-Job -Id 1 | Get-Member"))

    assert lines[0] == "   TypeName: System.Management.Automation.PSRemotingJob"
    assert lines[1] == ""
    assert lines[2].split() == ["Name", "MemberType", "Definition"]
    by_name = {line.split()[0]: line.split(None, 2)[1:] for line in lines[4:]}
    assert by_name["State"] == ["Property", "System.Management.Automation.JobState State {get;}"]
    assert by_name["Name"] == ["Property", "string Name {get;set;}"]
    assert by_name["ToString"] == ["Method", "string ToString()"]
    assert "HasMoreData" in by_name and "PSBeginTime" in by_name


def test_get_member_of_several_types_and_of_records(jobs: CommandSession) -> None:
    lines = output(run(jobs, "(Get-Job -Id 1), 'text', (Get-Job -Id 1 | select Name) | gm"))

    type_lines = [line for line in lines if line.startswith("   TypeName:")]
    assert type_lines == [
        "   TypeName: System.Management.Automation.PSRemotingJob",
        "   TypeName: System.String",
        "   TypeName: Selected.System.Management.Automation.PSRemotingJob",
    ]
    assert any(line.split()[:2] == ["Length", "Property"] for line in lines)
    assert any(line.split() == ["Name", "NoteProperty", "string", "Name=build1"] for line in lines)


def test_get_member_filters_and_needs_input(jobs: CommandSession) -> None:
    named = run(jobs, "Get-Job -Id 1 | gm -Name *Time | % Name")
    properties = run(jobs, "'x' | gm -MemberType Property | % Name")
    nothing = run(jobs, "Get-Member")

    assert output(named) == ["PSBeginTime", "PSEndTime"]
    assert output(properties) == ["Length"]
    assert errors(nothing) == ["Get-Member: You must specify an object for the Get-Member cmdlet."]


def test_script_block_properties_sort_group_and_select(session: CommandSession) -> None:
    groups = run(session, "1..7 | Group-Object { $_ % 3 } | % { '{0}:{1}' -f $_.Name, $_.Count }")
    by_length = run(session, "'ccc', 'a', 'bb' | Sort-Object { $_.Length } -Descending")
    selected = run(session, "'ccc', 'a' | Select-Object { $_.Length * 2 }, Length")
    failing = run(session, "1, 'a' | Sort-Object { 10 / $_ }")
    wrong = run(session, "Start-Job {true}; 1 | Sort-Object { $_ -eq }")

    assert output(groups) == ["0:2", "1:3", "2:2"]
    assert output(by_length) == ["ccc", "bb", "a"]
    assert output(selected) == [
        "$_.Length * 2 Length",
        "------------- ------",
        "            6      3",
        "            2      1",
    ]
    assert output(failing) == ["a", "1"]  # the key that failed is $null: it sorts first
    assert errors(failing)[0].startswith('InvalidArgument: Cannot convert value "a"')
    assert errors(wrong)[0].startswith("ParserError: You must provide a value expression")
    assert session.engine.jobs == []  # the wrong block stopped the whole line
