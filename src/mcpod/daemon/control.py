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
    await daemon.pool.ensure_all()
    return {"servers": daemon.pool.status()}


METHODS: dict[str, ControlMethod] = {
    "status": status,
    "shutdown": shutdown,
    "ping": ping,
    "start": start_servers,
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
