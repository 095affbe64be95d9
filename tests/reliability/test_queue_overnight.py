"""A queue left running: chains that fail part-way, hung jobs with time limits, flaky jobs that
retry, all behind one throttle; everything settles as it should and no process is left."""

from __future__ import annotations

from pathlib import Path

from jobtui.engine import JobEngine, JobState
from jobtui.engine.local.processes import SESSION_TAG, tagged_pids

#: Fails the first time it runs in its directory, succeeds the second.
FLAKY = "if [ -e tried ]; then echo ok; else touch tried; exit 1; fi"


def test_a_mixed_queue_settles_and_leaves_no_process(tmp_path: Path) -> None:
    engine = JobEngine(grace=0.3, guardian=False, shell="/bin/sh", spill_dir=str(tmp_path))
    try:
        engine.background_throttle_limit = 4
        expected: dict[int, tuple[JobState, str | None]] = {}
        tops = []
        for chain in range(12):
            work = tmp_path / f"chain{chain}"
            work.mkdir()
            kind = chain % 4
            if kind == 0:  # the first step fails: the rest fail in turn, without running
                first = engine.start_job("echo one; exit 5")
                expected[first.id] = (JobState.Failed, "Exit code 5.")
            elif kind == 1:  # the first step hangs, ignoring SIGTERM: its time runs out
                first = engine.start_job("trap '' TERM; sleep 60", timeout_sec=0.5)
                expected[first.id] = (JobState.Failed, "timed out after 0.5 s")
            elif kind == 2:  # the first step fails once, then its retry succeeds
                first = engine.start_job(
                    FLAKY,
                    working_directory=str(work),
                    maximum_retry_count=2,
                    retry_interval_sec=0.05,
                )
                expected[first.id] = (JobState.Completed, None)
            else:
                first = engine.start_job("echo one")
                expected[first.id] = (JobState.Completed, None)
            second = engine.start_job(f"touch '{work}/second'", depends_on=[first])
            third = engine.start_job(f"touch '{work}/third'", depends_on=[second, first])
            ok = kind in (2, 3)
            expected[second.id] = (
                (JobState.Completed, None)
                if ok
                else (JobState.Failed, f"dependency {first.name} failed")
            )
            expected[third.id] = (
                (JobState.Completed, None)
                if ok
                else (JobState.Failed, f"dependency {second.name} failed")
            )
            tops += [first, second, third]
        done = engine.wait_job(tops, timeout=120)
        assert done == tops, [j for j in tops if not j.state.is_finished]
        for job in tops:
            state, reason = expected[job.id]
            assert (job.state, None if reason is None else str(job.reason)) == (state, reason), job
        for chain in range(12):
            ran = (tmp_path / f"chain{chain}" / "third").exists()
            assert ran is (chain % 4 in (2, 3))
        assert engine.background_throttle_limit == 4
        assert tagged_pids(SESSION_TAG, engine.session_id) == set()
    finally:
        engine.shutdown()
