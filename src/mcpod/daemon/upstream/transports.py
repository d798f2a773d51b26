"""The SDK's client transports for remote servers (streamable HTTP, SSE), and the markers
every stdio server mcpod starts carries in its environment."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from mcpod.config import ServerConfig

MARKER_ENV = "MCPOD_UPSTREAM"  # which server: "<name>:<uuid>"
OWNER_ENV = "MCPOD_OWNER"  # which daemon: its socket path (see `reaper`)


def open_remote_transport(
    config: ServerConfig, auth: Any = None
) -> AbstractAsyncContextManager[Any]:
    """The (read, write) streams of a new connection to a remote server; `auth` is an
    `httpx2.Auth` for its requests (the OAuth provider, see `oauth`), or None."""
    assert config.url is not None
    if config.transport == "sse":
        from mcp.client.sse import sse_client

        return sse_client(
            config.url, headers=config.headers, sse_read_timeout=config.call_timeout, auth=auth
        )
    return _streamable_http(config, auth)


@asynccontextmanager
async def _streamable_http(config: ServerConfig, auth: Any = None) -> AsyncIterator[Any]:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    assert config.url is not None
    timeout = httpx2.Timeout(30.0, read=config.call_timeout)
    async with (
        httpx2.AsyncClient(headers=config.headers, timeout=timeout, auth=auth) as http,
        streamable_http_client(config.url, http_client=http) as streams,
    ):
        yield streams
