"""Errors logged by engine threads go to a file and come back as one line, never to stderr."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from pathlib import Path

from jobtui.data.logs import start_logging
from jobtui.data.paths import default_history_path, default_log_path
from jobtui.engine import JobEngine

from .conftest import AppRunner, until

ROOT = Path(__file__).resolve().parents[2]


def test_the_log_file_lives_beside_the_history() -> None:
    env = {"XDG_STATE_HOME": "/somewhere/state"}
    assert default_log_path(env) == Path("/somewhere/state/jobtui/jobtui.log")
    assert default_log_path(env).parent == default_history_path(env).parent


async def test_a_failing_listener_is_logged_to_the_file_and_announced_in_one_line(
    run_app: AppRunner, engine: JobEngine, tmp_path: Path
) -> None:
    path = tmp_path / "state" / "jobtui" / "jobtui.log"
    logs = start_logging(path)
    try:

        def broken(event: object) -> None:
            raise RuntimeError("listener bug")

        async with run_app(error_notices=logs.notices) as (app, pilot):
            engine.subscribe(broken)
            job = engine.start_job("echo hi")  # its events reach the listener on engine threads
            engine.wait_job([job])

            def notices() -> list[str]:
                return [n.message for n in app._notifications if n.message.startswith("jobtui:")]

            await until(pilot, notices)
            await pilot.pause(0.6)
            # One notice for all the errors since the last look (the job's events come in a
            # burst, so a few looks at most), each one line naming the file.
            assert 1 <= len(notices()) <= 3
            for message in notices():
                assert message.endswith(f"internal error, see {path}") or message.endswith(
                    f"internal errors, see {path}"
                )
                assert "\n" not in message
            assert all(n.severity == "error" for n in app._notifications if n.message in notices())
    finally:
        logs.close()
    text = path.read_text(encoding="utf-8")
    assert "job listener failed" in text and "RuntimeError: listener bug" in text
    assert logs.notices not in logging.getLogger().handlers  # closed: taken away again


def test_an_engine_error_never_reaches_stderr(tmp_path: Path) -> None:
    """In a process of its own: pytest's log capture would hide the last-resort handler."""
    path = tmp_path / "jobtui.log"
    script = textwrap.dedent(
        f"""
        import logging, threading
        from pathlib import Path
        from jobtui.data.logs import start_logging

        logs = start_logging(Path({str(path)!r}))
        worker = threading.Thread(
            target=lambda: logging.getLogger("jobtui.engine.reactor").error("reactor failed")
        )
        worker.start()
        worker.join()
        assert [r.getMessage() for r in logs.notices.drain()] == ["reactor failed"]
        logs.close()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "reactor failed" in path.read_text(encoding="utf-8")
