"""The command line: ``jobtui`` (the full-screen app), ``jobtui --plain`` (line mode)."""

from __future__ import annotations

import argparse
import gc
import sys

from jobtui import __version__


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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run jobtui; returns the process exit status."""
    args = build_parser().parse_args(argv)
    if args.plain:
        from jobtui.plain import run_plain

        return run_plain(sys.stdin, sys.stdout, sys.stderr)
    # Importing the app makes a few hundred thousand objects (modules, classes, styles) that live
    # as long as the process. The cyclic collector would scan them again and again, for nothing
    # (a tenth of the start-up): it stays off while they are made, and they are then frozen out
    # of its way.
    gc.disable()
    try:
        from jobtui.ui.app import run_app
    finally:
        gc.freeze()
        gc.enable()
    return run_app()


if __name__ == "__main__":
    sys.exit(main())
