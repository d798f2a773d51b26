"""Remote upstreams over the SDK's streamable-HTTP and SSE client transports, against
server-everything serving those transports on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator

import pytest
from mcp import Client

from tests.conftest import EVERYTHING, NODE, DaemonHome, require_node_tools, wait_for

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def remote_everything() -> Iterator[dict[str, int]]:
    require_node_tools()
    ports = {"streamableHttp": free_port(), "sse": free_port()}
    procs = [
        subprocess.Popen(
            [str(NODE), str(EVERYTHING), mode],
            env={**os.environ, "PORT": str(port)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for mode, port in ports.items()
    ]
    try:
        for port in ports.values():
            wait_for(lambda p=port: listening(p), 30, f"server-everything on port {port}")
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)


async def test_http_and_sse_upstreams_are_served_like_local_ones(
    mcpod_home: DaemonHome, remote_everything: dict[str, int]
) -> None:
    http, sse = remote_everything["streamableHttp"], remote_everything["sse"]
    mcpod_home.write_config({
        "web": {"url": f"http://127.0.0.1:{http}/mcp", "type": "http", "headers": {"X-Test": "1"}},
        "old": {"url": f"http://127.0.0.1:{sse}/sse", "type": "sse"},
    })  # fmt: skip
    mcpod_home.start()
    async with Client(mcpod_home.shim_params(), mode="legacy", cache=None) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"web__echo", "old__echo"} <= names
        for server in ("web", "old"):
            result = await client.call_tool(f"{server}__echo", {"message": server})
            assert result.content[0].text == f"Echo: {server}"  # type: ignore[union-attr]
    status = {s["name"]: s for s in mcpod_home.status()["servers"]}
    assert status["web"]["transport"] == "http" and status["old"]["transport"] == "sse"
    assert status["web"]["pid"] is None and status["web"]["calls"] == 1
