"""``jobtui serve``'s guard: the token in the query or its cookie, 403 without, the websocket only
from the page's own origin; the missing extra, the warning and the URL it prints.

The server runs in process on aiohttp's test server, with no tab opened (the browser test in
tests/e2e/test_web.py opens one).
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest

from jobtui.__main__ import build_parser, main
from jobtui.web import (
    INSTALL_HINT,
    MISSING_EXTRA,
    REFUSED,
    ScrubToken,
    exposure_warning,
    listen,
    page_url,
    tab_command,
    token_matches,
)

if TYPE_CHECKING:
    from aiohttp.test_utils import TestClient

    from jobtui.web.server import TokenServer

    Client = TestClient[Any, Any]

TOKEN = "s3cret-token_value"


def test_without_the_web_extra_serve_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # what an absent package raises
    assert main(["serve", "--port", "0"]) == MISSING_EXTRA
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{INSTALL_HINT}\n"
    assert "pip install 'jobtui[web]'" in err


def test_serve_listens_on_loopback_by_default() -> None:
    args = build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1"
    assert 1024 <= args.port <= 65535
    assert build_parser().parse_args(["serve", "--port", "0"]).port == 0


@pytest.mark.parametrize("port", ["-1", "65536", "http"])
def test_a_port_out_of_range_is_a_usage_error(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(["serve", "--port", port])
    assert stopped.value.code == 2
    assert f"{port!r} is not a port number" in capsys.readouterr().err


def test_a_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("textual_serve")
    taken = listen("127.0.0.1", 0)
    try:
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    finally:
        taken.close()
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and f"cannot listen on 127.0.0.1 port {port}" in err


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.2", "::1"])
def test_loopback_gets_no_warning(address: str) -> None:
    assert exposure_warning(address) is None


@pytest.mark.parametrize("address", ["0.0.0.0", "::", "192.0.2.7", "2001:db8::1"])
def test_an_address_others_can_reach_gets_one_line_of_warning(address: str) -> None:
    warning = exposure_warning(address)
    assert warning is not None and "\n" not in warning
    assert address in warning and "warning" in warning


def test_the_url_carries_the_token_and_reaches_a_wildcard_by_loopback() -> None:
    assert page_url("127.0.0.1", "127.0.0.1", 8765, TOKEN) == (
        f"http://127.0.0.1:8765/?token={TOKEN}"
    )
    assert page_url("localhost", "127.0.0.1", 80, "t") == "http://localhost:80/?token=t"
    assert page_url("0.0.0.0", "0.0.0.0", 9, "t") == "http://127.0.0.1:9/?token=t"
    assert page_url("::", "::", 9, "t") == "http://[::1]:9/?token=t"
    assert page_url("::1", "::1", 9, "t") == "http://[::1]:9/?token=t"


def test_the_token_must_match_whole() -> None:
    assert token_matches(TOKEN, TOKEN)
    for given in (None, "", TOKEN[:-1], TOKEN + "x", TOKEN.upper(), "é" * 18, "\udcff"):
        assert not token_matches(given, TOKEN)


def test_each_tab_runs_this_interpreters_jobtui() -> None:
    assert tab_command().endswith(" -m jobtui")
    assert sys.executable in tab_command()


def test_the_token_is_scrubbed_from_any_log_record() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ScrubToken(TOKEN))
    logger = logging.getLogger("jobtui.tests.web")
    logger.addHandler(handler)
    try:
        logger.error("GET %s failed", f"/?token={TOKEN}")
        logger.error(f"plain {TOKEN}")
    finally:
        logger.removeHandler(handler)
    assert TOKEN not in stream.getvalue()
    assert stream.getvalue() == "GET /?token=<token> failed\nplain <token>\n"


# The guard, on aiohttp's test server.


@pytest.fixture
async def served() -> AsyncIterator[tuple[Client, TokenServer]]:
    """The guarded app on aiohttp's test server, and the TokenServer that made it."""
    pytest.importorskip("textual_serve")
    from aiohttp.test_utils import TestClient, TestServer

    from jobtui.web.server import TokenServer

    listener = listen("127.0.0.1", 0)
    server = TokenServer("false", listener, TOKEN)
    listener.close()  # the test server listens itself
    async with TestClient(TestServer(await server._make_app())) as client:
        yield client, server


async def test_a_request_without_the_token_gets_403_and_one_line(
    served: tuple[Client, TokenServer],
) -> None:
    client, server = served
    for path in ("/", "/?token=", "/?token=wrong", "/static/js/textual.js", "/ws", "/nowhere"):
        response = await client.get(path)
        assert response.status == 403, path
        assert await response.text() == REFUSED
        assert "Set-Cookie" not in response.headers
    # A cookie of the wrong value is refused too.
    client.session.cookie_jar.update_cookies({server.cookie: "wrong"})
    assert (await client.get("/static/js/textual.js")).status == 403


async def test_the_token_opens_the_page_and_its_cookie_the_rest(
    served: tuple[Client, TokenServer],
) -> None:
    client, server = served
    page = await client.get(f"/?token={TOKEN}")
    assert page.status == 200
    html = await page.text()
    assert "textual-terminal" in html
    # The page's URLs are on the host it was asked for, and none carries the token.
    assert f"ws://{client.host}:{client.port}/ws" in html and TOKEN not in html
    cookie = page.cookies[server.cookie]
    assert cookie.value == TOKEN
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"
    # The page's own requests carry no token: the cookie lets them through.
    assert (await client.get("/static/js/textual.js")).status == 200


async def test_the_websocket_from_another_origin_is_refused(
    served: tuple[Client, TokenServer],
) -> None:
    from aiohttp import WSServerHandshakeError

    client, _ = served
    assert (await client.get(f"/?token={TOKEN}")).status == 200
    # The cookie is sent along whatever page opens the socket (SameSite ignores ports).
    with pytest.raises(WSServerHandshakeError) as refused:
        await client.ws_connect("/ws", headers={"Origin": "http://127.0.0.1:9"})
    assert refused.value.status == 403
