"""The control API (`mcpod status`, `mcpod stop`, tests): JSON-RPC over the same socket.

`shutdown` answers first and then stops (pueue's order), having already removed the
socket (dmypy's order), so a client that sees the answer never reaches a dying daemon.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
import orjson

from mcpod import __version__
from mcpod.daemon.catalog import estimate_tokens, one_line
from mcpod.daemon.naming import namespaced
from mcpod.protocol import PROTOCOL_VERSION, ErrorCode, LineSplitter, McpodError, Oversized

if TYPE_CHECKING:
    from mcpod.daemon.app import Daemon

log = logging.getLogger(__name__)

ControlMethod = Callable[["Daemon", dict[str, Any]], Awaitable[Any]]


async def status(daemon: Daemon, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "pid": os.getpid(),
        "version": __version__,
        "protocol": PROTOCOL_VERSION,
        "uptime_s": round(time.monotonic() - daemon.started_monotonic, 3),
        "started_at": daemon.started_at,
        "config": str(daemon.config.path),
        "socket": str(daemon.paths.socket),
        "log": str(daemon.paths.daemon_log),
        "sessions": len(daemon.sessions),
        "session_details": [s.describe() for s in daemon.sessions.values()],
        "servers": daemon.pool.status(),
    }


async def shutdown(daemon: Daemon, params: dict[str, Any]) -> dict[str, Any]:
    daemon.retire_socket()  # serve_control starts the shutdown once this answer is sent
    return {"stopping": True, "pid": os.getpid()}


async def ping(daemon: Daemon, params: dict[str, Any]) -> dict[str, Any]:
    return {"pong": True}


async def start_servers(daemon: Daemon, params: dict[str, Any]) -> dict[str, Any]:
    """Warm every configured server now (used by `mcpod check` and benchmarks)."""
    await daemon.pool.ensure()
    return {"servers": daemon.pool.status()}


async def tools(daemon: Daemon, params: dict[str, Any]) -> dict[str, Any]:
    """Every server's tools from the catalog (no server is started for this)."""
    wanted = params.get("server")
    if wanted is not None and wanted not in daemon.catalog.entries:
        known = ", ".join(sorted(daemon.catalog.entries)) or "none"
        raise McpodError(
            f"no server named {wanted!r}; configured: {known}", code=ErrorCode.INVALID_PARAMS
        )
    servers = []
    for name, entry in sorted(daemon.catalog.entries.items()):
        if wanted is not None and name != wanted:
            continue
        servers.append({
            "server": name, "title": entry.title, "category": entry.category,
            "description": entry.description, "indexed": entry.indexed, "tokens": entry.tokens,
            "state": daemon.pool.upstreams[name].state,
            "tools": [_tool_row(name, t) for t in entry.lists["tools"]],
        })  # fmt: skip
    return {"servers": servers}


def _tool_row(server: str, tool: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": tool.get("name"),
        "exposed": namespaced(server, str(tool.get("name"))),
        "description": one_line(tool.get("description"), 200),
        "tokens": estimate_tokens(tool),
    }


async def search(daemon: Daemon, params: dict[str, Any]) -> dict[str, Any]:
    query = params.get("query")
    if not isinstance(query, str) or not query.strip():
        raise McpodError("search needs a non-empty 'query'", code=ErrorCode.INVALID_PARAMS)
    limit = max(1, min(int(params.get("limit") or 10), 200))
    results = []
    for hit in daemon.catalog.search(query, limit):
        row = _tool_row(hit.server, daemon.catalog.tool(hit.server, hit.tool) or {"name": hit.tool})
        results.append(
            {"server": hit.server, "tool": hit.tool, "score": round(hit.score, 4), **row}
        )
    return {"results": results}


METHODS: dict[str, ControlMethod] = {
    "status": status,
    "shutdown": shutdown,
    "ping": ping,
    "start": start_servers,
    "tools": tools,
    "search": search,
}


async def serve_control(daemon: Daemon, stream: anyio.abc.SocketStream, rest: bytes) -> None:
    splitter = LineSplitter()
    data = rest
    while True:
        for line in splitter.feed(data):
            await stream.send(await _answer(daemon, line) + b"\n")
            if daemon.socket_retired:
                daemon.request_shutdown("mcpod stop")
                return
        try:
            data = await stream.receive(65536)
        except (anyio.EndOfStream, anyio.BrokenResourceError, OSError):
            return


async def _answer(daemon: Daemon, line: bytes | Oversized) -> bytes:
    request_id = None
    try:
        if isinstance(line, Oversized):
            raise McpodError("control message too large", code=ErrorCode.MESSAGE_TOO_LARGE)
        request = orjson.loads(line)
        if not isinstance(request, dict):
            raise McpodError("a request must be a JSON object", code=ErrorCode.INVALID_REQUEST)
        request_id = request.get("id")
        method = METHODS.get(request.get("method", ""))
        if method is None:
            raise McpodError(
                f"unknown control method {request.get('method')!r}; known: {', '.join(METHODS)}",
                code=ErrorCode.METHOD_NOT_FOUND,
            )
        params = request.get("params") or {}
        result = await method(daemon, params if isinstance(params, dict) else {})
        return orjson.dumps({"jsonrpc": "2.0", "id": request_id, "result": result})
    except orjson.JSONDecodeError as exc:
        error = {"code": int(ErrorCode.PARSE_ERROR), "message": f"Parse error: {exc}"}
    except McpodError as exc:
        error = exc.to_error_object()
    except Exception as exc:
        log.exception("control request failed")
        error = {"code": int(ErrorCode.INTERNAL_ERROR), "message": f"internal error: {exc}"}
    return orjson.dumps({"jsonrpc": "2.0", "id": request_id, "error": error})
