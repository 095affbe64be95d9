"""The registry: every declared cmdlet has a function, every cmdlet function is registered."""

from __future__ import annotations

import importlib
import inspect
import sys
from types import ModuleType

import pytest

from jobtui.commands import CommandSession, registry
from jobtui.commands import cmdlets as declarations
from jobtui.commands.context import Context
from jobtui.commands.declaration import BoundCommand, Cmdlet, Parameter, ParamType
from jobtui.engine import JobEngine


def _declared_in(module: ModuleType) -> set[Cmdlet]:
    return {value for value in vars(module).values() if isinstance(value, Cmdlet)}


def _contributors() -> list[ModuleType]:
    return [importlib.import_module(name) for name in registry.MODULES]


def _cmdlet_functions(module: ModuleType) -> set[object]:
    """The module's own functions shaped like a cmdlet's: ``(context, bound, input)``."""
    found: set[object] = set()
    for name, value in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(value):
            continue
        if value.__module__ != module.__name__:
            continue
        if list(inspect.signature(value).parameters) == ["context", "bound", "input"]:
            found.add(value)
    return found


def test_every_declared_cmdlet_has_a_function() -> None:
    declared = _declared_in(declarations)
    for module in _contributors():
        declared |= _declared_in(module)
    registered = set(registry.registered())

    assert declared - registered == set(), "declared but not registered"
    assert registered - declared == set(), "registered but declared nowhere"
    assert all(callable(registry.function_of(c)) for c in registered)


def test_every_cmdlet_function_is_registered() -> None:
    functions = set(registry.registered().values())
    for module in _contributors():
        unregistered = _cmdlet_functions(module) - functions
        assert not unregistered, f"{module.__name__}: {unregistered}"


def test_names_and_aliases_are_unique_and_all_found() -> None:
    names = registry.command_names()

    assert len({n.lower() for n in names}) == len(names)
    for cmdlet in registry.cmdlets():
        for name in (cmdlet.name, *cmdlet.aliases):
            assert registry.find_cmdlet(name.upper()) is cmdlet
    assert registry.find_cmdlet("Get-Jbo") is None


def test_a_module_contributes_its_cmdlets_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new module is one entry in MODULES: its CMDLETS are found, bound and run."""

    module = ModuleType("jobtui_test_extra_cmdlets")
    ran: list[object] = []
    extra = Cmdlet(
        "Test-Extra",
        ("tex",),
        (Parameter("Value", ParamType.STRING, position=0),),
        ("Default",),
        "Default",
    )

    def extra_function(context: Context, bound: BoundCommand, input: list[object] | None) -> None:
        ran.append(bound.get("Value"))
        context.emit(f"got {bound.get('Value')}")

    module.CMDLETS = {extra: extra_function}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(registry, "MODULES", (*registry.MODULES, module.__name__))
    registry.registered.cache_clear()
    registry._by_name.cache_clear()
    try:
        with JobEngine() as engine:
            result = CommandSession(engine).execute("tex hello")
        assert [line.text for line in result.lines] == ["got hello"]
        assert ran == ["hello"]
    finally:
        monkeypatch.undo()
        registry.registered.cache_clear()
        registry._by_name.cache_clear()
    assert registry.find_cmdlet("Test-Extra") is None
