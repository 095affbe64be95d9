"""The help screen: every key and the command language in short (the text is help.md)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Markdown

from jobtui.ui.keymap import key_list_markdown, key_rows
from jobtui.ui.paths import screen_css_path

HELP_TEXT = (Path(__file__).parent / "help.md").read_text(encoding="utf-8")


def help_text(app: App[object]) -> str:
    """help.md, then every key in effect with its binding id (made from the bindings)."""
    keymap: Mapping[str, str] = getattr(getattr(app, "settings", None), "keymap", {})
    rows = key_rows(keymap, app.get_key_display)
    return f"{HELP_TEXT.rstrip()}\n\n## Keys and their ids\n\n{KEYS_INTRO}\n\n" + (
        key_list_markdown(rows)
    )


KEYS_INTRO = (
    "The keys in effect (your `[keymap]` included) and the id that moves each one: "
    '`[keymap]` in config.toml, e.g. `jobs.stop = "t"` (`jobtui config path` says where).'
)


class HelpScreen(ModalScreen[None]):
    """Shows help.md over the app; Esc, q or ? closes it."""

    CSS_PATH = screen_css_path("help.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "close", "Close", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        """The help text in a scrolling panel."""
        with Vertical(id="help-panel"):
            yield Label("Help  (Esc closes)", classes="dialog-title")
            with VerticalScroll(id="help-scroll"):
                yield Markdown(help_text(self.app), id="help-text")

    def on_mount(self) -> None:
        """Let the arrow keys scroll the text."""
        self.query_one("#help-scroll", VerticalScroll).focus()

    def action_close(self) -> None:
        """Back to where help was asked for."""
        self.dismiss(None)
