"""A remote server behind OAuth: `needs-login` until `mcpod auth NAME`, then calls go
through with the stored tokens, and an expired access token is refreshed by the daemon.

The protected server (its own authorization server, approving at once) runs on loopback
in this process; the test plays the browser: it follows the URL `mcpod auth` prints,
which redirects to mcpod's loopback callback.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from tests.conftest import DaemonHome, wait_for
from tests.rawclient import ShimProcess
from tests.servers.oauth_server import OAuthMcpServer

pytestmark = [pytest.mark.e2e]

ACCESS_TTL_S = 3
# `mcpod auth`, or, until the command is listed in `mcpod.cli.main.COMMANDS`, its module run
# the way `mcpod.cli.main` would run it.
AUTH_RUNNER = (
    "import argparse, sys; from mcpod.cli import auth; p = argparse.ArgumentParser();"
    " auth.add_arguments(p); sys.exit(auth.run(p.parse_args(sys.argv[1:])))"
)


def auth_argv(*args: str) -> list[str]:
    from mcpod.cli.main import COMMANDS

    if "auth" in COMMANDS:
        return [sys.executable, "-m", "mcpod", "auth", *args]
    return [sys.executable, "-c", AUTH_RUNNER, *args]


@pytest.fixture(params=["http", "sse"])
def oauth_server(request: pytest.FixtureRequest) -> Iterator[OAuthMcpServer]:
    server = OAuthMcpServer(access_ttl=ACCESS_TTL_S, transport=request.param)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def server_state(home: DaemonHome, name: str) -> dict[str, Any] | None:
    return next((s for s in home.status()["servers"] if s["name"] == name), None)


def call(shim: ShimProcess, request_id: int, server: str, tool: str) -> Any:
    """`mcpod_call`: any tool of any server, listed yet or not (a server awaiting login has
    never listed its tools)."""
    arguments = {"server": server, "tool": tool, "arguments": {}}
    shim.raw_request(request_id, "tools/call", {"name": "mcpod_call", "arguments": arguments})
    return shim.response(request_id)


def text_of(answer: Any) -> str:
    return str(answer["result"]["content"][0]["text"])


def lines_of(stream: Any) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def log_in(home: DaemonHome, name: str) -> tuple[int, str, str]:
    """`mcpod auth NAME`, with this test as the browser. Returns (status, stdout, stderr)."""
    proc = subprocess.Popen(
        auth_argv(name, "--no-browser", "--timeout", "20"),
        env=home.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    lines = lines_of(proc.stdout)
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 20
        while not (seen and seen[-1].startswith("http")):
            left = deadline - time.monotonic()
            assert left > 0 and proc.poll() is None, f"no URL printed: {seen} {proc.poll()}"
            try:
                seen.append(lines.get(timeout=min(left, 1.0)))
            except queue.Empty:
                continue
        url = seen[-1].strip()
        # The authorization server approves at once: its redirect goes to mcpod's callback.
        with httpx2.Client(timeout=10, follow_redirects=True) as browser:
            page = browser.get(url)
        assert page.status_code == 200 and "authorized" in page.text, page.text
        status = proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    rest: list[str] = []
    while not lines.empty():
        rest.append(lines.get())
    return status, "".join(seen + rest), proc.stderr.read()


def test_needs_login_then_auth_then_calls_and_a_refresh(
    oauth_server: OAuthMcpServer,
    mcpod_home: DaemonHome,  # the server outlives the daemon
) -> None:
    mcpod_home.write_config({"secure": {"url": oauth_server.url, "type": oauth_server.transport}})
    mcpod_home.start()
    shim = ShimProcess(mcpod_home.env, "--mode", "lazy")
    try:
        shim.initialize()
        refused = call(shim, 1, "secure", "whoami")
        assert "mcpod auth secure" in json.dumps(refused), refused
        wait_for(
            lambda: (server_state(mcpod_home, "secure") or {}).get("state") == "needs-login",
            20, "needs-login in status",
        )  # fmt: skip
        state = server_state(mcpod_home, "secure")
        assert state is not None and "mcpod auth secure" in (state["reason"] or ""), state
        assert state["failures"] == 0, "waiting for a login is no failed start"

        status, out, err = log_in(mcpod_home, "secure")
        assert status == 0, (out, err)
        assert "logged in to secure" in out
        stored = json.loads((mcpod_home.home / "secrets.json").read_text())["secrets"]
        assert {"oauth.secure.tokens", "oauth.secure.client"} <= set(stored)
        access = json.loads(stored["oauth.secure.tokens"])["token"]["access_token"]
        assert access not in out + err, "the token is never printed"

        answer = call(shim, 2, "secure", "whoami")
        assert text_of(answer) == "an authorized client", answer
        assert (server_state(mcpod_home, "secure") or {}).get("state") == "ready"

        assert oauth_server.provider.refreshes == 0
        time.sleep(ACCESS_TTL_S + 0.5)  # the access token expires
        answer = call(shim, 3, "secure", "whoami")
        assert text_of(answer) == "an authorized client", answer
        assert oauth_server.provider.refreshes >= 1, "the daemon refreshed the token"
        stored = json.loads((mcpod_home.home / "secrets.json").read_text())["secrets"]
        refreshed = json.loads(stored["oauth.secure.tokens"])["token"]["access_token"]
        assert refreshed != access, "the refreshed token is stored"

        again, out, err = log_in(mcpod_home, "secure")  # a new login reuses the registration
        assert again == 0, (out, err)
        assert len(oauth_server.provider.clients) == 1
    finally:
        shim.close()
    shown = mcpod_home.mcpod("status").stdout + mcpod_home.daemon_log()
    assert access not in shown and refreshed not in shown


def test_auth_for_an_unknown_server_fails_with_the_reason(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config({})
    result = subprocess.run(
        auth_argv("nope"), env=mcpod_home.env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1 and "no server 'nope'" in result.stderr


def test_auth_times_out_clearly_when_the_browser_never_comes_back(
    mcpod_home: DaemonHome,
) -> None:
    server = OAuthMcpServer()
    server.start()
    try:
        mcpod_home.write_config({"secure": {"url": server.url, "type": "http"}})
        result = subprocess.run(
            auth_argv("secure", "--no-browser", "--timeout", "1"),
            env=mcpod_home.env, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    finally:
        server.stop()
    assert result.returncode == 1, result
    assert "http://127.0.0.1:" in result.stdout and "/authorize?" in result.stdout
    assert "timed out after 1 s" in result.stderr and "/callback" in result.stderr
    assert (
        not (mcpod_home.home / "secrets.json").exists()
        or "oauth.secure.tokens" not in (mcpod_home.home / "secrets.json").read_text()
    )
