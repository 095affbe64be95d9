"""The checks of settings that need the UI's knowledge: theme names and binding ids.

``jobtui.data.config`` knows no widgets, so it cannot tell a theme or a binding id that does not
exist; these checks can. The app runs the theme's at once (it is cheap) and the keymap's a moment
after its first frame (the ids come from every screen's bindings, and importing the screens the
first frame does not need would slow it); ``jobtui config check`` runs both.
"""

from __future__ import annotations

from collections.abc import Collection

from jobtui.data.config import LoadedConfig, Problem, Source
from jobtui.data.settings import DEFAULT_THEME


def theme_problems(config: LoadedConfig, themes: Collection[str]) -> list[Problem]:
    """The theme set, if no theme of that name exists."""
    theme = config.settings.theme
    if theme in themes:
        return []
    message = f'no theme named "{theme}"; {DEFAULT_THEME} is used (the themes: ctrl+p, "theme")'
    origin = config.origin("theme")
    if origin.source is Source.ENVIRONMENT:
        return [Problem(origin.where, "", message)]
    return [config.problem_at(("theme",), message)]


def keymap_problems(config: LoadedConfig) -> list[Problem]:
    """Each keymap entry whose binding id does not exist, or whose key another binding of the
    same screen keeps."""
    if not config.settings.keymap:
        return []
    from jobtui.ui.keymap import binding_ids, clashes

    def at(binding_id: str, message: str) -> Problem:
        path = config.origin(f"keymap.{binding_id}").key or ("keymap", binding_id)
        return config.problem_at(path, message)

    known = binding_ids()
    keymap = config.settings.keymap
    unknown = [
        at(binding_id, "no binding has this id; ignored (the ids: the help screen, or README)")
        for binding_id in keymap
        if binding_id not in known
    ]
    taken = [
        at(moved, f'"{key}" is also the key of {other}, which loses it (move {other} too)')
        for moved, key, other in clashes(keymap)
    ]
    return unknown + taken


def builtin_themes() -> set[str]:
    """The names of Textual's own themes (those jobtui offers)."""
    from textual.theme import BUILTIN_THEMES

    return set(BUILTIN_THEMES)
