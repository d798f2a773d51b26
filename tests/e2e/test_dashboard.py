"""The dashboard in a real headless browser (Debian's chromium, driven over the Chrome
DevTools protocol on a pipe: no websocket client or npm package needed): it shows the
servers of a running daemon, its restart button restarts one (its pid changes in `mcpod
status`), and its log tail shows the line the new process just wrote. Screenshots (a
desktop and a phone viewport) are kept under the test's tmp dir; their paths are printed.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PROBE, DaemonHome
from tests.e2e.test_http import HttpDaemon, start_http_daemon

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HELLO = "probe says hello"  # what the server below writes to its stderr as it starts


class Browser:
    """Chromium with `--remote-debugging-pipe`: CDP messages, NUL-separated, on fds 3/4."""

    def __init__(self, profile: Path) -> None:
        to_child, self._to_browser = os.pipe()
        self._from_browser, from_child = os.pipe()

        def fds() -> None:
            os.dup2(to_child, 3)
            os.dup2(from_child, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--remote-debugging-pipe", "--no-sandbox",
             "--disable-gpu", "--no-first-run", "--no-default-browser-check",
             f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=fds, pass_fds=(3, 4), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(to_child)
        os.close(from_child)
        self._next_id = 0
        self._answers: dict[int, dict[str, Any]] = {}
        self._arrived = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        attached = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        self.session = attached["sessionId"]

    def _read(self) -> None:
        buffer = b""
        while chunk := os.read(self._from_browser, 1 << 16):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                if "id" in message:
                    with self._arrived:
                        self._answers[message["id"]] = message
                        self._arrived.notify_all()

    def send(self, method: str, params: dict[str, Any] | None = None, *, page: bool = False,
             timeout: float = 30) -> dict[str, Any]:  # fmt: skip
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if page:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        with self._arrived:
            if not self._arrived.wait_for(lambda: self._next_id in self._answers, timeout):
                raise AssertionError(f"chromium did not answer {method} in {timeout} s")
            answer = self._answers.pop(self._next_id)
        if "error" in answer:
            raise AssertionError(f"{method}: {answer['error']}")
        result: dict[str, Any] = answer["result"]
        return result

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, page=True)  # fmt: skip
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            time.sleep(0.1)

    def screenshot(self, path: Path) -> Path:
        shot = self.send("Page.captureScreenshot", {"format": "png"}, page=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        with contextlib.suppress(AssertionError, OSError):
            self.send("Browser.close", timeout=5)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        os.close(self._to_browser)


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail("chromium missing: run scripts/install-test-tools")
    profile = Path(tempfile.mkdtemp(prefix="mcpod-chromium-"))
    opened = Browser(profile)
    try:
        yield opened
    finally:
        opened.close()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def served(mcpod_home: DaemonHome) -> HttpDaemon:
    """The probe server, started through a shell that first says hello on stderr (its pid)."""
    script = f'echo "{HELLO} $$" >&2; exec "{sys.executable}" "{PROBE}"'
    mcpod_home.write_config({"probe": {"command": "/bin/sh", "args": ["-c", script]}})
    return start_http_daemon(mcpod_home)


def probe_pid(home: DaemonHome) -> int | None:
    probe = next(s for s in home.status()["servers"] if s["name"] == "probe")
    return probe["pid"] if probe["state"] == "ready" else None


def test_dashboard_restarts_a_server_and_tails_its_log(
    served: HttpDaemon, browser: Browser, tmp_path: Path
) -> None:
    assert served.call("/api/start", method="POST", body={"servers": ["probe"]})[0] == 200
    before = probe_pid(served.home)
    assert before is not None
    browser.send("Page.enable", page=True)
    browser.send("Emulation.setDeviceMetricsOverride",
                 {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
                 page=True)  # fmt: skip
    browser.send("Page.navigate", {"url": served.base + "/"}, page=True)
    row = "document.querySelector('tr[data-server=\"probe\"]')"
    shown = browser.wait_for(f"{row} && {row}.querySelector('td.pid').textContent", 15,
                             "the probe server's row")  # fmt: skip
    assert int(shown) == before
    assert browser.evaluate(f"{row}.querySelector('.state').textContent") == "ready"
    assert browser.evaluate("document.getElementById('login').hidden")  # no token here
    browser.wait_for(f"document.getElementById('log').textContent.includes('{HELLO} {before}')",
                     15, "the first process's hello in the log tail")  # fmt: skip

    browser.evaluate(f"{row}.querySelector('button[data-action=\"restart\"]').click()")
    deadline = time.monotonic() + 30
    while (after := probe_pid(served.home)) in (None, before):
        assert time.monotonic() < deadline, "the restart button did not restart the server"
        time.sleep(0.1)
    browser.wait_for(f"{row} && {row}.querySelector('td.pid').textContent === '{after}'", 15,
                     "the new pid on the page")  # fmt: skip
    browser.wait_for(f"document.getElementById('log').textContent.includes('{HELLO} {after}')",
                     15, "the new process's hello in the log tail")  # fmt: skip

    browser.evaluate("document.getElementById('query').value = 'process id';"
                     "document.getElementById('search').requestSubmit()")  # fmt: skip
    browser.wait_for("document.getElementById('hits').textContent.includes('probe__whoami')", 15,
                     "search results")  # fmt: skip
    desktop = browser.screenshot(tmp_path / "dashboard.png")

    browser.send("Emulation.setDeviceMetricsOverride",
                 {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
                 page=True)  # fmt: skip
    browser.evaluate("new Promise((done) => setTimeout(done, 300))")
    overflow = browser.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than a phone"
    phone = browser.screenshot(tmp_path / "dashboard-phone.png")
    print(f"\ndashboard screenshots: {desktop} {phone}")
    assert desktop.stat().st_size > 10_000 and phone.stat().st_size > 10_000
