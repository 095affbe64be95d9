"""Every key binding of the app by its id: the help screen's key list and the keymap's check.

Each binding carries a stable id (``Binding(..., id="jobs.stop")``) that ``[keymap]`` in
config.toml names to move its keys (Textual's ``App.set_keymap``). The ids are read here from the
classes' own BINDINGS, and what each does from its action's docstring, so the help cannot drift
from the keys. The namespaces: ``app`` (anywhere), ``main`` (the main screen), ``jobs`` (the
keys that act on jobs, with the table focused), ``table`` (moving in the table), ``bar`` (the
command bar), ``output`` (the Output and Console panes), then one per screen or dialog:
``detail``, ``search`` (the Output pane's search box), ``search_all``, ``help``, ``confirm``,
``input``, ``wait``.

The screens and dialogs are imported when this is first used, not at start-up.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.binding import Binding

if TYPE_CHECKING:
    from textual.dom import DOMNode

#: Characters past which a description loses its parenthesis.
LONG = 70
#: Each namespace of binding ids and where its keys work, in the help's order.
AREAS: dict[str, str] = {
    "app": "Anywhere",
    "main": "Main screen",
    "jobs": "Jobs (the table has the focus)",
    "table": "Moving in the job table",
    "bar": "Command bar",
    "output": "Output and Console panes (Tab goes into them; the search keys: Output only)",
    "search": "The Output pane's search box",
    "detail": "Job detail",
    "search_all": "Search every job (Ctrl+F)",
    "help": "Help",
    "confirm": "Confirmation dialogs",
    "quit": "Quit dialog (a session in the host)",
    "input": "Input dialog",
    "wait": "Wait dialog",
}


@dataclass(frozen=True)
class KeyRow:
    """One binding as the help lists it: its id, its keys as shown, and what it does."""

    id: str
    keys: tuple[str, ...]
    description: str

    @property
    def area(self) -> str:
        """The namespace: the id up to its first dot."""
        return self.id.partition(".")[0]


def binding_classes() -> list[type[DOMNode]]:
    """The classes whose BINDINGS make up the app's keys."""
    from jobtui.ui.app import JobApp
    from jobtui.ui.screens.confirm import ConfirmDialog
    from jobtui.ui.screens.detail import JobDetailScreen
    from jobtui.ui.screens.help import HelpScreen
    from jobtui.ui.screens.input_dialog import InputDialog
    from jobtui.ui.screens.main import MainScreen
    from jobtui.ui.screens.pane_search import SearchBox
    from jobtui.ui.screens.quit_dialog import QuitDialog
    from jobtui.ui.screens.search_all import SearchAllScreen
    from jobtui.ui.screens.wait_dialog import WaitDialog, WaitMode
    from jobtui.ui.widgets.command_bar import CommandBar
    from jobtui.ui.widgets.jobs_table import JobsTable
    from jobtui.ui.widgets.output_view import OutputView
    from jobtui.ui.widgets.transcript_view import SearchableView, TranscriptView

    return [
        JobApp,
        MainScreen,
        JobsTable,
        CommandBar,
        OutputView,
        SearchableView,
        TranscriptView,
        SearchBox,
        JobDetailScreen,
        SearchAllScreen,
        HelpScreen,
        ConfirmDialog,
        QuitDialog,
        InputDialog,
        WaitDialog,
        WaitMode,
    ]


def bindings() -> Iterator[tuple[type[DOMNode], Binding]]:
    """Each class's own bindings (not those it inherits from Textual), in order."""
    for cls in binding_classes():
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding):
                yield cls, binding


def binding_ids() -> set[str]:
    """Every id a ``[keymap]`` may name."""
    return {binding.id for _cls, binding in bindings() if binding.id}


def clashes(keymap: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """Each key that ``keymap`` gives a binding and that another binding of the same screen or
    widget still has: (moved id, key, other id). Textual gives the key to the moved binding and
    the other loses it, silently; a swap (both moved) is no clash."""
    from textual.keys import _normalize_key_list

    found: list[tuple[str, str, str]] = []
    for cls in binding_classes():
        own = [b for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, Binding) and b.id]
        keys_of = {
            b.id: _normalize_key_list(keymap.get(b.id, b.key)).split(",") for b in own if b.id
        }
        for moved in keymap:
            for key in keys_of.get(moved, []):
                found.extend(
                    (moved, key, other)
                    for other, keys in keys_of.items()
                    if other != moved and other not in keymap and key in keys
                )
    return found


def _what(cls: type[DOMNode], binding: Binding) -> str:
    """What the binding does: the first line of its action's docstring; the description for an
    action with arguments (``answer(False)``), whose docstring covers every argument."""
    from textual.app import App
    from textual.screen import Screen

    name, _, arguments = binding.action.partition("(")
    owner: type[DOMNode] = cls
    if "." in name:
        namespace, name = name.split(".", 1)
        owner = App if namespace == "app" else Screen
    doc = inspect.getdoc(getattr(owner, f"action_{name}", None))
    if arguments or not doc or doc.startswith("An [action]"):
        return binding.description
    first = " ".join(doc.split("\n\n")[0].split()).rstrip(".")
    # A long first sentence loses its aside: "(made the first time: ...)".
    return first.split(" (")[0] if len(first) > LONG else first


def key_rows(keymap: Mapping[str, str], display: Callable[[Binding], str]) -> list[KeyRow]:
    """Every binding with an id, with the keys ``keymap`` gives it (else its own), each shown
    by ``display`` (the app's ``get_key_display``)."""
    rows: list[KeyRow] = []
    for cls, binding in bindings():
        if not binding.id:
            continue
        moved = keymap.get(binding.id)
        if moved is None and binding.key_display and len(binding.key_display) == 1:
            shown: tuple[str, ...] = (binding.key_display,)
        else:
            keys = (moved or binding.key).split(",")
            shown = tuple(display(binding.with_key(key.strip(), key_display=None)) for key in keys)
        rows.append(KeyRow(binding.id, shown, _what(cls, binding)))
    order = list(AREAS)
    rows.sort(key=lambda row: order.index(row.area) if row.area in order else len(order))
    return rows


def key_list_markdown(rows: list[KeyRow]) -> str:
    """The rows as Markdown: a heading per area, a line per binding (keys, what, id)."""
    lines: list[str] = []
    area = None
    for row in rows:
        if row.area != area:
            area = row.area
            lines += ["", f"### {AREAS.get(area, area)}", ""]
        keys = " ".join(f"`{key}`" for key in row.keys)
        lines.append(f"- {keys} {row.description.rstrip('.')} · `{row.id}`")
    return "\n".join(lines).strip() + "\n"
