"""The cmdlets the language runs: each declaration paired with the function that runs it.

Every module listed in :data:`MODULES` contributes cmdlets through a ``CMDLETS`` table, a
``dict`` from each :class:`~jobtui.commands.declaration.Cmdlet` declaration to its function
(``def my_cmdlet(context, bound, input) -> None``). The parser, the binder, completion and the
executor all find cmdlets here, so a cmdlet registered once is known everywhere.

To add a cmdlet:

1. Declare it: a ``Cmdlet(name, aliases, parameters, sets, default_set, summary)`` with its
   ``Parameter`` entries as PowerShell declares them (types, positions, sets, mandatory,
   ``from_pipeline``). Rules between parameters that PowerShell checks before the cmdlet runs go
   in its ``check=`` hook (raise ``bound.fail("PowerShell's words")``).
2. Write its function: it reads ``bound`` (``bound.get``, ``bound.switch``), takes the piped-in
   objects from ``input``, writes objects with ``context.emit``, non-terminating errors with
   ``context.error`` and notices with ``context.info``; it raises ``CommandError`` for a
   terminating error.
3. Put both in the ``CMDLETS`` table of its module. A new module is one more line in
   :data:`MODULES`.

``tests/unit/commands/test_registry.py`` checks that every declared cmdlet has a function, that
every function is registered, and that no two cmdlets share a name or an alias.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from jobtui.commands.declaration import Cmdlet, CmdletFunction

#: The modules that contribute cmdlets, each through its ``CMDLETS`` table, in the order the
#: help lists them.
MODULES: tuple[str, ...] = (
    "jobtui.commands.jobcmdlets",
    "jobtui.commands.queuecmdlets",
    "jobtui.commands.sessioncmdlets",
    "jobtui.commands.pssessioncmdlets",
    "jobtui.commands.formatcmdlets",
    "jobtui.commands.objectcmdlets",
    "jobtui.commands.selectcmdlets",
    "jobtui.commands.summarycmdlets",
    "jobtui.commands.convertcmdlets",
    "jobtui.commands.select_string",
    "jobtui.commands.remotecmdlets",
)


@cache
def registered() -> Mapping[Cmdlet, CmdletFunction]:
    """Every cmdlet with its function, in :data:`MODULES` order (loaded on first use)."""
    table: dict[Cmdlet, CmdletFunction] = {}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        contributed: Mapping[Cmdlet, CmdletFunction] = module.CMDLETS
        for cmdlet, function in contributed.items():
            if cmdlet in table:
                raise RuntimeError(f"{cmdlet.name} is registered twice ({module_name})")
            table[cmdlet] = function
    return MappingProxyType(table)


@cache
def _by_name() -> Mapping[str, Cmdlet]:
    names: dict[str, Cmdlet] = {}
    for cmdlet in registered():
        for name in (cmdlet.name, *cmdlet.aliases):
            key = name.lower()
            if key in names:
                raise RuntimeError(f"{name} names both {names[key].name} and {cmdlet.name}")
            names[key] = cmdlet
    return MappingProxyType(names)


@cache
def _after_pipe() -> Mapping[str, Cmdlet]:
    names = dict(_by_name())
    for cmdlet in registered():
        for alias in cmdlet.pipeline_aliases:
            names.setdefault(alias.lower(), cmdlet)  # a cmdlet's own name or alias comes first
    return MappingProxyType(names)


def cmdlets() -> list[Cmdlet]:
    """Every registered cmdlet, in order."""
    return list(registered())


def find_cmdlet(name: str, *, after_pipe: bool = False) -> Cmdlet | None:
    """The cmdlet called ``name`` (or an alias of it), in any case; None if there is none.

    ``after_pipe``: the word follows a ``|``, where a cmdlet's pipeline aliases name it too.
    """
    return (_after_pipe() if after_pipe else _by_name()).get(name.lower())


def function_of(cmdlet: Cmdlet) -> CmdletFunction:
    """The function that runs ``cmdlet``."""
    return registered()[cmdlet]


def command_names() -> list[str]:
    """Every cmdlet name and alias, names first."""
    everything = cmdlets()
    return [c.name for c in everything] + [a for c in everything for a in c.aliases]
