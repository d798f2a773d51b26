"""A session's MCP surface in-process: both eras, the meta-tools and the error paths."""

from __future__ import annotations

from typing import Any

import pytest

from mcpod.daemon.exposure import META_NAMES
from mcpod.protocol import ErrorCode
from tests.inproc.harness import Peer, running_daemon

pytestmark = pytest.mark.anyio

INIT = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t"}}
MODERN = {"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}}


async def test_legacy_handshake_and_lazy_tools_list() -> None:
    async with running_daemon() as daemon, Peer.open(daemon) as peer:
        await peer.hello(client_args={"mode": "lazy"})
        init = (await peer.request("initialize", INIT))["result"]
        assert init["serverInfo"]["name"] == "mcpod" and init["protocolVersion"] == "2025-11-25"
        tools = (await peer.request("tools/list"))["result"]["tools"]
        assert {t["name"] for t in tools} == META_NAMES


async def test_the_modern_era_is_version_checked_on_every_request() -> None:
    async with running_daemon() as daemon, Peer.open(daemon) as peer:
        await peer.hello()
        discover = (await peer.request("server/discover", MODERN))["result"]
        assert discover["supportedVersions"] == ["2026-07-28"]
        assert discover["resultType"] == "complete" and discover["cacheScope"] == "private"
        old = {"_meta": {"io.modelcontextprotocol/protocolVersion": "2025-01-01"}}
        error = (await peer.request("tools/list", old))["error"]
        assert error["code"] == ErrorCode.UNSUPPORTED_PROTOCOL_VERSION


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (b"{oops", ErrorCode.PARSE_ERROR),
        (b'{"jsonrpc":"2.0","id":5,"method":"ping","params":[1]}', ErrorCode.INVALID_REQUEST),
        (b'{"jsonrpc":"2.0","id":5,"method":3}', ErrorCode.INVALID_REQUEST),
        (b'{"jsonrpc":"2.0","id":5,"method":"no/such"}', ErrorCode.METHOD_NOT_FOUND),
        (b'{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"x__y"}}',
         ErrorCode.INVALID_PARAMS),
        (b'{"jsonrpc":"2.0","id":5,"method":"resources/read","params":{"uri":7}}',
         ErrorCode.INVALID_PARAMS),
    ],
)  # fmt: skip
async def test_a_bad_message_gets_an_error_and_the_session_goes_on(
    message: bytes, code: ErrorCode
) -> None:
    async with running_daemon() as daemon, Peer.open(daemon) as peer:
        await peer.hello()
        await peer.request("initialize", INIT)
        await peer.send_line(message)
        assert (await peer.receive())["error"]["code"] == code
        assert (await peer.request("ping"))["result"] == {}


async def test_a_duplicate_in_flight_id_is_refused_and_a_cancel_ends_the_request() -> None:
    async with running_daemon() as daemon, Peer.open(daemon) as peer:
        await peer.hello()
        listen = {"notifications": {"toolsListChanged": True}, **MODERN}
        await peer.send({"jsonrpc": "2.0", "id": "L", "method": "subscriptions/listen",
                         "params": listen})  # fmt: skip
        ack = await peer.receive()
        assert ack["method"] == "notifications/subscriptions/acknowledged"
        duplicate = await peer.request("subscriptions/listen", listen, request_id="L")
        assert "already in flight" in duplicate["error"]["message"]
        await peer.send({"jsonrpc": "2.0", "method": "notifications/cancelled",
                         "params": {"requestId": "L"}})  # fmt: skip
        assert (await peer.request("ping", MODERN, request_id="L"))["result"]["resultType"]


@pytest.mark.parametrize(
    ("tool", "arguments", "says"),
    [
        ("mcpod_search", {}, "'query' is required"),
        ("mcpod_search", {"query": ["x"]}, "'query': expected str"),
        ("mcpod_activate", {"servers": ["ghost"]}, "No server named 'ghost'"),
        ("mcpod_call", {"server": "ghost", "tool": "t"}, "No server named 'ghost'"),
    ],
)
async def test_meta_tool_mistakes_come_back_as_tool_errors_the_model_can_read(
    tool: str, arguments: dict[str, Any], says: str
) -> None:
    async with running_daemon() as daemon, Peer.open(daemon) as peer:
        await peer.hello(client_args={"mode": "lazy"})
        await peer.request("initialize", INIT)
        result = (await peer.request("tools/call", {"name": tool, "arguments": arguments}))[
            "result"
        ]
        assert result["isError"] is True and says in result["content"][0]["text"]
