"""The control API server: JSON-RPC over the same socket, one verb per module.

Each verb decodes its params into its `<Verb>Request` Struct (a wrong field is an
invalid-params error naming it) and returns its `<Noun>Response`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import anyio.abc
import msgspec

from mcpod.daemon.control.call import call
from mcpod.daemon.control.context import ControlContext
from mcpod.daemon.control.lifecycle import restart, start, stop_servers
from mcpod.daemon.control.ping import ping
from mcpod.daemon.control.reload import reload
from mcpod.daemon.control.search import search
from mcpod.daemon.control.servers import servers
from mcpod.daemon.control.shutdown import shutdown
from mcpod.daemon.control.status import status
from mcpod.daemon.control.tools import tools
from mcpod.protocol import ErrorCode, LineSplitter, McpodError, Oversized
from mcpod.protocol.control import (
    CallRequest,
    PingRequest,
    ReloadRequest,
    RestartRequest,
    SearchRequest,
    ServersRequest,
    ShutdownRequest,
    StartRequest,
    StatusRequest,
    StopServersRequest,
    ToolsRequest,
)

log = logging.getLogger(__name__)

WRITE_TIMEOUT_S = 30.0  # a control peer that stops reading is dropped

Verb = Callable[[ControlContext, Any], Awaitable[msgspec.Struct]]
VERBS: dict[str, tuple[type[msgspec.Struct], Verb]] = {
    "status": (StatusRequest, status),
    "shutdown": (ShutdownRequest, shutdown),
    "ping": (PingRequest, ping),
    "start": (StartRequest, start),
    "tools": (ToolsRequest, tools),
    "search": (SearchRequest, search),
    "reload": (ReloadRequest, reload),
    "servers": (ServersRequest, servers),
    "stop_servers": (StopServersRequest, stop_servers),
    "restart": (RestartRequest, restart),
    "call": (CallRequest, call),
}


class ControlEnvelope(msgspec.Struct, frozen=True):
    method: str
    id: int | str | None = None
    params: dict[str, Any] | None = None


_envelope = msgspec.json.Decoder(ControlEnvelope)
_encoder = msgspec.json.Encoder()


class ControlServer:
    def __init__(self, ctx: ControlContext, on_shutdown: Callable[[str], None]) -> None:
        self._ctx = ctx
        self._on_shutdown = on_shutdown

    async def serve(self, stream: anyio.abc.SocketStream, rest: bytes) -> None:
        """Answer each request in turn until the peer closes (or goes away mid-answer)."""
        splitter = LineSplitter()
        data = rest
        try:
            while True:
                for line in splitter.feed(data):
                    answer, stopping = await self._answer(line)
                    if stopping:  # answered first (if the peer still listens), then stop
                        with contextlib.suppress(anyio.BrokenResourceError, OSError):
                            await _send(stream, answer)
                        self._on_shutdown("mcpod stop")
                        return
                    await _send(stream, answer)
                data = await stream.receive(65536)
        except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            return  # e.g. `mcpod status` interrupted before its answer
        except TimeoutError:
            log.info("dropped a control connection that stopped reading its answers")

    async def _answer(self, line: bytes | Oversized) -> tuple[bytes, bool]:
        """The encoded answer, and whether it acknowledged a shutdown."""
        request_id: Any = None
        try:
            if isinstance(line, Oversized):
                raise McpodError("control message too large", code=ErrorCode.MESSAGE_TOO_LARGE)
            envelope = _decode_envelope(line)
            request_id = envelope.id
            kind, verb = _verb(envelope.method)
            result = await verb(self._ctx, _decode_params(envelope.params or {}, kind))
            answer = {"jsonrpc": "2.0", "id": request_id, "result": result}
            return _encoder.encode(answer), envelope.method == "shutdown"
        except McpodError as exc:
            error = exc.to_error_object()
        except Exception as exc:
            log.exception("control request failed")
            error = {"code": int(ErrorCode.INTERNAL_ERROR), "message": f"internal error: {exc}"}
        return _encoder.encode({"jsonrpc": "2.0", "id": request_id, "error": error}), False


def _decode_envelope(line: bytes) -> ControlEnvelope:
    try:
        return _envelope.decode(line)
    except msgspec.ValidationError as exc:  # first: it is a subclass of DecodeError
        raise McpodError(f"Invalid request: {exc}", code=ErrorCode.INVALID_REQUEST) from None
    except msgspec.DecodeError as exc:
        raise McpodError(f"Parse error: {exc}", code=ErrorCode.PARSE_ERROR) from None


def _verb(method: str) -> tuple[type[msgspec.Struct], Verb]:
    found = VERBS.get(method)
    if found is None:
        raise McpodError(
            f"unknown control method {method!r}; known: {', '.join(VERBS)}",
            code=ErrorCode.METHOD_NOT_FOUND,
        )
    return found


def _decode_params(params: dict[str, Any], kind: type[msgspec.Struct]) -> Any:
    try:
        return msgspec.convert(params, kind)
    except msgspec.ValidationError as exc:
        raise McpodError(f"invalid params: {exc}", code=ErrorCode.INVALID_PARAMS) from None


async def _send(stream: anyio.abc.SocketStream, answer: bytes) -> None:
    with anyio.fail_after(WRITE_TIMEOUT_S):
        await stream.send(answer + b"\n")
