"""The headless packages load no UI: each is imported, every module of it, in a fresh interpreter.

The import-linter contracts in pyproject.toml prove the same of the source's import statements;
this proves it of what actually ends up loaded, lazy and conditional imports included.
(tests/unit/engine/test_hygiene.py is the other kind of hygiene: no leaked thread, descriptor
or process.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import jobtui

ROOT = Path(jobtui.__file__).resolve().parents[1]

#: Imports a package and every module in it, then prints the names of all loaded modules.
_PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(info.name)
print(json.dumps(sorted(sys.modules)))
"""


def loaded_after_importing(package: str) -> list[str]:
    """Every module loaded once ``package`` and all its modules are imported, from scratch."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, package],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    modules: list[str] = json.loads(done.stdout)
    return modules


def printed_by(probe: str) -> list[str]:
    """The words ``probe`` prints, run in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def within(modules: list[str], *packages: str) -> list[str]:
    """The modules that are one of ``packages`` or inside one."""
    return [m for m in modules if any(m == p or m.startswith(f"{p}.") for p in packages)]


@pytest.mark.parametrize("package", ["jobtui.engine", "jobtui.commands", "jobtui.data"])
def test_a_headless_package_loads_neither_textual_nor_rich(package: str) -> None:
    loaded = loaded_after_importing(package)
    assert len(within(loaded, package)) > 5  # the walk reached its modules, not just the package
    assert within(loaded, "textual", "rich", "jobtui.ui") == []


def test_the_engine_loads_no_command_language() -> None:
    loaded = loaded_after_importing("jobtui.engine")
    assert "jobtui.engine.local.runners" in loaded
    assert within(loaded, "jobtui.commands") == []


def test_psutil_is_loaded_only_when_it_is_needed() -> None:
    """The engine imports psutil inside the functions that use it: the app starts faster."""
    assert within(loaded_after_importing("jobtui.engine"), "psutil") == []


def test_the_engine_loads_search_and_progress_only_when_used() -> None:
    """Search (its patterns and ripgrep runner, about 13 ms) and the progress parser load when
    first used, not with the engine: the app's first frame needs neither."""
    probe = (
        "import sys, jobtui.engine as e\n"
        "before = sorted(m for m in sys.modules if m.startswith(('jobtui.engine.search', "
        "'jobtui.engine.progress')))\n"
        "hit = e.SearchHit\n"
        "print(before, 'jobtui.engine.search' in sys.modules, hit.__name__)\n"
    )
    assert printed_by(probe) == ["[]", "True", "SearchHit"]


def test_the_engine_package_loads_nothing_until_a_name_is_used() -> None:
    """A front end that only reads states (the app attached to a host, any first frame) does
    not pay for the engine's machinery."""
    probe = (
        "import sys, jobtui.engine as e\n"
        "first = sorted(m for m in sys.modules if m.startswith('jobtui.engine.'))\n"
        "e.JobState\n"
        "second = sorted(m for m in sys.modules if m.startswith('jobtui.engine.'))\n"
        "print(first, second)\n"
    )
    assert printed_by(probe) == ["[]", "['jobtui.engine.states']"]


def test_every_public_engine_name_has_one_home_that_holds_it() -> None:
    """``__all__``, the lazy table and the imports mypy reads name the same things, and each
    name is found where the table says (a name added to one list only fails here)."""
    import ast

    import jobtui.engine as engine

    source = Path(engine.__file__).read_text(encoding="utf-8")
    typed: dict[str, str] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("jobtui.engine."):
            for alias in node.names:
                typed[alias.name] = (node.module or "").removeprefix("jobtui.engine.")
    homes = engine._HOMES
    assert sorted(engine.__all__) == sorted(homes) == sorted(typed)
    assert homes == typed
    for name in engine.__all__:
        assert getattr(engine, name) is not None
