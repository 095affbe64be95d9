"""A real Slurm TIMEOUT: a job that outlives its own time limit is ended by Slurm, and jobtui
says so. Slurm counts limits in whole minutes and looks at them every 30 s, so this takes one
to two minutes."""

from __future__ import annotations

import pytest

from jobtui.engine import JobEngine, JobState
from tests.slurm.test_backend import SLURM, lines, slurm_id

pytestmark = pytest.mark.slow


def test_a_job_past_its_time_limit_is_failed_and_the_reason_says_so(engine: JobEngine) -> None:
    job = engine.start_job(
        "echo started; echo going >&2; sleep 300", location=SLURM, resources={"Time": "0:01"}
    )
    assert engine.wait_job([job], timeout=180) == [job]
    child = job.child_jobs[0]
    assert (job.state, child.state) == (JobState.Failed, JobState.Failed)
    reason = str(child.job_state_info.reason)
    assert reason == (
        f"Slurm job {slurm_id(job)} hit its time limit of 0:01:00 and Slurm ended it: going"
    )
    assert child.job_state_info.reason.signal_name == "SIGTERM"  # type: ignore[union-attr]
    details = child.runner.details.as_dict()  # type: ignore[union-attr]
    assert details["slurm_state"] == "TIMEOUT"
    # The transcript is the files' as Slurm wrote them, its own notice last.
    started, going, notice = [text for _, text in lines(engine, job)]
    assert (started, going) == ("started", "going")
    assert notice.endswith("DUE TO TIME LIMIT ***")
