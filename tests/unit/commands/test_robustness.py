"""Nothing crashes, nothing hangs: unknown properties, blocked jobs, and PowerShell's defaults."""

from __future__ import annotations

from jobtui.commands import CommandSession
from jobtui.engine import JobEngine, JobState

from .support import errors, infos, output, run, wait_until


def _finished_job(session: CommandSession) -> None:
    result = run(session, "$j = Start-Job {echo hi; echo oops >&2} | Wait-Job")
    assert result.succeeded


def test_format_list_of_an_unknown_property_is_blank(session: CommandSession) -> None:
    _finished_job(session)

    result = run(session, "$j | Format-List Nope")

    assert result.succeeded and result.lines == []
    assert output(run(session, "$j | Format-List Nope, Id")) == ["Id : 1"]
    assert output(run(session, "$j | Format-Table Id, Nope")) == ["Id Nope", "-- ----", "1"]
    assert run(session, "$j.Nope").lines == []


def test_the_streams_are_properties_of_every_job(session: CommandSession) -> None:
    _finished_job(session)

    assert output(run(session, "$j | Format-List Output, Error")) == [
        "Output : {}",  # a parent's own collections are empty: its child has the output
        "Error  : {}",
    ]
    assert output(run(session, "$j.ChildJobs[0] | fl Output, Error, Progress, Information")) == [
        "Output      : {hi}",
        "Error       : {oops}",
        "Progress    : {}",
        "Information : {}",
    ]
    listed = output(run(session, "$j | Format-List"))
    labels = [line.split(" :")[0].strip() for line in listed]
    streams = ["Output", "Error", "Progress", "Verbose", "Debug", "Warning", "Information"]
    start = labels.index("PSJobTypeName") + 1
    assert labels[start : start + len(streams)] == streams
    wildcard = output(run(session, "$j | fl W*"))
    assert [line.split(" :")[0].strip() for line in wildcard] == ["Warning", "WorkingDirectory"]


def test_a_long_list_shows_its_first_four_items(session: CommandSession) -> None:
    result = run(session, "$j = Start-Job {seq 10} | Wait-Job; $j.ChildJobs[0] | fl Output")

    assert output(result) == ["Output : {1, 2, 3, 4...}"]


def test_receive_job_wait_on_a_job_waiting_for_input_says_so(
    session: CommandSession, engine: JobEngine
) -> None:
    run(session, 'Start-Job {echo asking; read line; echo "got $line"}')
    job = engine.jobs[0]
    wait_until(lambda: job.state is JobState.Blocked)

    result = run(session, "Receive-Job 1 -Wait")

    assert output(result) == ["asking"]
    assert result.errors == [
        "Receive-Job: Receive-Job cannot finish waiting, because one or more jobs are blocked "
        "waiting for input. The results received so far are shown."
    ]
    assert infos(result) == [
        "jobtui: Job 1 is waiting for input: send a line with Send-JobInput 1 'text', or end "
        "the input with Send-JobInput 1 -Close (jobtui's own cmdlet; in the app, the i key on "
        "the job)."
    ]
    result = run(session, "Send-JobInput 1 hello; Receive-Job 1 -Wait")
    assert result.succeeded and output(result) == ["got hello"]


def test_an_empty_name_keeps_the_default(session: CommandSession, engine: JobEngine) -> None:
    run(session, "Start-Job {true} -Name ''")
    run(session, 'Start-ThreadJob {true} -Name ""')

    assert [job.name for job in engine.jobs] == ["Job1", "Job3"]


def test_start_threadjob_runs_five_at_once_by_default(
    session: CommandSession, engine: JobEngine
) -> None:
    result = run(session, "; ".join(["Start-ThreadJob {sleep 30}"] * 6))

    assert result.succeeded
    assert engine.throttle_limit == 5
    states = [job.state for job in engine.jobs]
    assert states.count(JobState.Running) == 5 and states[-1] is JobState.NotStarted
    run(session, "Start-ThreadJob {true} -ThrottleLimit 8")
    assert engine.throttle_limit == 8  # -ThrottleLimit stays for the session, as in PowerShell
    run(session, "Start-ThreadJob {true}")
    assert engine.throttle_limit == 8


def test_a_parent_whose_only_child_was_stopped_is_completed(
    session: CommandSession, engine: JobEngine
) -> None:
    run(session, "$j = Start-Job {sleep 30}")

    result = run(session, "$j.ChildJobs[0] | Stop-Job; $j.State; $j.ChildJobs[0].State")

    assert errors(result) == []
    assert output(result) == ["Completed", "Stopped"]  # PowerShell's PSRemotingJob rule
    run(session, "$k = Start-Job {sleep 30}; Stop-Job $k")
    assert output(run(session, "$k.State")) == ["Stopped"]
