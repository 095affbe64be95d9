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

import contextlib
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


def tab_command(*, hosted: bool = True) -> str:
    """The shell command that each browser tab runs: the one place it is decided.

    It is jobtui's full-screen app on this interpreter. Hosted, every tab is a client of the
    user's session host and shows the same jobs; ``jobtui serve`` itself stays attached while it
    runs, so a tab that closes is never the last client, and no job dies with its tab. With
    ``--no-host`` each tab has a session of its own, which ends with the tab.
    """
    command = f"{shlex.quote(sys.executable)} -m jobtui"
    return command if hosted else f"{command} --no-host"


def run_serve(host: str, port: int, stdout: TextIO, stderr: TextIO, *, hosted: bool = True) -> int:
    """Run ``jobtui serve`` until it is stopped (Ctrl+C, SIGTERM); the exit status.

    Hosted, it attaches to the session host (starting one if none runs) for as long as it
    serves, and leaves when it stops: as with any client, the session ends then unless another
    client is attached or the session was disconnected.
    """
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

    session = None
    if hosted:
        from jobtui.host.autostart import connect
        from jobtui.host.wire import WireError

        try:
            session = connect(kind="web")
        except (OSError, WireError) as error:
            listener.close()
            stderr.write(f"jobtui serve: {error}\n")
            return 1
    token = secrets.token_urlsafe(32)
    server = TokenServer(tab_command(hosted=hosted), listener, token)
    stdout.write(f"jobtui is served at {page_url(host, address, server.port, token)}\n")
    stdout.write("(Ctrl+C stops it, and the jobtui of every open tab)\n")
    stdout.flush()
    stderr.flush()
    try:
        server.run()
    finally:
        if session is not None:
            with contextlib.suppress(OSError, WireError):
                session.leave()
            session.close()
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
