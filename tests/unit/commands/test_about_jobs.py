"""Every example of about_Jobs that makes sense on Linux, typed as the text types it.

Each test follows one section of about_Jobs.txt and asserts what the text says happens.
"""

from __future__ import annotations

from pathlib import Path

from jobtui.commands import CommandSession
from jobtui.engine import Job, JobState
from tests.unit.commands.support import HEADER, UNDERLINE, errors, output, row, run, wait_until

#: A job that prints one line, waits for the file "go" in its directory, then prints another:
#: the test decides when the job may finish, so "partial results" are not a race.
GATED = "echo first; while [ ! -e go ]; do sleep 0.02; done; echo second"


def _job(session: CommandSession, name: str = "job") -> Job:
    value = session.get_variable(name)
    assert isinstance(value, Job)
    return value


def _finish_gate(directory: Path) -> None:
    (directory / "go").touch()


# -- HOW TO START A JOB ON THE LOCAL COMPUTER -------------------------------------------------


def test_start_job_returns_a_running_job_object_printed_as_a_table(
    session: CommandSession,
) -> None:
    result = run(session, "Start-Job -ScriptBlock {Get-Process}")

    assert result.succeeded
    assert output(result) == [
        HEADER,
        UNDERLINE,
        row(1, "Job1", "Running", True, "Get-Process"),
    ]
    assert [job.id for job in result.jobs] == [1]


def test_saving_the_job_object_in_a_variable(session: CommandSession) -> None:
    result = run(session, "$job = Start-Job -ScriptBlock {Get-Process}")

    assert output(result) == []  # an assignment prints nothing
    job = _job(session)
    assert (job.id, job.name, job.command) == (1, "Job1", "Get-Process")
    assert job.child_jobs[0].id == 2


def test_the_ampersand_background_operator_is_equivalent(session: CommandSession) -> None:
    run(session, "$job = Start-Job -ScriptBlock {Get-Process}")
    first = _job(session)

    result = run(session, "$job = Get-Process &")

    assert result.succeeded
    second = _job(session)
    assert (first.id, second.id) == (1, 3)  # the child jobs take Ids 2 and 4
    assert second.command == "Get-Process"
    assert second.ps_job_type_name == first.ps_job_type_name == "BackgroundJob"


# -- GETTING JOB OBJECTS ----------------------------------------------------------------------


def test_get_job_lists_the_session_jobs_running_then_completed(
    session: CommandSession, tmp_path: Path
) -> None:
    run(session, f"Start-Job -ScriptBlock {{{GATED}}}")

    running = run(session, "Get-Job")
    assert output(running)[:2] == [HEADER, UNDERLINE]
    assert output(running)[2].split()[:5] == ["1", "Job1", "BackgroundJob", "Running", "True"]

    _finish_gate(tmp_path)
    run(session, "Wait-Job -Id 1")
    completed = run(session, "Get-Job")
    assert output(completed)[2].split()[:5] == ["1", "Job1", "BackgroundJob", "Completed", "True"]


def test_get_job_by_id_returns_the_same_job_object_as_start_job(
    session: CommandSession,
) -> None:
    started = run(session, "Start-Job -ScriptBlock {Get-Process}").jobs[0]

    run(session, "$job = Get-Job -Id 1")

    assert _job(session) is started


# -- GETTING THE RESULTS OF A JOB -------------------------------------------------------------


def test_receive_job_returns_the_results(session: CommandSession) -> None:
    run(session, "$job = Start-Job -ScriptBlock {Get-Process}")
    run(session, "Wait-Job -Job $job")

    result = run(session, "Receive-Job -Job $job")

    lines = output(result)
    assert lines[0].startswith("Handles  NPM(K)    PM(K)      WS(K) VM(M)   CPU(s)")
    assert lines[1].startswith("-------  ------")
    assert any(line.endswith(" python") or "python" in line for line in lines[2:])


def test_results_saved_in_a_variable_and_printed_from_it(session: CommandSession) -> None:
    run(session, "$job = Start-Job -ScriptBlock {echo alpha; echo beta}")
    run(session, "Wait-Job -Job $job")

    assignment = run(session, "$results = Receive-Job -Job $job")
    shown = run(session, "$results")

    assert output(assignment) == []
    assert session.get_variable("results") == ["alpha", "beta"]
    assert output(shown) == ["alpha", "beta"]


def test_results_redirected_to_a_file(session: CommandSession, tmp_path: Path) -> None:
    run(session, "$job = Start-Job -ScriptBlock {Get-Process}")
    run(session, "Wait-Job -Job $job")

    result = run(session, "Receive-Job -Job $job > results.txt")

    assert result.succeeded
    assert output(result) == []
    text = (tmp_path / "results.txt").read_text()
    assert text.startswith("Handles  NPM(K)")
    assert len(text.splitlines()) > 3
    assert _job(session).has_more_data is False


# -- GETTING AND KEEPING PARTIAL JOB RESULTS --------------------------------------------------


def test_partial_results_then_the_rest(session: CommandSession, tmp_path: Path) -> None:
    run(session, f"$job = Start-Job -ScriptBlock {{{GATED}}}")
    wait_until(lambda: _unread(session) > 0)

    first = run(session, "Receive-Job -Job $job")
    assert output(first) == ["first"]
    assert _job(session).state is JobState.Running

    _finish_gate(tmp_path)
    run(session, "Wait-Job -Job $job")
    rest = run(session, "Receive-Job -Job $job")
    assert output(rest) == ["second"]
    assert output(run(session, "Receive-Job -Job $job")) == []


def test_keep_returns_everything_generated_so_far(session: CommandSession, tmp_path: Path) -> None:
    run(session, f"$job = Start-Job -ScriptBlock {{{GATED}}}")
    wait_until(lambda: _unread(session) > 0)

    assert output(run(session, "Receive-Job -Job $job -Keep")) == ["first"]
    _finish_gate(tmp_path)
    run(session, "Wait-Job -Job $job")
    assert output(run(session, "Receive-Job -Job $job -Keep")) == ["first", "second"]
    assert output(run(session, "Receive-Job -Job $job -Keep")) == ["first", "second"]


def _unread(session: CommandSession) -> int:
    store = _job(session).transcript
    return 0 if store is None else store.unread_count


def test_has_more_data_flips_after_receive_and_not_with_keep(session: CommandSession) -> None:
    run(session, "$job = Start-Job -ScriptBlock {echo done}")
    run(session, "Wait-Job -Job $job")

    assert output(run(session, "$job.HasMoreData")) == ["True"]
    run(session, "Receive-Job -Job $job -Keep")
    assert output(run(session, "$job.HasMoreData")) == ["True"]
    run(session, "Receive-Job -Job $job")
    assert output(run(session, "$job.HasMoreData")) == ["False"]
    assert output(run(session, "Get-Job"))[2] == row(1, "Job1", "Completed", False, "echo done")


# -- WAITING FOR THE RESULTS ------------------------------------------------------------------


def test_receive_job_wait_returns_only_when_all_results_are_in(
    session: CommandSession,
) -> None:
    run(session, "$job = Start-Job -ScriptBlock {echo one; sleep 0.3; echo two}")

    result = run(session, "Receive-Job -Job $job -Wait")

    assert output(result) == ["one", "two"]
    assert _job(session).state is JobState.Completed


def test_wait_job_by_id_and_with_a_timeout(session: CommandSession) -> None:
    for _ in range(5):  # job 11 is the sixth job (Ids go two by two)
        run(session, "Start-Job {true}")
    run(session, "Start-Job {sleep 0.3}")

    waited = run(session, "Wait-Job -ID 11")
    assert output(waited)[2].split()[:4] == ["11", "Job11", "BackgroundJob", "Completed"]

    with_timeout = run(session, "Wait-Job -ID 11 -Timeout 120")
    assert with_timeout.succeeded
    assert output(with_timeout)[2].split()[0] == "11"


def test_wait_job_timeout_returns_and_the_job_keeps_running(session: CommandSession) -> None:
    run(session, "$job = Start-Job -ScriptBlock {sleep 30}")

    result = run(session, "Wait-Job -Id 1 -Timeout 1")

    assert result.succeeded
    assert output(result) == []
    assert _job(session).state is JobState.Running


# -- STOPPING A JOB, DELETING A JOB -----------------------------------------------------------


def test_get_eventlog_fails_as_a_job_and_stop_then_remove(session: CommandSession) -> None:
    started = run(session, "$job = Start-Job -ScriptBlock {Get-EventLog -Log System}")
    assert started.succeeded
    job = _job(session)
    wait_until(lambda: job.state.is_finished)
    assert job.state is JobState.Failed
    assert "Windows event log" in str(job.child_jobs[0].job_state_info.reason)

    stopped = run(session, "$job | Stop-Job")
    removed = run(session, "Remove-Job -Job $job")

    assert stopped.succeeded and removed.succeeded
    assert output(run(session, "Get-Job")) == []


def test_stop_job_through_the_pipeline_stops_a_running_job(session: CommandSession) -> None:
    run(session, "$job = Start-Job -ScriptBlock {sleep 30}")

    result = run(session, "$job | Stop-Job")

    assert result.succeeded
    assert _job(session).state is JobState.Stopped
    assert output(run(session, "Remove-Job -Job $job; Get-Job")) == []


# -- INVESTIGATING A FAILED JOB ---------------------------------------------------------------


def test_a_failed_job_and_its_reason(session: CommandSession) -> None:
    run(session, "$job = Start-Job -ScriptBlock {New-Item -Path HKLM:\\Software\\MyCompany}")
    wait_until(lambda: _job(session).state.is_finished)

    table = run(session, "$job")
    reason = run(session, "$job.ChildJobs[0].JobStateInfo.Reason")

    assert output(table) == [
        HEADER,
        UNDERLINE,
        row(1, "Job1", "Failed", False, "New-Item -Path HKLM:\\Software…"),
    ]
    assert output(reason) == [
        "New-Item -Path HKLM: is not available on this system: the HKLM: drive is the Windows "
        "registry, which Linux and macOS do not have."
    ]
    assert output(run(session, "$job.JobStateInfo.Reason")) == []  # the parent's is $null


def test_receiving_a_failed_job_reemits_the_reason_every_time(session: CommandSession) -> None:
    run(session, "$job = Start-Job -ScriptBlock {echo partial; exit 3}")
    wait_until(lambda: _job(session).state.is_finished)

    first = run(session, "Receive-Job -Job $job")
    second = run(session, "Receive-Job -Job $job")

    assert output(first) == ["partial"]
    assert errors(first) == ["Receive-Job: Exit code 3."]
    assert output(second) == []
    assert errors(second) == ["Receive-Job: Exit code 3."]
    assert not second.succeeded
