"""Fixtures for the reliability suite: a real engine, and the bytes a hostile job writes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jobtui.engine import JobEngine


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "reliability" in str(item.fspath):
            item.add_marker(pytest.mark.reliability)


@pytest.fixture
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JobEngine]:
    """An engine with a small memory limit, so that hostile output goes through the spill file."""
    eng = JobEngine(
        grace=0.5,
        guardian=False,
        memory_limit=64 * 1024,
        spill_dir=str(tmp_path_factory.mktemp("spill")),
        shell="/bin/sh",
    )
    yield eng
    eng.shutdown()
