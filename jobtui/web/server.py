"""textual-serve's Server, on a socket jobtui opened, and refusing what lacks the token.

Imported only once the web extra is known to be installed (``jobtui.web.run_serve``).
"""

from __future__ import annotations

import asyncio
import logging
import socket

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from rich.console import Console
from textual_serve.server import Server

from jobtui.web import REFUSED, SHUTDOWN_SECONDS, ScrubToken, token_matches

#: The websocket's path: a browser page elsewhere must not open it (see ``_refusal``).
WEBSOCKET_PATH = "/ws"


class TokenServer(Server):
    """textual-serve's Server, bound to ``listener``, that serves only requests with the token.

    The token comes in the query (``?token=``, as in the printed URL) or in a cookie that the
    first good request sets, so the page's scripts, styles and websocket pass without it. The
    cookie is HttpOnly and SameSite=Strict, and its name carries the port: cookies ignore ports,
    and a second ``jobtui serve`` on this host would otherwise overwrite the first one's.
    """

    def __init__(self, command: str, listener: socket.socket, token: str) -> None:
        host, port = listener.getsockname()[:2]
        super().__init__(command, host=host, port=port, title="jobtui")
        self.listener = listener
        self.token = token
        self.cookie = f"jobtui-token-{port}"
        #: Each open tab's websocket handler, to end at shutdown.
        self.tabs: set[asyncio.Task[object]] = set()
        # textual-serve logs to standard output; that is where the URL goes, alone.
        self.console = Console(stderr=True)

    def initialize_logging(self) -> None:
        """textual-serve's logging, with the token scrubbed from every record."""
        super().initialize_logging()
        for handler in logging.getLogger().handlers:
            handler.addFilter(ScrubToken(self.token))

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard())
        return app

    def _guard(self) -> Middleware:
        """The middleware that refuses a request without the token, and sets the cookie."""

        @web.middleware
        async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
            in_query = token_matches(request.query.get("token"), self.token)
            in_cookie = token_matches(request.cookies.get(self.cookie), self.token)
            refusal = self._refusal(request, in_query or in_cookie)
            if refusal is not None:
                return refusal
            response = await handler(request)
            # A websocket or a download has sent its headers already: it came with the cookie.
            if in_query and not in_cookie and not response.prepared:
                response.set_cookie(
                    self.cookie, self.token, httponly=True, samesite="Strict", path="/"
                )
            return response

        return guard

    def _refusal(self, request: web.Request, has_token: bool) -> web.Response | None:
        """403 for a request without the token, and for the websocket opened by a page from
        another origin: SameSite ignores ports, so a page served by anything else on this host
        would send the cookie along, and a websocket is not held to the same-origin policy."""
        if not has_token:
            return web.Response(status=403, text=REFUSED)
        origin = request.headers.get("Origin")
        own = f"{request.scheme}://{request.host}"
        if request.path == WEBSOCKET_PATH and origin is not None and origin != own:
            return web.Response(status=403, text=REFUSED)
        return None

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """The page, with its websocket and static URLs on the host the browser asked for.

        textual-serve builds them from the address it was given, so a page opened as localhost
        would open its websocket at 127.0.0.1, where the cookie (set for localhost) is not sent.
        """
        self.public_url = f"{request.scheme}://{request.host}"
        response: web.StreamResponse = await super().handle_index(request)
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """A tab: textual-serve's handler, known to ``on_shutdown`` while it runs."""
        task = asyncio.current_task()
        assert task is not None
        self.tabs.add(task)
        try:
            return await super().handle_websocket(request)
        finally:
            self.tabs.discard(task)

    async def on_shutdown(self, app: web.Application) -> None:
        """Ends every tab at once: its handler, cancelled, closes the websocket and tells the
        tab's app to quit. Otherwise aiohttp waits SHUTDOWN_SECONDS for each (a tab never ends
        by itself) before it cancels them: about 10 s from Ctrl+C to the prompt, measured."""
        for task in self.tabs:
            task.cancel()

    async def on_startup(self, app: web.Application) -> None:
        """Nothing: textual-serve prints its logo and an address without the token here, and
        ``jobtui serve`` has printed the URL to open already."""

    def run(self) -> None:
        """Serve until SIGINT or SIGTERM; each open tab's app is told to quit, then cancelled
        after SHUTDOWN_SECONDS. No access log: each line would carry the URL, token and all."""
        self.initialize_logging()
        web.run_app(
            self._make_app(),
            sock=self.listener,
            access_log=None,
            print=None,
            handle_signals=True,
            shutdown_timeout=SHUTDOWN_SECONDS,
        )
