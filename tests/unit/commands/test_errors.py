"""Bad input: one clear line in PowerShell's words, nothing started, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobtui.commands import CommandSession
from jobtui.engine import JobEngine, JobState
from tests.unit.commands.support import errors, output, run, wait_until

NOT_FOUND_7 = (
    "Receive-Job: The command cannot find a job with the job ID 7. Verify the value of the Id "
    "parameter and then try the command again."
)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("Receive-Job -Id 7", NOT_FOUND_7),
        ("Receive-Job 7", NOT_FOUND_7),
        (
            "Get-Job -Name nightly",
            "Get-Job: The command cannot find the job because the job name nightly was not "
            "found. Verify the value of the Name parameter, and then try the command again.",
        ),
        (
            "Stop-Job -InstanceId 3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            "Stop-Job: The command cannot find a job with the instance identifier "
            "3f2504e0-4f89-11d3-9a0c-0305e82c3301. Verify the value of the InstanceId "
            "parameter, and then try the command again.",
        ),
        (
            "Start-Job -Foo {x}",
            "Start-Job: A parameter cannot be found that matches parameter name 'Foo'.",
        ),
        (
            "Receive-Job -W 1",
            "Receive-Job: Parameter cannot be processed because the parameter name 'W' is "
            "ambiguous. Possible matches include: -Wait -WriteEvents -WriteJobInResults.",
        ),
        (
            "Get-Job -C x",
            "Get-Job: Parameter cannot be processed because the parameter name 'C' is "
            "ambiguous. Possible matches include: -Command -ChildJobState.",
        ),
        (
            "Get-Job -Name",
            "Get-Job: Missing an argument for parameter 'Name'. Specify a parameter of type "
            "'System.String[]' and try again.",
        ),
        (
            "Wait-Job -Id -Any",
            "Wait-Job: Missing an argument for parameter 'Id'. Specify a parameter of type "
            "'System.Int32[]' and try again.",
        ),
        (
            "Start-Job {sleep 1",
            "ParserError: Missing closing '}' in statement block or type definition.",
        ),
        ("Get-Job -Name 'Job1", "ParserError: The string is missing the terminator: '."),
        ('Get-Job -Name "Job1', 'ParserError: The string is missing the terminator: ".'),
        ("echo 'unclosed &", "ParserError: The string is missing the terminator: '."),
        ("Get-Job }", "ParserError: Unexpected token '}' in expression or statement."),
        ("Get-Job |", "ParserError: An empty pipe element is not allowed."),
        ("| Get-Job", "ParserError: An empty pipe element is not allowed."),
        ("Get-Job -Id 1,", "ParserError: Missing argument in parameter list."),
        (
            "Get-Jbo",
            "Get-Jbo: The term 'Get-Jbo' is not recognized as a name of a cmdlet, function, "
            "script file, or executable program. Check the spelling of the name, or if a path "
            "was included, verify that the path is correct and try again.",
        ),
        (
            "Get-Job -Id one",
            "Get-Job: Cannot bind parameter 'Id'. Cannot convert value \"one\" to type "
            '"System.Int32".',
        ),
        (
            "Get-Job -State Sleeping",
            "Get-Job: Cannot bind parameter 'State'. Cannot convert value \"Sleeping\" to type "
            '"System.Management.Automation.JobState". Error: "Unable to match the identifier '
            "name Sleeping to a valid enumerator name. Specify one of the following enumerator "
            "names and try again: NotStarted, Running, Completed, Failed, Stopped, Blocked, "
            'Suspended, Disconnected, Suspending, Stopping, AtBreakpoint"',
        ),
        (
            "Get-Job -HasMoreData yes",
            "Get-Job: Cannot process argument transformation on parameter 'HasMoreData'. Cannot "
            'convert value "System.String" to type "System.Boolean". Boolean parameters accept '
            "only Boolean values and numbers, such as $True, $False, 1 or 0.",
        ),
        (
            "Start-Job -ScriptBlock 'make'",
            "Start-Job: Cannot bind parameter 'ScriptBlock'. Cannot convert the \"make\" value of "
            'type "System.String" to type "System.Management.Automation.ScriptBlock".',
        ),
        (
            "Wait-Job -Id 1 -Timeout -2",
            "Wait-Job: Cannot validate argument on parameter 'Timeout'. The -2 argument is less "
            "than the minimum allowed range of -1. Supply an argument that is greater than or "
            "equal to -1 and then try the command again.",
        ),
        (
            "Start-ThreadJob {x} -ThrottleLimit 0",
            "Start-ThreadJob: Cannot validate argument on parameter 'ThrottleLimit'. The 0 "
            "argument is less than the minimum allowed range of 1. Supply an argument that is "
            "greater than or equal to 1 and then try the command again.",
        ),
        (
            "Get-Job -Id 1 -Id 2",
            "Get-Job: Cannot bind parameter because parameter 'Id' is specified more than once. "
            "To provide multiple values to parameters that can accept multiple values, use the "
            'array syntax. For example, "-parameter value1,value2,value3".',
        ),
        (
            "Get-Job -Id 1 -Name Job1",
            "Get-Job: Parameter set cannot be resolved using the specified named parameters. One "
            "or more parameters issued cannot be used together or an insufficient number of "
            "parameters were provided.",
        ),
        (
            "Get-Job 1 2",
            "Get-Job: A positional parameter cannot be found that accepts argument '2'.",
        ),
        (
            "Stop-Job",
            "Stop-Job: Cannot process command because of one or more missing mandatory "
            "parameters: Id.",
        ),
        (
            "Receive-Job -Id 1 -Wait -Keep",
            "Receive-Job: The Wait and Keep parameters cannot be used together in the same "
            "command.",
        ),
        (
            "Receive-Job -Id 1 -AutoRemoveJob",
            "Receive-Job: The -AutoRemoveJob parameter cannot be used without the -Wait parameter",
        ),
        (
            "Receive-Job -Id 1 -Force",
            "Receive-Job: The -Force parameter cannot be used without the -Wait parameter.",
        ),
        (
            "Receive-Job -Id 1 -WriteEvents",
            "Receive-Job: The WriteEvents parameter cannot be used without the Wait parameter.",
        ),
        (
            "Receive-Job -Id 1 -WriteJobInResults",
            "Receive-Job: The -WriteJobInResults parameter cannot be used without the -Wait "
            "parameter",
        ),
        (
            "Start-Job {make} &",
            "ParserError: Only a shell command can run in the background with '&'; the job "
            "cmdlets and variables act on this session's jobs.",
        ),
        (
            "$true = 1",
            "SessionStateUnauthorizedAccessException: Cannot overwrite variable true because it "
            "is read-only or constant.",
        ),
    ],
)
def test_bad_input_is_one_line_and_starts_nothing(
    session: CommandSession, engine: JobEngine, line: str, message: str
) -> None:
    result = run(session, line)

    assert not result.succeeded
    assert result.errors == [message]
    assert errors(result) == [message]
    assert output(result) == []
    assert engine.jobs == []


def test_nothing_starts_when_a_later_statement_fails_to_bind(
    session: CommandSession, engine: JobEngine
) -> None:
    result = run(session, "Start-Job {sleep 5}; sleep 5 &; Get-Job -Foo")

    assert result.errors == [
        "Get-Job: A parameter cannot be found that matches parameter name 'Foo'."
    ]
    assert engine.jobs == []


def test_not_found_is_non_terminating_the_other_values_go_on(
    session: CommandSession,
) -> None:
    run(session, "Start-Job {true}; Start-Job {true}")

    result = run(session, "Get-Job -Id 1,7,3")

    assert [line.split()[0] for line in output(result)[2:]] == ["1", "3"]
    assert result.errors == [
        "Get-Job: The command cannot find a job with the job ID 7. Verify the value of the Id "
        "parameter and then try the command again."
    ]


def test_a_wildcard_name_that_matches_nothing_is_no_error(session: CommandSession) -> None:
    result = run(session, "Get-Job -Name nightly*")

    assert result.succeeded
    assert result.lines == []


def test_removing_a_running_job_needs_force(session: CommandSession, engine: JobEngine) -> None:
    run(session, "$job = Start-Job {sleep 30}")

    refused = run(session, "Remove-Job -Id 1")
    by_name = run(session, "Remove-Job -Name Job1")
    forced = run(session, "Remove-Job -Id 1 -Force")

    assert refused.errors == [
        "Remove-Job: The command cannot remove the job with the job ID 1 because the job is not "
        "finished. To remove the job, first stop the job, or use the Force parameter."
    ]
    assert by_name.errors == [
        "Remove-Job: The command cannot remove the job with the job ID 1 and the name Job1 "
        "because the job is not finished. To remove the job, first stop the job, or use the "
        "Force parameter."
    ]
    assert forced.succeeded
    assert engine.jobs == []
    job = session.get_variable("job")
    assert getattr(job, "state", None) is JobState.Stopped


def test_a_child_job_cannot_be_removed(session: CommandSession) -> None:
    run(session, "Start-Job {true} | Wait-Job")

    result = run(session, "Remove-Job -Id 2")

    assert result.errors == [
        "Remove-Job: The command cannot remove the job because it does not exist or because it "
        "is a child job. Child jobs can be removed only by removing the parent job."
    ]


def test_missing_working_directory_is_terminating_and_starts_nothing(
    session: CommandSession, engine: JobEngine, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere"

    result = run(session, f"Start-Job {{true}} -WorkingDirectory {missing}")

    assert result.errors == [f"Start-Job: Cannot find the WorkingDirectory path {missing}."]
    assert engine.jobs == []


def test_start_job_with_a_missing_script_file(session: CommandSession, tmp_path: Path) -> None:
    result = run(session, "Start-Job build.sh")

    assert result.errors == [
        f"Start-Job: Cannot find path '{tmp_path / 'build.sh'}' because it does not exist."
    ]


def test_a_terminating_error_ends_its_statement_only(session: CommandSession) -> None:
    result = run(session, "Start-Job {true} -WorkingDirectory /nonexistent-dir; Get-Job -Name x*")

    assert result.errors == ["Start-Job: Cannot find the WorkingDirectory path /nonexistent-dir."]
    assert output(run(session, "$?")) == ["True"]  # the last statement succeeded


def test_windows_only_commands_fail_as_jobs_with_a_reason(session: CommandSession) -> None:
    started = run(session, "Start-Job {Get-EventLog -LogName System}")
    job = started.jobs[0]
    wait_until(lambda: job.state.is_finished)

    assert started.succeeded
    assert job.state is JobState.Failed
    assert str(job.reason) == (
        "Get-EventLog is not available on this system: it reads the Windows event log, which "
        "Linux and macOS do not have."
    )


def test_unsupported_parameters_say_why(session: CommandSession, engine: JobEngine) -> None:
    result = run(session, "Start-Job {true} -RunAs32")

    assert result.errors == [
        "Start-Job: The RunAs32 parameter is not supported on this system: jobs run shell "
        "commands, not a 32-bit PowerShell."
    ]
    assert engine.jobs == []


def test_computer_name_on_a_local_job(session: CommandSession) -> None:
    run(session, "Start-Job {true} | Wait-Job")

    result = run(session, "Receive-Job -Job (Get-Job -Id 1) -ComputerName server01")

    assert result.errors == [
        "Receive-Job: The command cannot retrieve the jobs of the specified computers. The "
        "ComputerName parameter can be used only with jobs created by using PowerShell remoting."
    ]


def test_piping_something_that_is_not_a_job(session: CommandSession) -> None:
    result = run(session, "'Job1' | Stop-Job")

    assert result.errors == [
        "Stop-Job: The input object cannot be bound to any parameters for the command either "
        "because the command does not take pipeline input or the input and its properties do "
        "not match any of the parameters that take pipeline input."
    ]


def test_remote_computers_by_winrm_name_the_ssh_way(session: CommandSession) -> None:
    started = run(session, "Invoke-Command -ComputerName Server01 -ScriptBlock {Get-Date} -AsJob")

    assert started.jobs == []
    assert started.errors == [
        "Invoke-Command: The ComputerName parameter is not supported on this system: WinRM "
        "remoting runs on Windows only; give the machines with -HostName (SSH)."
    ]
