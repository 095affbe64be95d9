"""Fixtures for the wire: a private runtime directory and a listener served on a thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from jobtui.host.listener import Handler, Listener


@pytest.fixture
def runtime(tmp_path: Path) -> Path:
    """Where the host's socket and lock go (it makes the directory itself)."""
    return tmp_path / "jobtui"


ServeFactory = Callable[..., Listener]


@pytest.fixture
def serve(runtime: Path) -> Iterator[ServeFactory]:
    """Start a listener with some handlers on a thread; every one is closed after the test."""
    started: list[tuple[Listener, threading.Thread]] = []

    def start(handlers: Mapping[str, Handler] | None = None, **options: object) -> Listener:
        listener = Listener(runtime, handlers or {}, **options)  # type: ignore[arg-type]
        listener.start()
        thread = threading.Thread(target=listener.serve_forever, daemon=True)
        thread.start()
        started.append((listener, thread))
        return listener

    yield start
    for listener, thread in started:
        listener.close()
        thread.join(10)
        assert not thread.is_alive()
