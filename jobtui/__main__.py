"""The command line: ``jobtui`` (the full-screen app), ``jobtui --plain`` (line mode),
``jobtui -c LINE`` (one line), ``jobtui host`` (the session host), ``jobtui config`` and
``jobtui serve`` (the app in a browser).

The app, plain mode and ``-c`` are clients of the user's session host, which they start when
none runs; ``--no-host`` (or ``JOBTUI_NO_HOST=1``) keeps the session in their own process, as
before the host existed.
"""

from __future__ import annotations

import argparse
import gc
import sys
from typing import TYPE_CHECKING, TextIO

from jobtui import __version__

if TYPE_CHECKING:
    from jobtui.service import LocalService


def build_parser() -> argparse.ArgumentParser:
    """jobtui's options."""
    parser = argparse.ArgumentParser(
        prog="jobtui",
        description=(
            "PowerShell's background jobs (Start-Job, Get-Job, Receive-Job, Wait-Job, Stop-Job, "
            "Remove-Job, and the trailing &) for any shell command, in a terminal job monitor."
        ),
        epilog="Example: echo 'Start-Job {sleep 1; echo hi} | Wait-Job | Receive-Job' | "
        "jobtui --plain",
    )
    parser.add_argument("--version", action="version", version=f"jobtui {__version__}")
    parser.add_argument(
        "--plain",
        action="store_true",
        help="read command lines from standard input, one per line, and print the results "
        "(for scripts, pipes and screen readers)",
    )
    parser.add_argument(
        "-c",
        dest="line",
        metavar="LINE",
        help="run LINE in the session host's session, print its results and exit (0, or 1 if "
        "the line failed); the session stays, disconnected, and its jobs go on",
    )
    parser.add_argument(
        "--no-host",
        action="store_true",
        help="keep the session in this process (its jobs end with it); also JOBTUI_NO_HOST=1",
    )
    commands = parser.add_subparsers(
        dest="command", title="commands", metavar="{config,host,serve}"
    )
    config = commands.add_parser("config", help="where the settings are, what they are, and "
                                 "what is wrong with them")  # fmt: skip
    config.add_argument(
        "action",
        choices=["path", "show", "check"],
        help="path: the config file's; show: each setting and where it came from; "
        "check: every problem, with its line and key (exit status 1 if any)",
    )
    host = commands.add_parser(
        "host", help="the session host: run it in the foreground, or its status, or stop it"
    )
    host.add_argument(
        "action",
        nargs="?",
        choices=["run", "status", "stop"],
        default="run",
        help="run (the default): serve in the foreground; status: its pid, version, uptime, "
        "clients and jobs; stop: stop it and its jobs",
    )
    serve = commands.add_parser(
        "serve",
        help="serve jobtui to web browsers (one jobtui per tab), behind a token printed in its "
        "URL; needs the web extra: pip install 'jobtui[web]'",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address or name to listen on (default: %(default)s, this machine only)",
    )
    # Not textual-serve's own 8000, which every other development server takes too.
    serve.add_argument(
        "--port",
        type=port_number,
        default=8765,
        help="the port to listen on; 0 picks a free one (default: %(default)s)",
    )
    return parser


def port_number(text: str) -> int:
    """A TCP port, 0 to 65535, for argparse."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return port


def main(argv: list[str] | None = None) -> int:
    """Run jobtui; returns the process exit status."""
    args = build_parser().parse_args(argv)
    hosted = not args.no_host and not _host_disabled()
    if args.command == "config":
        from jobtui.config_cli import run_config

        return run_config(args.action, sys.stdout)
    if args.command == "host":
        from jobtui.host.cli import run_host_command

        return run_host_command(args.action, sys.stdout, sys.stderr)
    if args.command == "serve":
        from jobtui.web import run_serve

        return run_serve(args.host, args.port, sys.stdout, sys.stderr, hosted=hosted)
    if args.line is not None:
        if not hosted:
            from jobtui.plain import run_plain

            return run_plain(
                _lines(args.line), sys.stdout, sys.stderr, service=plain_service(sys.stderr)
            )
        from jobtui.host.cli import run_one_line

        return run_one_line(args.line, sys.stdout, sys.stderr)
    if args.plain:
        if hosted:
            from jobtui.host.cli import run_hosted_plain

            return run_hosted_plain(sys.stdin, sys.stdout, sys.stderr)
        from jobtui.plain import run_plain

        return run_plain(sys.stdin, sys.stdout, sys.stderr, service=plain_service(sys.stderr))
    attaching = None
    if hosted:
        # Reach the host while the app's modules load (its round trips wait, the imports work).
        from jobtui.host.autostart import attach_in_background

        attaching = attach_in_background("app")
    # Importing the app makes a few hundred thousand objects (modules, classes, styles) that live
    # as long as the process. The cyclic collector would scan them again and again, for nothing
    # (a tenth of the start-up): it stays off while they are made, and they are then frozen out
    # of its way. It stays off while the first frame is made too (the screen, its widgets and
    # styles: as long-lived, and some 50 collections for nothing): the app turns it back on
    # once that frame is drawn (run_app, JobApp's freeze_after_start).
    gc.disable()
    try:
        from jobtui.ui.app import run_app
    except BaseException:
        gc.enable()
        raise
    gc.freeze()
    return run_app(hosted=hosted, attaching=attaching)


def _host_disabled() -> bool:
    import os

    value = os.environ.get("JOBTUI_NO_HOST", "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


def _lines(line: str) -> TextIO:
    import io

    return io.StringIO(line + "\n")


def plain_service(stderr: TextIO) -> LocalService:
    """Plain mode's session in this process, on the user's settings (the engine's options and
    the named locations); what is wrong with them, in one line."""
    from jobtui.data.config import load_config
    from jobtui.engine import JobEngine
    from jobtui.service import LocalService

    config = load_config()
    summary = config.summary()
    if summary:
        stderr.write(f"jobtui: {summary}\n")
    settings = config.settings
    return LocalService(JobEngine(**settings.engine_options()), locations=settings.locations)


if __name__ == "__main__":
    sys.exit(main())
