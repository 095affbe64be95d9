"""``jobtui serve``: jobtui in a browser, through textual-serve, behind a token.

textual-serve has no authentication, and every browser tab it serves is a jobtui that runs shell
commands: whoever reaches the port can run anything as this user. So the server makes a random
token at start and prints it once, in the URL; every request must carry it, in the query or in
the cookie that the first good request sets (the page's own follow-up requests and its websocket
carry that). A request without it gets 403 and one line. The token is never logged: the access
log is off, and a filter scrubs it from any other record.

textual-serve is an optional extra (``pip install 'jobtui[web]'``): nothing here imports it, or
aiohttp, until ``serve`` runs, and a missing extra is one line and exit status 2.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import secrets
import shlex
import socket
import sys
from typing import TextIO

#: The exit status when the web extra is not installed (as for a usage error: nothing ran).
MISSING_EXTRA = 2
INSTALL_HINT = "jobtui serve needs the web extra: pip install 'jobtui[web]'"

#: The whole body of a refused request.
REFUSED = "403: this jobtui needs the token: open the URL that jobtui serve printed at start\n"

#: How long a stopping server lets each tab's handler finish (it tells the tab's app to quit and
#: waits for it) before aiohttp cancels it outright.
SHUTDOWN_SECONDS = 5.0


def tab_command() -> str:
    """The shell command that each browser tab runs: the one place it is decided.

    Today it is jobtui's full-screen app on this interpreter, so each tab has a session of its
    own, and closing the tab ends that app and stops its jobs. Once ``jobtui`` is a client of the
    per-user session host, this should start that client, which only detaches when the tab
    closes: every tab then shows the same jobs, and none dies with its tab.
    """
    return f"{shlex.quote(sys.executable)} -m jobtui"


def run_serve(host: str, port: int, stdout: TextIO, stderr: TextIO) -> int:
    """Run ``jobtui serve`` until it is stopped (Ctrl+C, SIGTERM); the exit status."""
    try:
        import textual_serve  # noqa: F401
    except ImportError:
        stderr.write(f"{INSTALL_HINT}\n")
        return MISSING_EXTRA
    try:
        listener = listen(host, port)
    except OSError as error:
        stderr.write(f"jobtui serve: cannot listen on {host} port {port}: {reason(error)}\n")
        return 1
    address = listener.getsockname()[0]
    warning = exposure_warning(address)
    if warning:
        stderr.write(f"{warning}\n")
    from jobtui.web.server import TokenServer

    token = secrets.token_urlsafe(32)
    server = TokenServer(tab_command(), listener, token)
    stdout.write(f"jobtui is served at {page_url(host, address, server.port, token)}\n")
    stdout.write("(Ctrl+C stops it, and the jobtui of every open tab)\n")
    stdout.flush()
    stderr.flush()
    server.run()
    return 0


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host`` (a name or an address) and ``port`` (0: any free one).

    The server is given the socket, not the port: with port 0 the real port is known at once
    (for the URL it prints) and no other program can take it in between.
    """
    family, _, _, _, sockaddr = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    return socket.create_server(sockaddr[:2], family=family, backlog=128)


def reason(error: OSError) -> str:
    """An OS error's own words, without its number."""
    return error.strerror or str(error)


def exposure_warning(address: str) -> str | None:
    """The one-line warning for a bound address that other machines may reach, else None."""
    if ipaddress.ip_address(address.split("%")[0]).is_loopback:
        return None
    return (
        f"jobtui serve: warning: listening on {address}, which other machines may reach; "
        "anyone with the URL can run commands as you"
    )


def page_url(host: str, address: str, port: int, token: str) -> str:
    """The URL to open: the host as given (a wildcard address is reached by loopback)."""
    shown = host
    if ipaddress.ip_address(address.split("%")[0]).is_unspecified:
        shown = "::1" if ":" in address else "127.0.0.1"
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/?token={token}"


def token_matches(given: str | None, token: str) -> bool:
    """Whether ``given`` is the token, in time that does not depend on where they differ."""
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("utf-8"))


class ScrubToken(logging.Filter):
    """Replaces the token in every log record, whatever logged it (an aiohttp error that quotes
    a request's URL, say): a log is read by more people, and kept longer, than a terminal."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, "<token>")
            record.args = None
        return True
