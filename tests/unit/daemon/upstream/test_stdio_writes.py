"""The stdio channel's writer: requests queue their bytes, one task writes them in order,
and a server that stops reading its stdin is dropped after `WRITE_TIMEOUT_S`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from mcpod.config import ServerConfig
from mcpod.daemon.upstream import stdio
from mcpod.daemon.upstream.serverlog import ServerLog
from mcpod.protocol import RpcError

pytestmark = pytest.mark.anyio

# Echoes each request's params back as its result, one line at a time.
ECHO = """
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if "id" in message:
        print(json.dumps({"jsonrpc": "2.0", "id": message["id"],
                          "result": {"echo": message.get("params")}}), flush=True)
"""
DEAF = "import time; time.sleep(60)"  # never reads its stdin


async def ignore(*_: Any) -> Any:
    return {}


def server(code: str) -> ServerConfig:
    return ServerConfig(name="s", transport="stdio", command=sys.executable, args=("-c", code))


async def test_concurrent_requests_are_written_in_order_and_each_answered(tmp_path: Path) -> None:
    log = ServerLog(tmp_path / "s.log")
    async with stdio.StdioChannel.open(
        server(ECHO), log, env={}, cwd=None, on_notification=ignore, on_request=ignore
    ) as channel:
        results: dict[int, Any] = {}

        async def call(n: int) -> None:
            results[n] = await channel.request("echo", {"n": n}, timeout_s=10)

        async with anyio.create_task_group() as tg:
            for n in range(200):
                tg.start_soon(call, n)
    assert results == {n: {"echo": {"n": n}} for n in range(200)}


async def test_a_server_that_stops_reading_is_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stdio, "WRITE_TIMEOUT_S", 0.5)
    log = ServerLog(tmp_path / "s.log")
    async with stdio.StdioChannel.open(
        server(DEAF), log, env={}, cwd=None, on_notification=ignore, on_request=ignore
    ) as channel:
        big = {"pad": "x" * (1 << 20)}  # more than a pipe holds
        with anyio.fail_after(10), pytest.raises(RpcError) as failed:
            await channel.request("ping", big, timeout_s=30)
        assert "stopped reading its stdin" in failed.value.message
        assert channel.closed.is_set()
        with pytest.raises(RpcError):  # and later requests fail at once
            await channel.request("ping", None, timeout_s=30)
