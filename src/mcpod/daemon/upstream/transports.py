"""The SDK's client transports for one server: stdio, streamable HTTP, SSE.

A stdio child carries a marker in its environment (`MCPOD_UPSTREAM`), because the SDK's
`stdio_client` hides the process: the marker is how its pid is found.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TextIO

import psutil

from mcpod.config import ServerConfig

MARKER_ENV = "MCPOD_UPSTREAM"  # which server: "<name>:<uuid>"
OWNER_ENV = "MCPOD_OWNER"  # which daemon: its socket path (see `reaper`)


def open_transport(
    config: ServerConfig, errlog: TextIO, marker: str, owner: str
) -> AbstractAsyncContextManager[Any]:
    """The (read, write) streams of a new connection to `config`'s server."""
    if config.transport == "stdio":
        from mcp.client.stdio import StdioServerParameters, stdio_client

        assert config.command is not None
        params = StdioServerParameters(
            command=config.command,
            args=list(config.args),
            env={**config.env, MARKER_ENV: marker, OWNER_ENV: owner},
            cwd=config.cwd,
        )
        return stdio_client(params, errlog=errlog)
    assert config.url is not None
    if config.transport == "sse":
        from mcp.client.sse import sse_client

        return sse_client(config.url, headers=config.headers, sse_read_timeout=config.call_timeout)
    return _streamable_http(config)


@asynccontextmanager
async def _streamable_http(config: ServerConfig) -> AsyncIterator[Any]:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    assert config.url is not None
    timeout = httpx2.Timeout(30.0, read=config.call_timeout)
    async with (
        httpx2.AsyncClient(headers=config.headers, timeout=timeout) as http,
        streamable_http_client(config.url, http_client=http) as streams,
    ):
        yield streams


def find_child(marker: str) -> int | None:
    """The pid of this process's child started with `marker`."""
    for child in psutil.Process().children():
        try:
            if child.environ().get(MARKER_ENV) == marker:
                return int(child.pid)
        except psutil.Error:
            continue
    return None
