"""``jobtui serve`` in a real headless browser: Debian's chromium, driven by selenium through
Debian's chromedriver (given by path, so selenium's own driver manager never runs or downloads).

The page draws the terminal on a canvas (xterm.js with its WebGL and canvas renderers), so its
DOM holds no screen text. A script added before the page's own catches textual-serve's terminal
client as it is made (the page keeps it in a local variable) and the test reads xterm's buffer,
line by line, which is what the canvas shows.
"""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from jobtui.data.paths import HostPaths
from tests.tmux import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

#: Runs before the page's scripts: textual-serve's client sets ``this.fitAddon`` right after
#: ``this.terminal`` in its constructor, so a setter for that name on Object.prototype sees the
#: client, keeps it, and turns back into a plain property.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "fitAddon", {
  configurable: true,
  set(value) {
    if (this.terminal && !window.__jobtuiTerminal) { window.__jobtuiTerminal = this.terminal; }
    Object.defineProperty(this, "fitAddon",
      {value, writable: true, configurable: true, enumerable: true});
  },
});
"""

#: The terminal's visible lines, as text (null before the terminal exists).
READ_SCREEN = """
const terminal = window.__jobtuiTerminal;
if (!terminal) { return null; }
const buffer = terminal.buffer.active;
const lines = [];
for (let y = 0; y < terminal.rows; y++) {
  const line = buffer.getLine(buffer.viewportY + y);
  lines.push(line ? line.translateToString(true) : "");
}
return lines.join("\\n");
"""


@dataclass
class Served:
    """A running ``jobtui serve``: its URL (token and all), its process and what it printed."""

    url: str
    process: subprocess.Popen[bytes]
    stdout: list[str]
    stderr_path: Path
    state: Path

    @property
    def base(self) -> str:
        """The URL without its query: the token left out."""
        return self.url.split("?", 1)[0]

    @property
    def token(self) -> str:
        return self.url.split("token=", 1)[1]


def _browser_missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium chromium-driver)"
    if not CHROMEDRIVER.exists():
        return f"{CHROMEDRIVER} is missing (apt-get install chromium-driver)"
    return None


@contextmanager
def serving(root: Path, *, hosted: bool) -> Iterator[Served]:
    """``jobtui serve --port 0`` in a process group of its own, its state in ``root``; the whole
    group is ended afterwards (and a session host it started), and the test fails if anything
    of it outlives that."""
    pytest.importorskip("textual_serve", reason="the web extra is not installed")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "XDG_STATE_HOME": str(root / "state"),
        "XDG_RUNTIME_DIR": str(root / "runtime"),
        "XDG_DATA_HOME": str(root / "data"),
        "XDG_CACHE_HOME": str(root / "cache"),
        "TEXTUAL_ANIMATIONS": "none",
        "SHELL": "/bin/sh",
    }
    if hosted:
        env.pop("JOBTUI_NO_HOST", None)
    (root / "runtime").mkdir(mode=0o700)
    stderr_path = root / "serve.err"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "jobtui", "serve", "--port", "0"],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            start_new_session=True,
        )
    stdout: list[str] = []
    try:
        url = _read_url(process, stdout, stderr_path)
        yield Served(url, process, stdout, stderr_path, root / "state")
    finally:
        _end_group(process, stdout)
        if hosted:
            _host_ends(HostPaths.from_environ(env).lock)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A server whose tabs each have a session of their own (``--no-host``: the tests' default)."""
    with serving(tmp_path, hosted=False) as running:
        yield running


@pytest.fixture
def served_hosted(tmp_path: Path) -> Iterator[Served]:
    """A server whose tabs are clients of one session host, as users get it."""
    with serving(tmp_path, hosted=True) as running:
        yield running


def _host_ends(lock: Path) -> None:
    """The session host that holds ``lock`` exits once its last client (the server) has left;
    it is killed, and the test fails, if it is still there after 10 seconds."""
    text = lock.read_text().strip() if lock.exists() else ""
    if not text.isdigit():
        return
    try:
        host = psutil.Process(int(text))
        host.wait(timeout=10)
    except psutil.NoSuchProcess:
        return
    except psutil.TimeoutExpired:
        host.kill()
        raise AssertionError("the session host outlived jobtui serve, its last client") from None


def _read_url(process: subprocess.Popen[bytes], stdout: list[str], stderr: Path) -> str:
    """The URL that ``jobtui serve`` prints first, within 30 seconds."""
    assert process.stdout is not None
    os.set_blocking(process.stdout.fileno(), False)
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        buffered = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for _ in selector.select(timeout=0.2):
                chunk = process.stdout.read() or b""
                buffered += chunk
                if not chunk and process.poll() is not None:
                    break
            text = buffered.decode()
            match = re.search(r"http://\S+", text)
            if match and "\n" in text[match.end() :]:
                stdout.append(text)
                return match.group(0)
            if process.poll() is not None:
                break
    raise AssertionError(
        f"jobtui serve printed no URL: {buffered.decode()!r} {stderr.read_text()!r}"
    )


def _end_group(process: subprocess.Popen[bytes], stdout: list[str]) -> None:
    """SIGTERM to the server's group (it and every tab's jobtui), SIGKILL if it is still there
    after 10 seconds; fails if any process of the group is left."""
    group = process.pid
    with suppress(ProcessLookupError):
        os.killpg(group, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        process.wait(timeout=10)
    if process.stdout is not None and not process.stdout.closed:
        stdout.append((process.stdout.read() or b"").decode())
        process.stdout.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _group_alive(group):
        time.sleep(0.1)
    if _group_alive(group):
        with suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        raise AssertionError("a process of jobtui serve's group outlived SIGTERM")


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless chromium under Debian's chromedriver, the terminal catcher installed."""
    missing = _browser_missing()
    if missing:
        pytest.skip(missing)
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root, where chromium's sandbox refuses to start
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        # Nothing leaves this machine: every name but the served address fails to resolve, in
        # the browser (textual-serve's page asks Google for a font), and chromium's own
        # background traffic (updates, sync, first-run) is off.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--no-first-run",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CATCH_TERMINAL})
        yield driver
    finally:
        driver.quit()


def wait_for_screen(driver: Any, text: str, timeout: float = 30.0) -> str:
    """The terminal's text once ``text`` is on it; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = driver.execute_script(READ_SCREEN) or ""
        if text in screen:
            return str(screen)
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared in the browser's terminal:\n{screen}")


def status_and_body(url: str) -> tuple[int, str]:
    """An HTTP GET's status and body, without a browser (and so without its cookie)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_a_job_started_in_the_browser_completes_in_its_table(served: Served, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(served.url)
    wait_for_screen(browser, "PS>")
    wait_for_screen(browser, "Jobs 0")
    keys = browser.find_element(By.CSS_SELECTOR, "textarea.xterm-helper-textarea")
    keys.send_keys("Start-Job {echo hi}")
    keys.send_keys(Keys.ENTER)
    screen = wait_for_screen(browser, "✓ Completed")
    # The table's row (not the Console's echo of Start-Job, which shows it Running).
    assert re.search(r"│\s*1\s+Job1\s+BackgroundJob\s+✓ Completed\s", screen), screen


def test_a_request_without_the_token_is_refused(served: Served) -> None:
    for url in (
        served.base,
        f"{served.base}?token=wrong",
        f"{served.base}?token=",
        f"{served.base}static/js/textual.js",
        f"{served.base}ws",
    ):
        status, body = status_and_body(url)
        assert status == 403, url
        assert body.count("\n") == 1 and "token" in body, body
    # The right one opens the page.
    status, body = status_and_body(served.url)
    assert status == 200 and "textual-terminal" in body


def test_the_token_is_printed_once_and_logged_nowhere(served: Served) -> None:
    # A request that aiohttp serves and one that it refuses: neither is logged with its URL.
    status_and_body(served.url)
    status_and_body(f"{served.base}?token=wrong")
    _end_group(served.process, served.stdout)
    printed = "".join(served.stdout)
    assert printed.count(served.token) == 1
    assert served.token not in served.stderr_path.read_text()
    for log in served.state.rglob("*"):
        if log.is_file():
            assert served.token.encode() not in log.read_bytes(), log


def test_stopping_the_server_ends_its_tabs_at_once(served: Served, browser: Any) -> None:
    """SIGTERM to the server alone: it closes each tab's websocket and its app quits, well
    before aiohttp's own shutdown would give up waiting on them, and leaves no process."""
    from jobtui.web import SHUTDOWN_SECONDS

    browser.get(served.url)
    wait_for_screen(browser, "Jobs 0")
    served.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + SHUTDOWN_SECONDS - 1
    closed = False
    while not closed and time.monotonic() < deadline:
        closed = "-closed" in browser.execute_script("return document.body.className")
        time.sleep(0.1)
    assert closed, f"the tab was still open {SHUTDOWN_SECONDS - 1} s after SIGTERM"
    assert served.process.wait(timeout=30) == 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _group_alive(served.process.pid):
        time.sleep(0.1)
    assert not _group_alive(served.process.pid), "a tab's app outlived the server"


def test_a_closed_tab_leaves_its_jobs_running_for_the_next_tab(
    served_hosted: Served, browser: Any
) -> None:
    """Every tab is a client of the same session host, and the server stays attached: closing
    a tab only detaches it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(served_hosted.url)
    wait_for_screen(browser, "Jobs 0")
    keys = browser.find_element(By.CSS_SELECTOR, "textarea.xterm-helper-textarea")
    keys.send_keys("Start-Job -Name keep {sleep 60}")
    keys.send_keys(Keys.ENTER)
    wait_for_screen(browser, "Running")

    browser.get("about:blank")  # the tab's websocket closes, and its app ends
    browser.get(served_hosted.url)

    screen = wait_for_screen(browser, "keep")
    assert re.search(r"│\s*1\s+keep\s+BackgroundJob\s+\S*\s*Running", screen), screen
