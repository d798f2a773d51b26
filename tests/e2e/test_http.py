"""The HTTP front of a real daemon process (`mcpod daemon --http 127.0.0.1:PORT`): the
SDK's streamable-HTTP client at /mcp (both eras) and /mcp/{server}, the /api verbs, and
each security refusal."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import DaemonHome, probe_server, wait_for

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class HttpDaemon:
    home: DaemonHome
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(
        self,
        path: str,
        *,
        method: str = "GET",
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("content-type", "application/json")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, _decoded(answer.read())
        except urllib.error.HTTPError as refused:
            return refused.code, _decoded(refused.read())


def _decoded(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def start_http_daemon(home: DaemonHome, *extra: str, port: int | None = None) -> HttpDaemon:
    port = port or free_port()
    log = open(home.home / "daemon-fg.log", "ab")  # noqa: SIM115
    home.process = subprocess.Popen(
        [sys.executable, "-m", "mcpod", "daemon", "--http", f"127.0.0.1:{port}", *extra],
        env=home.env, stdout=log, stderr=log,
    )  # fmt: skip
    log.close()
    wait_for(home.socket.exists, 30, "the daemon's socket")
    served = HttpDaemon(home, port)
    wait_for(lambda: _answers(served), 30, "the HTTP front")
    return served


def _answers(served: HttpDaemon) -> bool:
    try:
        return served.call("/api/ping")[0] == 200
    except OSError:
        return False


@pytest.fixture
def http_daemon(mcpod_home: DaemonHome) -> HttpDaemon:
    """A daemon with the probe server and the HTTP front on a free loopback port."""
    mcpod_home.write_config({"probe": probe_server()})
    return start_http_daemon(mcpod_home)


# -- /mcp ------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("era", ["legacy", "auto"])
async def test_mcp_gives_the_session_a_shim_gets(http_daemon: HttpDaemon, era: str) -> None:
    from mcp import Client

    seen: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append(progress)

    url = f"{http_daemon.base}/mcp?mode=all"
    async with Client(url, mode=era, cache=None) as client:
        assert client.protocol_version == ("2025-11-25" if era == "legacy" else "2026-07-28")
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert {"probe__whoami", "probe__count", "probe__say"} <= names
        pid = (await client.call_tool("probe__whoami", {})).content[0].text  # type: ignore[union-attr]
        counted = await client.call_tool(
            "probe__count", {"steps": 3}, progress_callback=on_progress
        )
        assert counted.content[0].text == "counted 3"  # type: ignore[union-attr]
        assert seen == [1, 2, 3]
        status = http_daemon.home.status()
        assert int(pid) == next(s["pid"] for s in status["servers"] if s["name"] == "probe")
        eras = {s["era"] for s in status["session_details"]}
        assert ("legacy" if era == "legacy" else "modern") in eras
    if era == "legacy":  # DELETE on close ends the session
        wait_for(lambda: http_daemon.home.status()["sessions"] == 0, 10, "the session to end")


@pytest.mark.anyio
async def test_lazy_by_default_with_meta_tools(http_daemon: HttpDaemon) -> None:
    from mcp import Client

    async with Client(f"{http_daemon.base}/mcp", mode="legacy", cache=None) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert "mcpod_search" in names and "probe__whoami" not in names


@pytest.mark.anyio
async def test_log_messages_reach_the_http_client(http_daemon: HttpDaemon) -> None:
    from mcp import Client

    logged: list[Any] = []

    async def on_log(params: Any) -> None:
        logged.append(params.data)

    url = f"{http_daemon.base}/mcp?mode=all"
    async with Client(url, mode="legacy", cache=None, logging_callback=on_log) as client:
        said = await client.call_tool("probe__say", {"message": "hello over http"})
        assert said.content[0].text == "said"  # type: ignore[union-attr]
    assert "hello over http" in logged


# -- /mcp/{server} -----------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("era", ["legacy", "auto"])
async def test_one_server_unprefixed_on_the_shared_instance(
    http_daemon: HttpDaemon, era: str
) -> None:
    from mcp import Client

    async with Client(http_daemon.home.shim_params(), mode="legacy", cache=None) as shim:
        shim_pid = (await shim.call_tool("probe__whoami", {})).content[0].text  # type: ignore[union-attr]
        async with Client(f"{http_daemon.base}/mcp/probe", mode=era, cache=None) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            assert {"whoami", "count", "say", "sleep"} <= names
            assert not any("__" in name for name in names)
            pid = (await client.call_tool("whoami", {})).content[0].text  # type: ignore[union-attr]
            assert pid == shim_pid
            status = http_daemon.home.status()
            assert int(pid) == next(s["pid"] for s in status["servers"] if s["name"] == "probe")
            assert status["sessions"] >= 2
            unknown = await client.call_tool("probe__whoami", {})
            assert unknown.is_error


def test_unknown_server_is_404(http_daemon: HttpDaemon) -> None:
    status, body = http_daemon.call("/mcp/nosuch", method="POST", body=_initialize())
    assert status == 404 and "nosuch" in body["error"]["message"]


def _initialize() -> dict[str, Any]:
    params = {"protocolVersion": "2025-06-18", "capabilities": {},
              "clientInfo": {"name": "raw", "version": "1"}}  # fmt: skip
    return {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}


def test_raw_session_lifecycle(http_daemon: HttpDaemon) -> None:
    accept = {"accept": "application/json, text/event-stream"}
    request = urllib.request.Request(
        http_daemon.base + "/mcp", data=json.dumps(_initialize()).encode(), method="POST",
        headers={"content-type": "application/json", **accept},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as answer:
        session = answer.headers["mcp-session-id"]
        assert json.loads(answer.read())["result"]["serverInfo"]["name"] == "mcpod"
    headers = {**accept, "mcp-session-id": session}
    ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
    assert http_daemon.call("/mcp", method="POST", body=ping, headers=headers) == (
        200, {"jsonrpc": "2.0", "id": 2, "result": {}}
    )  # fmt: skip
    note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    assert http_daemon.call("/mcp", method="POST", body=note, headers=headers)[0] == 202
    assert http_daemon.call("/mcp", method="DELETE", headers=headers)[0] == 200
    status, _ = http_daemon.call("/mcp", method="POST", body=ping, headers=headers)
    assert status == 404
    status, body = http_daemon.call("/mcp", method="POST", body=ping, headers=accept)
    assert status == 400 and "Mcp-Session-Id" in body["error"]["message"]
    status, body = http_daemon.call("/mcp", method="POST", body=[ping], headers=accept)
    assert status == 400


# -- /api ------------------------------------------------------------------------------


def test_api_verbs(http_daemon: HttpDaemon) -> None:
    call = http_daemon.call
    status, body = call("/api/status")
    assert status == 200 and body["pid"] == http_daemon.home.process.pid  # type: ignore[union-attr]
    assert [s["name"] for s in call("/api/servers")[1]["servers"]] == ["probe"]
    status, started = call("/api/start", method="POST", body={"servers": ["probe"]})
    assert status == 200 and started["servers"][0]["state"] == "ready"
    tools = call("/api/tools?server=probe")[1]["servers"][0]["tools"]
    assert "whoami" in {t["name"] for t in tools}
    hits = call("/api/search?q=process+id&limit=3")[1]["results"]
    assert hits and hits[0]["exposed"] == "probe__whoami"
    assert call("/api/reload", method="POST")[0] == 200
    assert call("/api/reload")[0] == 405  # a verb that changes things is POST only
    assert call("/api/nosuch")[0] == 404
    assert call("/api/search")[0] == 400  # the query is required


def test_api_restart_and_logs(http_daemon: HttpDaemon) -> None:
    call = http_daemon.call
    call("/api/start", method="POST", body={"servers": ["probe"]})
    before = call("/api/status")[1]["servers"][0]["pid"]
    status, restarted = call("/api/servers/probe/restart", method="POST")
    assert status == 200 and restarted["state"] == "ready" and restarted["pid"] != before
    assert http_daemon.home.status()["servers"][0]["pid"] == restarted["pid"]
    log = call("/api/logs/probe?n=50")[1]
    assert log["exists"] and any("starting probe" in line for line in log["lines"])
    assert len(call("/api/logs/probe?n=1")[1]["lines"]) == 1
    assert call("/api/logs/nosuch")[0] == 404
    assert call("/api/servers/nosuch/restart", method="POST")[0] == 404
    status, stopped = call("/api/servers/probe/stop", method="POST")
    assert status == 200 and stopped["state"] == "stopped"
    assert call("/api/logs")[0] == 200


# -- security --------------------------------------------------------------------------


def test_foreign_host_is_refused(http_daemon: HttpDaemon) -> None:
    for host in (f"evil.example:{http_daemon.port}", "127.0.0.1:1", "localhost"):
        status, body = http_daemon.call("/api/status", headers={"host": host})
        assert status == 403 and "Host" in body
    for host in (f"localhost:{http_daemon.port}", f"127.0.0.1:{http_daemon.port}"):
        assert http_daemon.call("/api/status", headers={"host": host})[0] == 200


def test_foreign_origin_is_refused(http_daemon: HttpDaemon) -> None:
    port = http_daemon.port
    for origin in ("http://evil.example", f"http://evil.example:{port}",
                   "http://localhost:1", "null"):  # fmt: skip
        status, body = http_daemon.call("/mcp", method="POST", body=_initialize(),
                                        headers={"origin": origin})  # fmt: skip
        assert status == 403 and "cross-origin" in body
    for origin in (f"http://localhost:{port}", f"http://127.0.0.1:{port}"):
        assert http_daemon.call("/api/status", headers={"origin": origin})[0] == 200


def test_token_is_required_when_configured(mcpod_home: DaemonHome) -> None:
    secret = "s3cr3t-http-token-value"
    config = {"mcpServers": {"probe": probe_server()},
              "http": {"token": "${secret:MCPOD_HTTP_TOKEN}"}}  # fmt: skip
    (mcpod_home.home / "config.json").write_text(json.dumps(config))
    subprocess.run(
        [sys.executable, "-m", "mcpod", "secret", "set", "MCPOD_HTTP_TOKEN"],
        env=mcpod_home.env, input=secret + "\n", capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    port = free_port()
    log = open(mcpod_home.home / "daemon-fg.log", "ab")  # noqa: SIM115
    mcpod_home.process = subprocess.Popen(
        [sys.executable, "-m", "mcpod", "daemon", "--http", f"127.0.0.1:{port}"],
        env=mcpod_home.env, stdout=log, stderr=log,
    )  # fmt: skip
    log.close()
    served = HttpDaemon(mcpod_home, port)
    wait_for(lambda: _status_of(served, "/api/ping") == 401, 30, "the HTTP front")
    for wrong in ({}, {"authorization": "Bearer nope"}, {"authorization": secret}):
        status, body = served.call("/api/status", headers=wrong)
        assert status == 401 and secret not in str(body)
    ok = {"authorization": f"Bearer {secret}"}
    assert served.call("/api/status", headers=ok)[0] == 200
    assert served.call("/", headers={})[0] == 200  # the page itself holds no data
    assert secret not in mcpod_home.daemon_log()


def _status_of(served: HttpDaemon, path: str) -> int | None:
    try:
        return served.call(path)[0]
    except OSError:
        return None


def test_non_loopback_without_token_is_refused(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config({"probe": probe_server()})
    done = subprocess.run(
        [sys.executable, "-m", "mcpod", "daemon", "--http", f"0.0.0.0:{free_port()}"],
        env=mcpod_home.env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "not a loopback address and no token is configured" in done.stderr
    assert not mcpod_home.socket.exists()


def test_bad_listen_address_is_refused(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config({"probe": probe_server()})
    done = subprocess.run(
        [sys.executable, "-m", "mcpod", "daemon", "--http", "nowhere"],
        env=mcpod_home.env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "is not HOST:PORT" in done.stderr


def test_port_in_use_leaves_the_socket_serving(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config({"probe": probe_server()})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        log = open(mcpod_home.home / "daemon-fg.log", "ab")  # noqa: SIM115
        mcpod_home.process = subprocess.Popen(
            [sys.executable, "-m", "mcpod", "daemon", "--http", f"127.0.0.1:{port}"],
            env=mcpod_home.env, stdout=log, stderr=log,
        )  # fmt: skip
        log.close()
        wait_for(mcpod_home.socket.exists, 30, "the daemon's socket")
        assert mcpod_home.status()["pid"] == mcpod_home.process.pid
        wait_for(lambda: "HTTP front not started" in mcpod_home.daemon_log(), 10, "the error")


def test_bad_requests_never_end_the_daemon(http_daemon: HttpDaemon) -> None:
    raw = [
        b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
        b"Content-Length: 5\r\n\r\n{{{{{" % http_daemon.port,
        b"GARBAGE\r\n\r\n",
        b"POST /api/start HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: 3\r\n\r\n[1]"
        % http_daemon.port,
    ]
    for data in raw:
        with socket.create_connection(("127.0.0.1", http_daemon.port), timeout=10) as sock:
            sock.sendall(data)
            assert sock.recv(100).startswith(b"HTTP/1.1 4")
    assert http_daemon.call("/api/ping")[0] == 200
    assert http_daemon.home.process is not None
    os.kill(http_daemon.home.process.pid, 0)  # still alive


# -- notifications and shutdown --------------------------------------------------------


@pytest.mark.anyio
async def test_list_changed_reaches_http_sessions_in_both_eras(http_daemon: HttpDaemon) -> None:
    import anyio
    from mcp import Client

    legacy_seen = anyio.Event()

    async def on_message(message: Any) -> None:
        if getattr(message, "method", "") == "notifications/tools/list_changed":
            legacy_seen.set()

    url = f"{http_daemon.base}/mcp/probe"
    async with (
        Client(url, mode="legacy", cache=None, message_handler=on_message) as legacy,
        Client(url, mode="auto", cache=None) as modern,
    ):
        await legacy.list_tools()
        await modern.list_tools()
        async with modern.listen(tools_list_changed=True) as events:
            await legacy.call_tool("add_tool", {"name": "fresh"})
            with anyio.fail_after(10):
                event = await events.__anext__()
                await legacy_seen.wait()
        assert type(event).__name__ == "ToolsListChanged"
        for client in (legacy, modern):
            assert "fresh" in {t.name for t in (await client.list_tools()).tools}
        fresh = await modern.call_tool("fresh", {})
        assert fresh.content[0].text == "I am fresh"  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_sigterm_with_open_streams_stops_promptly(http_daemon: HttpDaemon) -> None:
    import signal

    import anyio
    import anyio.to_thread
    from mcp import Client

    process = http_daemon.home.process
    assert process is not None
    url = f"{http_daemon.base}/mcp?mode=all"
    with anyio.move_on_after(40):
        async with (
            Client(url, mode="legacy", cache=None) as legacy,
            Client(url, mode="auto", cache=None) as modern,
        ):
            await legacy.list_tools()
            async with modern.listen(tools_list_changed=True):
                assert http_daemon.home.status()["sessions"] == 2
                started = time.monotonic()
                os.kill(process.pid, signal.SIGTERM)
                code = await anyio.to_thread.run_sync(lambda: process.wait(timeout=20))
                took = time.monotonic() - started
    assert code == 0 and took < 10, (code, took)
    assert "stopped" in http_daemon.home.daemon_log()
