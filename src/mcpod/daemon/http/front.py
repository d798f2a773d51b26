"""The HTTP MCP sessions: each one a daemon `Session` in a `Channel`, registered in the
daemon's `Sessions` like a shim's (so `mcpod status` lists it and fan-out reaches it).

Handshake-era clients get one session per `initialize`, named by `Mcp-Session-Id`
until DELETE (or an hour without use). A 2026-07-28 request has no session: all of them
at one endpoint (`/mcp` with the same query, or `/mcp/{server}`) share one daemon
session, ids kept apart by the channel.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.abc

from mcpod import __version__
from mcpod.daemon.http.channel import Channel
from mcpod.daemon.server import Session, Sessions
from mcpod.daemon.server.session import Handler
from mcpod.daemon.upstream import Pool
from mcpod.protocol import PROTOCOL_VERSION, SESSION_ENV_KEYS, ErrorCode, McpodError
from mcpod.protocol.wire import Hello

log = logging.getLogger(__name__)

MAX_SESSIONS = 256
IDLE_TIMEOUT_S = 3600.0
SWEEP_EVERY_S = 60.0


@dataclass(frozen=True)
class Endpoint:
    """`/mcp` with its query's client args, or `/mcp/{server}`."""

    server: str | None = None
    client_args: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        if self.server is not None:
            return f"server:{self.server}"
        return "mcp?" + "&".join(f"{k}={v}" for k, v in sorted(self.client_args.items()))


class McpFront:
    def __init__(
        self,
        sessions: Sessions,
        pool: Pool,
        handler_for: Callable[[Endpoint], Handler],
        task_group: anyio.abc.TaskGroup,
    ) -> None:
        self._sessions = sessions
        self._pool = pool
        self._handler_for = handler_for
        self._tg = task_group
        self._channels: dict[str, tuple[Endpoint, Channel]] = {}  # by Mcp-Session-Id
        self._shared: dict[str, Channel] = {}  # 2026-07-28, by endpoint key

    def get(self, session_key: str, endpoint: Endpoint) -> Channel | None:
        found = self._channels.get(session_key)
        if found is None or found[0] != endpoint or found[1].closed:
            return None
        return found[1]

    def open(self, endpoint: Endpoint) -> Channel:
        """A new handshake-era session (its key is the `Mcp-Session-Id`)."""
        if len(self._channels) >= MAX_SESSIONS:
            raise McpodError(
                f"the HTTP front already serves {MAX_SESSIONS} sessions (its limit); "
                "end sessions you no longer use (DELETE /mcp)",
                code=ErrorCode.OVERLOADED,
            )
        key = secrets.token_hex(16)
        channel = self._start(key, endpoint)
        self._channels[key] = (endpoint, channel)
        return channel

    def shared(self, endpoint: Endpoint) -> Channel:
        """The one session of a 2026-07-28 endpoint."""
        channel = self._shared.get(endpoint.key)
        if channel is None or channel.closed:
            channel = self._shared[endpoint.key] = self._start(f"shared:{endpoint.key}", endpoint)
        return channel

    def _start(self, key: str, endpoint: Endpoint) -> Channel:
        hello = Hello(
            protocol=PROTOCOL_VERSION, version=__version__, role="session", pid=None,
            cwd=None, env={k: v for k, v in os.environ.items() if k in SESSION_ENV_KEYS},
            client_args=dict(endpoint.client_args),
        )  # fmt: skip
        handler = self._handler_for(endpoint)
        session_id = key[:12] if not key.startswith("shared:") else secrets.token_hex(6)

        def make(stream: anyio.abc.ByteStream) -> Session:
            return Session(session_id, stream, handler, peer_pid=None, hello=hello,
                           on_roots_changed=self._roots_changed)  # fmt: skip

        channel = Channel(key, make, self._ended)
        self._sessions.add(channel.session)
        log.info("HTTP session %s opened (%s)", session_id, endpoint.key)
        self._tg.start_soon(channel.run)
        return channel

    async def _ended(self, session: Session) -> None:
        self._sessions.remove(session)
        self._pool.session_ended(session.id)
        for key, (_, channel) in list(self._channels.items()):
            if channel.session is session:
                del self._channels[key]
        log.info("HTTP session %s closed after %d requests", session.id, session.requests)

    async def _roots_changed(self, session: Session) -> None:
        for upstream in self._pool.of_session(session.id):
            await upstream.notify("notifications/roots/list_changed")

    async def sweep(self) -> None:
        """End handshake-era sessions nobody has used for `IDLE_TIMEOUT_S` (never returns)."""
        while True:
            await anyio.sleep(SWEEP_EVERY_S)
            now = time.monotonic()
            for _, channel in list(self._channels.values()):
                if not channel.busy and now - channel.last_used > IDLE_TIMEOUT_S:
                    log.info("HTTP session %s unused for an hour: ended", channel.session.id)
                    await channel.close()

    async def close_all(self) -> None:
        for channel in [c for _, c in self._channels.values()] + list(self._shared.values()):
            await channel.close()
