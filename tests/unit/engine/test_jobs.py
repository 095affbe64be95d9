"""Start-Job, the job object, failure reasons, receive and HasMoreData, against real processes."""

from __future__ import annotations

import os
import uuid

import pytest

from jobtui.engine import (
    BACKGROUND_JOB,
    THREAD_JOB,
    JobAdded,
    JobEngine,
    JobEvent,
    JobOutputAdded,
    JobState,
    JobStateChanged,
    Stream,
    WorkingDirectoryNotFoundError,
)

from .conftest import finish


def test_ids_names_and_properties_follow_powershell(engine: JobEngine) -> None:
    first = engine.start_job("echo one")
    second = engine.start_job(" echo two ", name="Second")
    assert (first.id, first.child_jobs[0].id, second.id) == (1, 2, 3)
    assert (first.name, first.child_jobs[0].name, second.name) == ("Job1", "Job2", "Second")
    assert second.child_jobs[0].name == "Job4"  # -Name names the parent only
    assert first.ps_job_type_name == BACKGROUND_JOB and first.child_jobs[0].ps_job_type_name == ""
    assert first.location == "localhost"
    assert second.command == " echo two "  # as typed, whitespace kept
    assert isinstance(first.instance_id, uuid.UUID)
    assert first.instance_id != first.child_jobs[0].instance_id
    assert first.state in (JobState.Running, JobState.Completed)  # never NotStarted
    finish(engine, first, second)
    assert first.state is JobState.Completed
    assert first.ps_begin_time and first.ps_end_time and first.ps_begin_time <= first.ps_end_time
    assert first.get_property("HASMOREDATA") is True
    assert first.get_property("ChildJobs")[0].get_property("ExitCode") == 0


def test_output_and_error_streams_keep_their_interleaving(engine: JobEngine) -> None:
    job = engine.start_job("echo out1; sleep 0.3; echo err1 >&2; sleep 0.3; echo out2")
    finish(engine, job)
    got = list(engine.receive_job([job]).lines())
    assert got == [(Stream.Output, "out1"), (Stream.Error, "err1"), (Stream.Output, "out2")]


def test_receive_consumes_keep_keeps_and_has_more_data_flips(engine: JobEngine) -> None:
    job = engine.start_job("echo a; echo b")
    finish(engine, job)
    assert job.has_more_data
    assert [t for _, t in engine.receive_job([job], keep=True).lines()] == ["a", "b"]
    assert job.has_more_data  # -Keep changes nothing
    assert [t for _, t in engine.receive_job([job]).lines()] == ["a", "b"]
    assert not job.has_more_data and not job.child_jobs[0].has_more_data
    assert list(engine.receive_job([job]).lines()) == []
    transcript = job.transcript
    assert transcript is not None and transcript.lines(0, 5) == [
        (Stream.Output, "a"),
        (Stream.Output, "b"),
    ]  # consumed, not lost


def test_receive_of_a_running_job_gives_partial_results_then_the_rest(engine: JobEngine) -> None:
    job = engine.start_job("echo first; read _ignored; echo second")
    for _ in range(100):
        if job.transcript and job.transcript.line_count:
            break
        engine.wait_job([job], timeout=0.05)
    assert [t for _, t in engine.receive_job([job]).lines()] == ["first"]
    assert job.has_more_data  # running: the stream is open
    engine.close_input(job)
    finish(engine, job)
    assert [t for _, t in engine.receive_job([job]).lines()] == ["second"]
    assert not job.has_more_data


def test_no_recurse_on_a_parent_returns_nothing(engine: JobEngine) -> None:
    job = engine.start_job("echo x")
    finish(engine, job)
    assert list(engine.receive_job([job], no_recurse=True).lines()) == []
    assert [t for _, t in engine.receive_job([job]).lines()] == ["x"]


def test_nonzero_exit_fails_with_reason_on_the_child_only(engine: JobEngine) -> None:
    job = engine.start_job("echo working; echo 'disk full' >&2; exit 3")
    finish(engine, job)
    child = job.child_jobs[0]
    assert job.state is JobState.Failed and child.state is JobState.Failed
    assert job.job_state_info.reason is None
    reason = child.job_state_info.reason
    assert reason is not None and str(reason) == "Exit code 3: disk full"
    assert reason.exit_code == 3 and child.process.exit_code == 3
    received = engine.receive_job([job])
    assert [str(f) for f in received.failures] == ["Exit code 3: disk full"]
    assert [str(f) for f in engine.receive_job([job]).failures] == ["Exit code 3: disk full"]


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("kill -9 $$", "Terminated by SIGKILL."),
        ("no-such-command-xyz", "Command not found (exit code 127): "),
        ("sh -c 'kill -TERM $$'; exit $?", "Exit code 143 (a process was killed by SIGTERM)"),
    ],
)
def test_reasons_read_as_sentences(engine: JobEngine, command: str, reason: str) -> None:
    job = engine.start_job(command)
    finish(engine, job)
    assert job.state is JobState.Failed
    assert job.reason is not None and str(job.reason).startswith(reason)
    if "not found" in reason:
        assert "no-such-command-xyz" in str(job.reason)


def test_signal_name_is_recorded(engine: JobEngine) -> None:
    job = engine.start_job("kill -INT $$")
    finish(engine, job)
    assert job.child_jobs[0].process.signal == "SIGINT"
    assert job.child_jobs[0].process.exit_code is None


def test_odd_bytes_never_raise(engine: JobEngine) -> None:
    job = engine.start_job(r"printf 'caf\351\n\000\377end\n'")
    finish(engine, job)
    assert job.state is JobState.Completed
    lines = [t for _, t in engine.receive_job([job]).lines()]
    assert lines == ["caf\ufffd", "\x00\ufffdend"]


def test_working_directory_environment_arguments_and_input(
    engine: JobEngine, tmp_path: pytest.TempPathFactory
) -> None:
    job = engine.start_job(
        'pwd; echo "$GREETING"; echo "$2-$1"; cat',
        working_directory=str(tmp_path),
        environment={"GREETING": "hello"},
        argument_list=["a", "b c"],
        input=b"from stdin\n",
    )
    finish(engine, job)
    assert [t for _, t in engine.receive_job([job]).lines()] == [
        os.path.realpath(str(tmp_path)),
        "hello",
        "b c-a",
        "from stdin",
    ]
    assert job.child_jobs[0].process.cwd == str(tmp_path)


def test_initialization_script_runs_first_in_the_same_shell(engine: JobEngine) -> None:
    job = engine.start_job('echo "$X"', initialization_script="X=ready")
    finish(engine, job)
    assert [t for _, t in engine.receive_job([job]).lines()] == ["ready"]


def test_missing_working_directory_is_a_terminating_error(engine: JobEngine) -> None:
    with pytest.raises(WorkingDirectoryNotFoundError, match="Cannot find the WorkingDirectory"):
        engine.start_job("true", working_directory="/no/such/dir")
    assert engine.jobs == []


def test_a_missing_shell_fails_the_job_with_a_reason() -> None:
    with JobEngine(shell="/no/such/shell", guardian=False) as eng:
        job = eng.start_job("echo hi")
        assert job.state is JobState.Failed
        assert str(job.reason) == (
            "The shell /no/such/shell could not be started: No such file or directory."
        )
        assert not job.has_more_data


def test_get_process_runs_in_process_as_a_child_of_a_background_job(engine: JobEngine) -> None:
    job = engine.start_job("Get-Process")
    finish(engine, job)
    assert job.ps_job_type_name == BACKGROUND_JOB and job.state is JobState.Completed
    assert job.child_jobs[0].process.pid is None  # no subprocess
    lines = [t for _, t in engine.receive_job([job]).lines()]
    assert lines[0].split() == [
        "Handles", "NPM(K)", "PM(K)", "WS(K)", "VM(M)", "CPU(s)", "Id", "ProcessName",
    ]  # fmt: skip
    assert any(line.split()[-2] == str(os.getpid()) for line in lines[2:])


@pytest.mark.parametrize("arguments", ["-Milliseconds 300", "-ms 300", "-Mil 300", "0.3"])
def test_start_sleep_built_in_reads_its_unit(engine: JobEngine, arguments: str) -> None:
    job = engine.start_job(f"Start-Sleep {arguments}")
    assert engine.wait_job([job], timeout=0.1) == []
    assert engine.wait_job([job], timeout=5) == [job]
    assert job.state is JobState.Completed


def test_thread_job_has_no_children_and_its_own_reason(engine: JobEngine) -> None:
    job = engine.start_job("Get-EventLog -Log System", job_type=THREAD_JOB)
    finish(engine, job)
    assert job.ps_job_type_name == THREAD_JOB and job.location == "PowerShell"
    assert job.child_jobs == [] and job.state is JobState.Failed
    assert "Windows event log" in str(job.job_state_info.reason)
    assert not job.has_more_data  # it only failed: nothing to receive but the error


def test_windows_registry_job_fails_as_about_jobs_describes(engine: JobEngine) -> None:
    job = engine.start_job(r"New-Item -Path HKLM:\Software\MyCompany")
    finish(engine, job)
    assert (job.state, job.has_more_data) == (JobState.Failed, False)
    assert "registry" in str(job.child_jobs[0].job_state_info.reason)


def test_remote_computers_fail_with_a_reason_that_suggests_ssh(engine: JobEngine) -> None:
    job = engine.start_job("Invoke-Command -ComputerName Server01 -ScriptBlock {Get-Date} -AsJob")
    finish(engine, job)
    assert job.state is JobState.Failed
    assert "PowerShell remoting" in str(job.reason) and "ssh" in str(job.reason)


def test_listeners_hear_states_and_output(engine: JobEngine) -> None:
    events: list[JobEvent] = []
    unsubscribe = engine.subscribe(events.append)
    job = engine.start_job("echo hi")
    finish(engine, job)
    unsubscribe()
    assert isinstance(events[0], JobAdded) and events[0].job is job
    changes = [(e.job.id, e.current.state) for e in events if isinstance(e, JobStateChanged)]
    assert (2, JobState.Running) in changes and (1, JobState.Running) in changes
    assert changes.index((2, JobState.Completed)) < changes.index((1, JobState.Completed))
    assert any(isinstance(e, JobOutputAdded) and e.job is job for e in events)
    count = len(events)
    engine.start_job("true")
    assert len(events) == count


def test_a_failing_listener_does_not_stop_jobs(engine: JobEngine) -> None:
    def broken(event: JobEvent) -> None:
        raise RuntimeError("listener bug")

    engine.subscribe(broken)
    job = engine.start_job("echo fine")
    finish(engine, job)
    assert job.state is JobState.Completed
