"""The reactor thread survives a faulty ticker, as it survives a faulty callback."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from jobtui.engine.local.reactor import Reactor

#: Long enough for any reactor round; only a failing test waits this long.
STUCK = 5.0


class Faulty:
    """A ticker with a bug."""

    def __init__(self) -> None:
        self.ticks = 0

    def tick(self, now: float) -> bool:
        self.ticks += 1
        raise RuntimeError("a bug in a ticker")


class Counter:
    """A ticker that wants ``wanted`` ticks."""

    def __init__(self, wanted: int) -> None:
        self.ticks = 0
        self.wanted = wanted
        self.done = threading.Event()

    def tick(self, now: float) -> bool:
        self.ticks += 1
        if self.ticks < self.wanted:
            return True
        self.done.set()
        return False


@pytest.fixture
def reactor() -> Iterator[Reactor]:
    reactor = Reactor()
    yield reactor
    reactor.close()


def test_a_ticker_that_raises_is_logged_dropped_and_the_rest_goes_on(
    reactor: Reactor, caplog: pytest.LogCaptureFixture
) -> None:
    faulty, counter = Faulty(), Counter(3)

    def add() -> None:
        reactor.add_ticker(faulty)
        reactor.add_ticker(counter)

    reactor.call(add)
    assert counter.done.wait(STUCK), "the other ticker stopped ticking"
    called = threading.Event()
    reactor.call(called.set)
    assert called.wait(STUCK), "the reactor stopped running callbacks"
    assert faulty.ticks == 1  # dropped after its error, not raised again ten times a second
    assert reactor.thread.is_alive()
    assert [r.getMessage() for r in caplog.records] == ["reactor ticker failed"]
    assert "a bug in a ticker" in caplog.text


def test_a_callback_that_raises_is_logged_and_the_rest_goes_on(
    reactor: Reactor, caplog: pytest.LogCaptureFixture
) -> None:
    called = threading.Event()

    def faulty() -> None:
        raise RuntimeError("a bug in a callback")

    reactor.call(faulty)
    reactor.call(called.set)
    assert called.wait(STUCK)
    assert [r.getMessage() for r in caplog.records] == ["reactor callback failed"]
