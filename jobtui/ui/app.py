"""The app: composition, bindings and wiring. Behaviour lives in the screens and widgets."""

from __future__ import annotations

import gc
import logging
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.notifications import SeverityLevel
from textual.screen import Screen

from jobtui.data.config import LoadedConfig, load_config, problems_summary
from jobtui.data.line_history import CommandHistory
from jobtui.data.logs import ErrorNotices, start_logging
from jobtui.data.paths import default_history_path, default_log_path
from jobtui.data.settings import COLUMN_NAMES, DEFAULT_THEME, Settings
from jobtui.service import JobService, LocalService
from jobtui.ui.actions import tree_preview
from jobtui.ui.config_checks import keymap_problems, theme_problems
from jobtui.ui.driver import terminal_driver
from jobtui.ui.formatting import Clock, JobFormatter
from jobtui.ui.palette import JobCommands
from jobtui.ui.paths import css_paths
from jobtui.ui.sanitize import plain, plain_lines
from jobtui.ui.screens.main import MainScreen
from jobtui.ui.signals import exit_on_signals

if TYPE_CHECKING:
    from jobtui.engine import JobEngine
    from jobtui.engine.snapshot import JobSnapshot
    from jobtui.host.autostart import Attaching

logger = logging.getLogger(__name__)

#: Characters a notification keeps (a toast shows one line of them, cut with an ellipsis).
NOTIFY_WIDTH = 200
#: The longest a notification stays, in seconds, whatever its caller asks.
NOTIFY_MAX_TIMEOUT = 6.0
#: Seconds between looks for errors that threads have logged.
ERRORS_INTERVAL = 0.5
#: Seconds from the start to checking the keymap's ids and reporting bad settings: after the
#: first frame, which need not wait for the screens the ids come from.
SETTINGS_CHECK_DELAY = 0.3


class JobApp(App[int]):
    """jobtui's full-screen app over one session's jobs: a :class:`JobService`, or an engine
    served in this process (either made by the caller, who shuts it down).

    With ``handle_signals``, SIGTERM and SIGHUP make it exit (the command line wants that; a
    test that runs it inside its own process does not).
    """

    CSS_PATH = css_paths()
    TITLE = "jobtui"
    NOTIFICATION_TIMEOUT = 3.0
    COMMANDS = App.COMMANDS | {JobCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit"),
    ]

    def __init__(
        self,
        engine: JobEngine | None = None,
        *,
        service: JobService | None = None,
        clock: Clock = datetime.now,
        history_path: Path | None = None,
        formatter: JobFormatter | None = None,
        handle_signals: bool = False,
        error_notices: ErrorNotices | None = None,
        config: LoadedConfig | None = None,
        disconnect: Callable[[], None] | None = None,
        freeze_after_start: bool = False,
    ) -> None:
        super().__init__(driver_class=terminal_driver())
        #: The app is its process's (``run_app``): what the first frame made lives as long as
        #: the process, and is frozen out of the cyclic collector's way. Not in tests, where
        #: many apps come and go in one process and a frozen app would never be collected.
        self._freeze_after_start = freeze_after_start
        #: The settings read at start (None: the defaults, and nothing is saved: what tests and
        #: pictures want, so that no user's config.toml can change them).
        self.config = config
        self.settings = config.settings if config is not None else Settings()
        self._config_problems = list(config.problems) if config is not None else []
        self._apply_looks()
        if service is None:
            if engine is None:
                raise TypeError("JobApp needs an engine or a service")
            service = LocalService(engine)
        #: The app's only door to the jobs.
        self.service = service
        self.formatter = formatter or JobFormatter(clock)
        history_dir = self.settings.history_dir
        self.history = CommandHistory(
            history_path or (history_dir / "history" if history_dir else default_history_path())
        )
        self._handle_signals = handle_signals
        #: Leaves a hosted session running when the app ends (None: the session is not
        #: hosted); the quit dialog offers it as a third answer.
        self.disconnect = disconnect
        self._undo_signals: Callable[[], None] | None = None
        self.error_notices = error_notices

    def _apply_looks(self) -> None:
        """The theme and the keymap of the settings (a theme that does not exist: the default,
        and a problem to report)."""
        if self.config is not None:
            self._config_problems += theme_problems(self.config, self.available_themes)
        theme = self.settings.theme
        self.theme = theme if theme in self.available_themes else DEFAULT_THEME
        self._theme_saved = self.theme
        self._save_lock = threading.Lock()
        self.set_keymap(self.settings.keymap)

    def get_default_screen(self) -> MainScreen:
        """The main screen is the first on the stack (not pushed over a blank one: a second
        screen to style and show would slow the first frame).

        Textual does not load a default screen's own CSS_PATH: main.tcss stays in the app's.
        """
        settings = self.settings
        columns = None if settings.columns == COLUMN_NAMES else settings.columns
        return MainScreen(
            self.service, self.history, self.formatter, keep=settings.keep, columns=columns
        )

    def on_mount(self) -> None:
        """Remember the theme picked; say what the settings got wrong; exit on signals if
        asked."""
        self.watch(self, "theme", self._theme_picked, init=False)
        if self.config is not None:
            self.set_timer(SETTINGS_CHECK_DELAY, self._check_settings)
        if self.error_notices is not None:
            self.set_interval(ERRORS_INTERVAL, self._announce_errors)
        self.set_timer(SETTINGS_CHECK_DELAY, self._say_session_notices)
        if self._freeze_after_start:
            self.set_timer(SETTINGS_CHECK_DELAY, self._freeze_long_lived)
        if self._handle_signals:
            self._undo_signals = exit_on_signals(self)

    def _freeze_long_lived(self) -> None:
        """Move what the first frame made (screens, widgets, styles: they live as long as the
        app) out of the cyclic collector's way, as ``__main__`` does for the modules: each full
        collection walked them again, 5 ms of the app's thread that a followed flood paid
        every second or so. The collector, which ``__main__`` leaves off until the first frame
        is drawn, runs again from here."""
        gc.collect()
        gc.freeze()
        gc.enable()

    def on_unmount(self) -> None:
        """Restore the signals (the jobs are shut down by whoever made the service)."""
        if self._undo_signals is not None:
            self._undo_signals()
            self._undo_signals = None

    def _check_settings(self) -> None:
        """Check the keymap's binding ids (unknown ones do nothing), then say in one line what
        was wrong with the settings, if anything."""
        assert self.config is not None
        problems = [*self._config_problems, *keymap_problems(self.config)]
        line = problems_summary(problems, brief=True)
        if line:
            self.notify(line, severity="warning", timeout=NOTIFY_MAX_TIMEOUT, markup=False)

    def _say_session_notices(self) -> None:
        """Say what went wrong when the session's history was restored (a corrupt file moved
        aside, jobs lost meanwhile): one toast each, once, to the first front end."""
        for notice in self.service.take_notices():
            self.notify(notice, severity="warning", timeout=NOTIFY_MAX_TIMEOUT, markup=False)

    def _theme_picked(self, theme: str) -> None:
        """Remember the theme picked (in the palette) in config.toml, off the UI thread: the
        first save loads tomlkit (about 20 ms)."""
        if self.config is None or theme == self._theme_saved:
            return
        self._theme_saved = theme
        self.run_worker(
            partial(self._save_theme, self.config.path),
            thread=True,
            group="settings",
            exit_on_error=False,
        )

    def _save_theme(self, path: Path) -> None:
        """Write the theme last picked (two quick picks: the saves take turns, the last wins)."""
        from jobtui.data.config_write import ConfigNotSaved, save_setting

        with self._save_lock:
            try:
                save_setting(path, "theme", self._theme_saved)
            except ConfigNotSaved as exc:
                self.call_from_thread(
                    self.notify, f"Theme not remembered: {exc}", severity="warning", markup=False
                )
            except Exception:
                # A bug, not the file: logged, and the log's notice says so.
                logger.exception("the theme was not saved to %s", path)

    def _announce_errors(self) -> None:
        """Say, in one line, that errors were logged (by any thread) since the last look."""
        assert self.error_notices is not None
        records = self.error_notices.drain()
        if records:
            self.notify(self.error_notices.notice(records), severity="error", markup=False)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a notification: one short line, briefly, with no escape in it.

        The title leads the line (a toast would give it a line of its own); the text is cut to
        :data:`NOTIFY_WIDTH` characters, as it quotes job names, commands and Reasons of any
        length. The toasts stand at the bottom right, over the pane's right half (tcss/app.tcss),
        not over the job table, and go after at most :data:`NOTIFY_MAX_TIMEOUT` seconds.
        """
        text = " ".join(plain_lines(message).split())
        head = " ".join(plain_lines(title).split())
        if head:
            text = f"{escape(head) if markup else head}: {text}" if text else head
        if len(text) > NOTIFY_WIDTH:
            text = text[: NOTIFY_WIDTH - 1] + "…"
        super().notify(
            text,
            severity=severity,
            timeout=min(timeout or self.NOTIFICATION_TIMEOUT, NOTIFY_MAX_TIMEOUT),
            markup=markup,
        )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's commands, and help."""
        yield from super().get_system_commands(screen)
        if isinstance(screen, MainScreen):
            yield SystemCommand(
                "Show help", "Every key and the command language", screen.action_help
            )

    async def action_quit(self) -> None:
        """Quit; with jobs still running, ask whether to stop them first."""
        main = next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)
        jobs = self.service.changes(-1).changed if main is None else main.pull.jobs.values()
        running = [job for job in jobs if not job.state.is_finished]
        if not running:
            self.exit(0)
            return
        names = ", ".join(plain(job.name) for job in running[:5])
        names += "…" if len(running) > 5 else ""
        # Jobs elsewhere (a cluster's) end too, and are worth counting: they are not this
        # machine's, and a user may have meant to leave them running.
        away: dict[str, int] = {}
        for job in running:
            if job.location not in ("localhost", "PowerShell"):
                away[job.location] = away.get(job.location, 0) + 1
        where = ", ".join(f"{count} on {location}" for location, count in away.items())
        names += f" ({where})" if where else ""
        if self.disconnect is not None:
            await self._ask_hosted_quit(main, running, names)
            return

        def answered(stop: bool | None) -> None:
            if stop:
                if main is not None:
                    main.stop_in_background([job.id for job in running])
                self.exit(0)

        from jobtui.ui.screens.confirm import ConfirmDialog

        await self.push_screen(
            ConfirmDialog(
                "Quit jobtui?",
                f"{len(running)} job(s) still running: {names}. Stop them and quit?",
                detail=tree_preview(running, self.service.grace),
                confirm="Stop jobs and quit",
            ),
            answered,
        )

    async def _ask_hosted_quit(
        self, main: MainScreen | None, running: list[JobSnapshot], names: str
    ) -> None:
        """Stop the running jobs and quit, or disconnect (they go on in the host), or stay."""
        from jobtui.ui.screens.quit_dialog import QuitAnswer, QuitDialog

        def answered(answer: QuitAnswer | None) -> None:
            if answer is QuitAnswer.STOP:
                if main is not None:
                    main.stop_in_background([job.id for job in running])
                self.exit(0)
            elif answer is QuitAnswer.DISCONNECT and self.disconnect is not None:
                self.disconnect()
                self.exit(0)

        await self.push_screen(
            QuitDialog(
                f"{len(running)} job(s) still running: {names}. Stop them and quit, or "
                "disconnect and leave them running in the session host?",
                detail=tree_preview(running, self.service.grace),
            ),
            answered,
        )


def run_app(
    *, log_path: Path | None = None, hosted: bool = False, attaching: Attaching | None = None
) -> int:
    """Run the app with the user's settings, on the session host's session (``hosted``: it is
    started if none runs) or on a new engine in this process; an in-process session's jobs are
    stopped when the app ends (SIGTERM and SIGHUP too), a hosted one's when its last attached
    client leaves without disconnecting.

    Log records go to ``log_path`` (``$XDG_STATE_HOME/jobtui/jobtui.log`` by default), never to
    the terminal the app draws on. ``attaching`` is an attach to the host begun before the
    app's imports (see ``jobtui.__main__``).
    """
    config = load_config()
    lost: list[str] = []
    disconnect: Callable[[], None] | None = None
    service: JobService
    if hosted:
        from jobtui.ui.hosting import attach_to_host

        host_service = attach_to_host(attaching)
        if host_service is None:
            return 1
        service, disconnect = host_service, host_service.disconnect
    else:
        service = LocalService.new(
            locations=config.settings.locations, **config.settings.engine_options()
        )
    logs = start_logging(log_path or default_log_path())
    try:
        app = JobApp(
            service=service,
            handle_signals=True,
            error_notices=logs.notices,
            freeze_after_start=True,
            config=config,
            disconnect=disconnect,
        )
        if hosted:
            from jobtui.ui.hosting import end_on_host_lost

            end_on_host_lost(app, service, lost)
        app.run(mouse=config.settings.mouse)
    finally:
        gc.enable()  # off since the imports (see jobtui.__main__), if the app ended before
        service.shutdown()
        logs.close()
    if lost:
        print(f"jobtui: {lost[0]}", file=sys.stderr)
        return 1
    if app.return_code is None:
        # A panic: Textual has restored the terminal and printed the error above.
        print("jobtui: stopped by an internal error (above)", file=sys.stderr)
    return exit_status(app)


def exit_status(app: JobApp) -> int:
    """The process's exit status once ``app`` has ended: 1 if it crashed.

    ``App.exit`` sets a return code (quitting 0, a signal 128 + its number) and an unhandled
    exception sets 1, but a panic (how Textual ends when its input thread dies) sets none.
    """
    code = app.return_code
    return 1 if code is None else code
