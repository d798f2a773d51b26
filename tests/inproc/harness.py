"""The in-process tier: the daemon's own `run()` in the test's event loop, on a short
temporary socket dir, spoken to over the real Unix socket by a small async client.

For behaviour that needs no real MCP server (handshake, control API, session routing
and error paths); the end-to-end tier runs the real processes.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import anyio
import anyio.abc

from mcpod.client import hello_message
from mcpod.daemon.app import Daemon, run
from mcpod.protocol import LineSplitter, Oversized, resolve_paths
from tests.conftest import short_tempdir

WAIT_S = 10.0


@asynccontextmanager
async def running_daemon(config: dict[str, Any] | None = None) -> AsyncIterator[Daemon]:
    """A daemon serving `config` (no servers by default), stopped and removed afterwards."""
    home = short_tempdir()
    (home / "config.json").write_text(json.dumps(config or {"mcpServers": {}}))
    paths = resolve_paths({"MCPOD_HOME": str(home)})
    try:
        async with anyio.create_task_group() as tg:
            daemon: Daemon = await tg.start(partial(run, paths, handle_signals=False))
            try:
                yield daemon
            finally:
                daemon.request_shutdown("test over")
    finally:
        shutil.rmtree(home, ignore_errors=True)


class Peer:
    """One raw connection to the daemon: lines out, JSON messages in, every wait bounded."""

    def __init__(self, stream: anyio.abc.SocketStream) -> None:
        self.stream = stream
        self._splitter = LineSplitter()
        self._lines: list[bytes | Oversized] = []
        self._next_id = 0
        self.notifications: list[dict[str, Any]] = []  # skipped while awaiting a response

    @classmethod
    @asynccontextmanager
    async def open(cls, daemon: Daemon) -> AsyncIterator[Peer]:
        stream = await anyio.connect_unix(daemon.paths.socket)
        async with stream:
            yield cls(stream)

    async def send_line(self, data: bytes) -> None:
        await self.stream.send(data + b"\n")

    async def send(self, message: dict[str, Any]) -> None:
        await self.send_line(json.dumps(message).encode())

    async def hello(self, role: str = "session", **fields: Any) -> dict[str, Any]:
        await self.send(hello_message(role, **fields))
        return await self.receive()

    async def receive(self) -> dict[str, Any]:
        with anyio.fail_after(WAIT_S):
            while not self._lines:
                self._lines.extend(self._splitter.feed(await self.stream.receive()))
        line = self._lines.pop(0)
        assert not isinstance(line, Oversized)
        message: dict[str, Any] = json.loads(line)
        return message

    async def closed(self) -> bool:
        """True once the daemon has closed this connection (within the wait bound)."""
        with anyio.fail_after(WAIT_S):
            try:
                while True:
                    await self.stream.receive()
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                return True

    async def request(
        self, method: str, params: dict[str, Any] | None = None, *, request_id: Any = None
    ) -> dict[str, Any]:
        """Send a request and return its whole response message."""
        if request_id is None:
            self._next_id += 1
            request_id = self._next_id
        await self.send(
            {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}}
        )
        return await self.response(request_id)

    async def response(self, request_id: Any) -> dict[str, Any]:
        while True:
            message = await self.receive()
            if message.get("id") == request_id and "method" not in message:
                return message
            self.notifications.append(message)
