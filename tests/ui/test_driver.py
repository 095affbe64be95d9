"""Input bytes that are not UTF-8 do no harm, and a crash makes a non-zero exit status."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from typing import Any

import pytest
from textual import events
from textual.app import App

from jobtui.engine import JobEngine
from jobtui.ui.app import exit_status
from jobtui.ui.driver import lenient_incremental_decoder, terminal_driver

from .conftest import AppRunner

#: What the review pasted: Ctrl+A, DEL, then a lead byte with no continuation.
ODD = b"\x01\x7f\xc3\x28 odd"


def test_the_decoder_replaces_invalid_bytes() -> None:
    decode = lenient_incremental_decoder("utf-8")().decode
    assert decode(ODD, final=False) == "\x01\x7f\ufffd( odd"
    # A character split across two reads still comes out whole.
    assert decode(b"caf\xc3", final=False) == "caf"
    assert decode(b"\xa9", final=False) == "é"


def test_a_driver_named_in_the_environment_is_left_to_textual(
    monkeypatch: pytest.MonkeyPatch, engine: JobEngine
) -> None:
    """textual-serve names the web driver in TEXTUAL_DRIVER; the terminal driver would ignore
    it, and draw the browser tab's screen on the app's error stream."""
    monkeypatch.setenv("TEXTUAL_DRIVER", "textual.drivers.web_driver:WebDriver")
    monkeypatch.setattr("textual.constants.DRIVER", "textual.drivers.web_driver:WebDriver")
    assert terminal_driver() is None
    from textual.drivers.web_driver import WebDriver

    from jobtui.ui.app import JobApp

    assert JobApp(engine).driver_class is WebDriver


@pytest.mark.skipif(terminal_driver() is None, reason="no Linux driver on this platform")
async def test_the_terminal_driver_reads_invalid_utf8_without_dying() -> None:
    driver_class = terminal_driver()
    assert driver_class is not None
    driver: Any = driver_class(App())
    keys: list[str] = []
    # What the input thread parses, straight from it (no app needs to run for that).
    driver.process_message = lambda message: (
        keys.append(message.character)
        if isinstance(message, events.Key) and message.character
        else None
    )
    read_end, write_end = os.pipe()
    driver.fileno = read_end
    failures: list[BaseException] = []

    def run() -> None:
        try:
            driver.run_input_thread()
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        os.write(write_end, ODD)
        deadline = time.monotonic() + 5
        while "d" not in keys and thread.is_alive() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        driver.exit_event.set()
        thread.join(5)
        os.close(write_end)
        os.close(read_end)
    assert not failures
    assert "".join(keys).endswith("\ufffd( odd")


async def test_a_crash_makes_a_non_zero_exit_status(run_app: AppRunner) -> None:
    async with run_app() as (app, _pilot):
        app.panic("boom")  # what Textual does when its input thread dies
        for _ in range(100):  # no pilot.pause(): a panicking app processes no more messages
            if app.return_code is not None or not app.is_running:
                break
            await asyncio.sleep(0.05)
    assert exit_status(app) == 1


async def test_quitting_makes_a_zero_exit_status(run_app: AppRunner) -> None:
    async with run_app() as (app, pilot):
        await pilot.press("ctrl+q")
    assert exit_status(app) == 0
