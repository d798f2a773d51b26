"""Nothing a peer sends, and no failing store, ends the daemon or another session."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
import pytest

from mcpod.daemon.server.session import MAX_INFLIGHT
from mcpod.protocol import ErrorCode
from tests.conftest import PROBE
from tests.inproc.harness import Peer, running_daemon

pytestmark = pytest.mark.anyio

MODERN = {"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}}
INIT = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t"}}


async def assert_serving(peer: Peer) -> None:
    assert (await peer.request("ping"))["result"] == {}


@pytest.mark.parametrize(
    "params",
    [{"requestId": {"a": 1}}, {"requestId": [1]}, {"requestId": 2**70}, {"requestId": None},
     {"requestId": True}, {}],
)  # fmt: skip
async def test_a_cancellation_with_a_wrongly_typed_id_is_ignored(params: dict[str, object]) -> None:
    async with running_daemon() as daemon, Peer.open(daemon) as peer:
        await peer.hello()
        await peer.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": params})
        await assert_serving(peer)


@pytest.mark.parametrize("role", ["session", "control"])
async def test_peers_that_vanish_at_each_step_leave_the_daemon_serving(role: str) -> None:
    async with running_daemon() as daemon:
        async with Peer.open(daemon):
            pass  # connected, said nothing
        async with Peer.open(daemon) as peer:
            await peer.send(json.loads(json.dumps({"type": "hello", "protocol": 1,
                                                   "version": "x", "role": role})))  # fmt: skip
        async with Peer.open(daemon) as peer:  # waits for no answer: `mcpod status` ^C
            await peer.hello(role)
            await peer.send({"jsonrpc": "2.0", "id": 1, "method": "status" if role == "control"
                             else "tools/list", "params": {}})  # fmt: skip
        async with Peer.open(daemon) as healthy:
            await healthy.hello()
            await assert_serving(healthy)


async def test_requests_past_the_in_flight_cap_get_an_error_not_a_task() -> None:
    listen = {"notifications": {"toolsListChanged": True}, **MODERN}
    async with running_daemon() as daemon, Peer.open(daemon) as peer:
        await peer.hello()
        for n in range(MAX_INFLIGHT):  # listens stay open: each holds its place
            await peer.send({"jsonrpc": "2.0", "id": n, "method": "subscriptions/listen",
                             "params": listen})  # fmt: skip
        overload = await peer.request("ping", MODERN, request_id="one-too-many")
        assert overload["error"]["code"] == ErrorCode.OVERLOADED
        assert "128 requests in flight" in overload["error"]["message"]
        await peer.send({"jsonrpc": "2.0", "method": "notifications/cancelled",
                         "params": {"requestId": 0}})  # fmt: skip
        assert "result" in await peer.request("ping", MODERN, request_id="fits-again")


async def test_a_failing_store_costs_no_call_and_no_server() -> None:
    probe = {"command": sys.executable, "args": [str(PROBE)]}
    config = {"mcpServers": {"probe": probe}, "mode": "lazy"}
    async with running_daemon(config) as daemon, Peer.open(daemon) as peer:
        database = daemon.store._db.connection  # the daemon's own SQLite connection
        database.execute("PRAGMA query_only = ON")  # every write now fails in SQLite itself
        await peer.hello()
        await peer.request("initialize", INIT)
        activated = await peer.request(
            "tools/call", {"name": "mcpod_activate", "arguments": {"servers": ["probe"]}}
        )
        assert "Activated" in activated["result"]["content"][0]["text"]
        called = await peer.request("tools/call", {"name": "probe__whoami", "arguments": {}})
        assert called["result"]["content"][0]["text"].isdigit()
        (probe_status,) = daemon.pool.status()
        assert probe_status.state == "ready" and probe_status.last_error is None
        database.execute("PRAGMA query_only = OFF")
        with anyio.fail_after(10):  # the store's maintenance retries what it could not write
            while ("probe", "whoami") not in daemon.store.stats.per_tool():
                await anyio.sleep(0.1)
        assert "probe" in daemon.store.catalog.load()


async def test_past_the_connection_cap_a_peer_is_told_why(monkeypatch: pytest.MonkeyPatch) -> None:
    from mcpod.daemon.server import listener

    monkeypatch.setattr(listener, "MAX_CONNECTIONS", 2)
    async with running_daemon() as daemon, Peer.open(daemon) as one, Peer.open(daemon) as two:
        await one.hello()
        await two.hello()
        async with Peer.open(daemon) as three:
            refusal = await three.receive()
            assert refusal["code"] == ErrorCode.OVERLOADED and "2 connections" in refusal["message"]
        await assert_serving(one)


async def test_a_server_that_stops_answering_fails_its_health_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mcpod.daemon.upstream import connection, supervisor

    monkeypatch.setattr(supervisor, "HEALTH_EVERY_S", 0.3)
    monkeypatch.setattr(connection, "PING_TIMEOUT_S", 0.5)
    recorder = Path(__file__).resolve().parents[1] / "servers" / "recorder_server.py"
    config = {"mcpServers": {"rec": {"command": sys.executable, "args": [str(recorder)]}}}
    async with running_daemon(config) as daemon, Peer.open(daemon) as peer:
        await peer.hello(client_args={"mode": "all"})
        await peer.request("initialize", INIT)
        frozen = await peer.request("tools/call", {"name": "rec__freeze", "arguments": {}})
        assert frozen["result"]["content"][0]["text"] == "frozen"
        with anyio.fail_after(15):
            while daemon.pool.upstreams["rec"].state != "stopped":
                await anyio.sleep(0.1)
        (status,) = daemon.pool.status()
        assert "health check" in (status.reason or "") and status.pid is None
