"""The SDK's client for what it does best: streamable HTTP and SSE servers (and OAuth,
later), behind the same `Channel` shape as mcpod's own stdio connection."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from typing import Any, TextIO

import anyio
import mcp.types as types
from mcp import MCPError
from mcp.client.session import ClientSession
from mcp.shared.jsonrpc_dispatcher import JSONRPCDispatcher

from mcpod import __version__
from mcpod.config import ServerConfig
from mcpod.daemon.upstream.channel import OnProgress, OnServerNotification
from mcpod.daemon.upstream.streams import WatchedReadStream
from mcpod.daemon.upstream.transports import open_remote_transport
from mcpod.protocol import RpcError
from mcpod.protocol.redact import redact

log = logging.getLogger(__name__)


class SdkChannel:
    def __init__(self, name: str, dispatcher: JSONRPCDispatcher, closed: anyio.Event) -> None:
        self.name = name
        self.pid: int | None = None
        self.closed = closed
        self._dispatcher = dispatcher

    @classmethod
    async def open(
        cls,
        stack: AsyncExitStack,
        config: ServerConfig,
        errlog: TextIO,
        on_notification: OnServerNotification,
        timeout_s: float,
    ) -> tuple[SdkChannel, dict[str, Any]]:
        """Connect and initialize; the connection lives as long as `stack`."""
        closed = anyio.Event()
        read, write = await stack.enter_async_context(open_remote_transport(config))
        dispatcher = JSONRPCDispatcher(WatchedReadStream(read, closed), write)

        async def on_message(message: Any) -> None:
            if isinstance(message, Exception):
                log.debug("server %s transport: %s", config.name, message)
                return
            method = getattr(message, "method", "")
            if method and method != "notifications/progress":  # progress: the caller's own
                params = getattr(message, "params", None)
                dumped = (
                    params.model_dump(by_alias=True, exclude_none=True, mode="json")
                    if params
                    else {}
                )
                await on_notification(method, dumped)

        session = ClientSession(
            dispatcher=dispatcher,
            message_handler=on_message,
            client_info=types.Implementation(name="mcpod", version=__version__),
        )
        await stack.enter_async_context(session)
        with anyio.fail_after(timeout_s):
            init = await session.initialize()
        return cls(config.name, dispatcher, closed), init.model_dump(
            by_alias=True, exclude_none=True, mode="json"
        )

    async def request(
        self,
        method: str,
        params: dict[str, Any] | None,
        *,
        timeout_s: float,
        on_progress: OnProgress | None = None,
    ) -> dict[str, Any]:
        opts: dict[str, Any] = {"timeout": timeout_s}
        if on_progress is not None:

            async def progress(value: float, total: float | None, message: str | None) -> None:
                note: dict[str, Any] = {"progress": _number(value)}
                if total is not None:
                    note["total"] = _number(total)
                if message is not None:
                    note["message"] = message
                await on_progress(note)

            opts["on_progress"] = progress
        try:
            return await self._dispatcher.send_raw_request(method, params, opts)  # type: ignore[arg-type]
        except MCPError as exc:
            raise RpcError(
                redact(exc.error.message), code=exc.error.code, data=exc.error.data
            ) from None

    def close(self, why: str) -> None:
        self.closed.set()


def _number(value: float) -> float | int:
    """The SDK hands progress over as floats; an integral one goes on as the integer the
    server (almost certainly) sent."""
    return int(value) if isinstance(value, float) and value.is_integer() else value
