"""Routing a session's request to the upstream that owns the name or URI.

The server is resolved to the instance that serves this session in the server's sharing
scope (the shared one, the session's own, or its project's). The client's own `_meta`
goes along (minus the era's keys), its progress token is remapped by the upstream
connection and progress comes back to exactly this session, always ahead of the result.
Shared by the MCP handlers and the meta-tools' call-through.
"""

from __future__ import annotations

import time
from typing import Any

import anyio
import anyio.lowlevel

from mcpod.daemon.catalog import Catalog
from mcpod.daemon.server.eras import META_PREFIX, as_dict
from mcpod.daemon.server.session import Session
from mcpod.daemon.store import CallStats
from mcpod.daemon.upstream import Origin, Pool, Upstream
from mcpod.protocol import ErrorCode, RpcError


class Router:
    def __init__(self, catalog: Catalog, pool: Pool, stats: CallStats) -> None:
        self._catalog = catalog
        self._pool = pool
        self._stats = stats

    async def call_tool(
        self,
        session: Session,
        server: str,
        tool: str,
        arguments: dict[str, Any],
        original: dict[str, Any],
    ) -> dict[str, Any]:
        """`tools/call` on `server`, counted in the call statistics."""
        started, ok = time.perf_counter(), False
        try:
            params = {"name": tool, "arguments": arguments}
            result = await self.forward(session, server, "tools/call", params, original)
            ok = not result.get("isError")
            return result
        finally:
            self._stats.count(server, tool, (time.perf_counter() - started) * 1000, ok)

    async def forward(
        self,
        session: Session,
        server: str,
        method: str,
        forwarded: dict[str, Any],
        original: dict[str, Any],
    ) -> dict[str, Any]:
        """Send to the server's instance for this session, with the client's own `_meta`
        (minus era keys) and progress."""
        upstream, origin = await self.instance(session, server)
        meta = as_dict(original.get("_meta"))
        token = meta.pop("progressToken", None)
        extra = {k: v for k, v in meta.items() if not k.startswith(META_PREFIX)}
        if extra:
            forwarded["_meta"] = extra
        if token is None:
            return await upstream.request(method, forwarded, origin=origin)
        relay = ProgressRelay(session, token)
        result = await upstream.request(method, forwarded, origin=origin, on_progress=relay)
        await relay.drain()
        return result

    async def instance(self, session: Session, server: str) -> tuple[Upstream, Origin]:
        """The instance of `server` for this session, and the session as it sees it."""
        scope = self._pool.get(server).config.scope
        origin = session.origin(await session.project_dir() if scope == "project" else None)
        return self._pool.instance(server, origin), origin

    def prompt_owner(self, session: Session, name: str) -> tuple[str, str]:
        """The server and its own name for the prompt a session calls `name`."""
        route = self._catalog.prompt_routes.get(name)
        if route is None or route[0] not in session.surface.allowed:
            raise RpcError(f"Unknown prompt: {name}", code=ErrorCode.INVALID_PARAMS)
        return route

    def uri_owner(self, session: Session, params: dict[str, Any]) -> str:
        """The server serving `params.uri`: among visible servers first, then allowed ones."""
        uri = params.get("uri")
        if not isinstance(uri, str):
            raise RpcError("params.uri must be a string", code=ErrorCode.INVALID_PARAMS)
        surface = session.surface
        owner = self._catalog.owner_of_uri(uri, surface.visible()) or self._catalog.owner_of_uri(
            uri, surface.allowed
        )
        if owner is None:
            raise RpcError(
                f"Resource not found: {uri}", code=ErrorCode.INVALID_PARAMS, data={"uri": uri}
            )
        return owner


class ProgressRelay:
    """Forwards one request's progress to its session, and keeps it ahead of the result.

    mcpod's stdio channel calls it inline, in order; the SDK's dispatcher (remote
    servers) runs each callback as a task of its own, so without `drain()` the last
    progress notification could reach the client after the result.
    """

    def __init__(self, session: Session, token: Any) -> None:
        self._session = session
        self._token = token
        self._active = 0
        self._idle = anyio.Event()

    async def __call__(self, progress: dict[str, Any]) -> None:
        """One upstream progress notification's params (its token removed)."""
        self._active += 1
        try:
            note = {"progressToken": self._token, **progress}
            await self._session.send_notification("notifications/progress", note)
        finally:
            self._active -= 1
            if not self._active:
                self._idle.set()

    async def drain(self) -> None:
        await anyio.lowlevel.checkpoint()  # let progress tasks spawned before the result start
        while self._active:
            self._idle = anyio.Event()
            await self._idle.wait()
