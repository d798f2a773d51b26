"""The control API in-process: typed requests, errors that name the field, status."""

from __future__ import annotations

import msgspec
import pytest

from mcpod.protocol import ErrorCode
from mcpod.protocol.control import SearchResponse, StatusResponse, ToolsResponse
from tests.inproc.harness import Peer, running_daemon

pytestmark = pytest.mark.anyio


async def test_status_decodes_as_its_response_type_and_lists_sessions() -> None:
    async with running_daemon() as daemon, Peer.open(daemon) as session, Peer.open(daemon) as ctl:
        await session.hello(cwd="/work")
        await session.request("initialize", {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "cursor", "version": "9" * 10_000},
        })  # fmt: skip
        await ctl.hello("control")
        status = msgspec.convert((await ctl.request("status"))["result"], StatusResponse)
        (detail,) = status.session_details
        assert status.sessions == 1 and detail.client == "cursor" and detail.cwd == "/work"
        assert detail.era == "legacy" and detail.protocol_version == "2025-06-18"
        assert detail.client_version is not None and len(detail.client_version) <= 200


async def test_tools_and_search_answer_from_an_empty_catalog() -> None:
    async with running_daemon() as daemon, Peer.open(daemon) as ctl:
        await ctl.hello("control")
        tools = msgspec.convert((await ctl.request("tools"))["result"], ToolsResponse)
        found = (await ctl.request("search", {"query": "weather"}))["result"]
        assert tools.servers == [] and msgspec.convert(found, SearchResponse).results == []


@pytest.mark.parametrize(
    ("line", "code", "says"),
    [
        (b"{not json", ErrorCode.PARSE_ERROR, "Parse error"),
        (b"[1, 2]", ErrorCode.INVALID_REQUEST, "Invalid request"),
        (b'{"id": 1, "method": 7}', ErrorCode.INVALID_REQUEST, "Invalid request"),
        (b'{"id": 1, "method": "reboot"}', ErrorCode.METHOD_NOT_FOUND, "known: status"),
        (b'{"id": 1, "method": "search", "params": {"query": 5}}', ErrorCode.INVALID_PARAMS,
         "$.query"),
        (b'{"id": 1, "method": "search", "params": {}}', ErrorCode.INVALID_PARAMS, "query"),
        (b'{"id": 1, "method": "tools", "params": {"server": "nope"}}', ErrorCode.INVALID_PARAMS,
         "no server named 'nope'"),
        (b'{"id": 1, "method": "start", "params": {"servers": ["nope"]}}',
         ErrorCode.UNKNOWN_SERVER, "no enabled server named 'nope'"),
        (b'{"id": 1, "method": "restart", "params": {"servers": []}}',
         ErrorCode.INVALID_PARAMS, "servers"),
        (b'{"id": 1, "method": "call", "params": {"server": "nope", "tool": "t"}}',
         ErrorCode.UNKNOWN_SERVER, "no enabled server named 'nope'"),
    ],
)  # fmt: skip
async def test_a_bad_control_request_gets_an_error_and_the_connection_goes_on(
    line: bytes, code: ErrorCode, says: str
) -> None:
    async with running_daemon() as daemon, Peer.open(daemon) as ctl:
        await ctl.hello("control")
        await ctl.send_line(line)
        error = (await ctl.receive())["error"]
        assert error["code"] == code and says in error["message"]
        assert (await ctl.request("ping"))["result"] == {"pong": True}


async def test_shutdown_answers_first_then_stops() -> None:
    async with running_daemon() as daemon, Peer.open(daemon) as ctl:
        await ctl.hello("control")
        answer = (await ctl.request("shutdown"))["result"]
        assert answer["stopping"] is True
        assert await ctl.closed()
        assert daemon.stopping and not daemon.paths.socket.exists()
