"""The growth watch: told when a watched file is written, and only then."""

from __future__ import annotations

import select
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobtui.engine.local.growth_watch import GrowthWatch, open_growth_watch

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")


@pytest.fixture
def watch() -> Iterator[GrowthWatch]:
    opened = open_growth_watch()
    assert opened is not None, "inotify is not to be had on this Linux"
    yield opened
    opened.close()


def readable(watch: GrowthWatch, timeout: float = 2.0) -> bool:
    return bool(select.select([watch.fileno()], [], [], timeout)[0])


def test_a_write_to_a_watched_file_names_its_token_once(watch: GrowthWatch, tmp_path: Path) -> None:
    quiet, loud = tmp_path / "quiet.log", tmp_path / "loud.log"
    quiet.write_bytes(b"")
    loud.write_bytes(b"")
    assert watch.watch(str(quiet), "quiet") and watch.watch(str(loud), "loud")
    assert not readable(watch, 0.1)
    with loud.open("ab") as out:
        out.write(b"line\n")
    assert readable(watch)
    assert watch.written() == ({"loud"}, False)
    assert watch.written() == (set(), False)  # told once


def test_an_unwatched_file_tells_nothing(watch: GrowthWatch, tmp_path: Path) -> None:
    path = tmp_path / "out.log"
    path.write_bytes(b"")
    assert watch.watch(str(path), 1)
    watch.unwatch(1)
    with path.open("ab") as out:
        out.write(b"x")
    assert watch.written() == (set(), False)


def test_a_missing_file_cannot_be_watched_and_a_removed_one_is_told(
    watch: GrowthWatch, tmp_path: Path
) -> None:
    assert not watch.watch(str(tmp_path / "none.log"), "none")
    path = tmp_path / "out.log"
    path.write_bytes(b"")
    assert watch.watch(str(path), "gone")
    path.unlink()
    assert readable(watch)
    # Its watch went with it: looked at once more (and found gone) by whoever follows it.
    assert watch.written() == ({"gone"}, False)
    assert watch.watch(str(tmp_path / "none.log"), "gone") is False
