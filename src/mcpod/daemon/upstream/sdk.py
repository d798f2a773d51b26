"""The SDK's client for what it does best: streamable HTTP and SSE servers (and their
OAuth, see `oauth`), behind the same `Channel` shape as mcpod's own stdio connection."""

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
from mcpod.config import SecretStore, ServerConfig
from mcpod.daemon.upstream.channel import OnProgress, OnServerNotification, OnServerRequest
from mcpod.daemon.upstream.oauth import DaemonAuth, NeedsLogin, daemon_auth
from mcpod.daemon.upstream.streams import WatchedReadStream
from mcpod.daemon.upstream.transports import open_remote_transport
from mcpod.protocol import RpcError
from mcpod.protocol.redact import redact

log = logging.getLogger(__name__)


class SdkChannel:
    def __init__(
        self,
        name: str,
        dispatcher: JSONRPCDispatcher,
        closed: anyio.Event,
        auth: DaemonAuth | None = None,
    ) -> None:
        self.name = name
        self.pid: int | None = None
        self.closed = closed
        self._dispatcher = dispatcher
        self._auth = auth

    @classmethod
    async def open(
        cls,
        stack: AsyncExitStack,
        config: ServerConfig,
        errlog: TextIO,
        timeout_s: float,
        *,
        on_notification: OnServerNotification,
        on_request: OnServerRequest,
        capabilities: dict[str, Any],
        secrets: SecretStore | None = None,
    ) -> tuple[SdkChannel, dict[str, Any]]:
        """Connect and initialize; the connection lives as long as `stack`.

        The server is offered the client `capabilities` mcpod can forward (the SDK
        offers one for each callback given). With `secrets`, requests carry the server's
        stored OAuth tokens; `NeedsLogin` when the server wants a login they do not give.
        """
        auth = daemon_auth(config, secrets) if secrets is not None else None
        try:
            return await cls._open(
                stack, config, timeout_s, auth,
                on_notification=on_notification, on_request=on_request,
                capabilities=capabilities,
            )  # fmt: skip
        except Exception:
            if auth is not None and auth.login_needed:
                raise NeedsLogin(config.name) from None
            raise

    @classmethod
    async def _open(
        cls,
        stack: AsyncExitStack,
        config: ServerConfig,
        timeout_s: float,
        auth: DaemonAuth | None,
        *,
        on_notification: OnServerNotification,
        on_request: OnServerRequest,
        capabilities: dict[str, Any],
    ) -> tuple[SdkChannel, dict[str, Any]]:
        closed = anyio.Event()
        read, write = await stack.enter_async_context(open_remote_transport(config, auth))
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
            **_server_request_callbacks(on_request, capabilities),
        )
        await stack.enter_async_context(session)
        with anyio.fail_after(timeout_s):
            init = await session.initialize()
        return cls(config.name, dispatcher, closed, auth), init.model_dump(
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
            if self._auth is not None and self._auth.login_needed:
                # The tokens stopped working (refused, and no refresh): this connection is
                # done; the next start finds the server in `needs-login`.
                self.close("needs login")
                raise RpcError(
                    f"MCP server {self.name!r} {NeedsLogin(self.name).message}",
                    code=exc.error.code,
                ) from None
            raise RpcError(
                redact(exc.error.message), code=exc.error.code, data=exc.error.data
            ) from None

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        if not self.closed.is_set():
            try:
                await self._dispatcher.notify(method, params)
            except Exception as exc:  # a lost notification is the connection's trouble
                log.debug("server %s: notification %s not sent: %s", self.name, method, exc)

    def close(self, why: str) -> None:
        self.closed.set()


def _server_request_callbacks(
    on_request: OnServerRequest, capabilities: dict[str, Any]
) -> dict[str, Any]:
    """The SDK callbacks for the server's own requests, one per capability offered."""

    async def ask(method: str, params: Any, *result_types: Any) -> Any:
        dumped = params.model_dump(by_alias=True, exclude_none=True, mode="json") if params else {}
        try:
            answer = await on_request(method, dumped)
        except RpcError as exc:
            return types.ErrorData(code=exc.code, message=exc.message, data=exc.data)
        problem: Exception | None = None
        for result_type in result_types:  # the SDK wants a typed result back
            try:
                return result_type.model_validate(answer)
            except ValueError as exc:  # pydantic: the client's answer does not fit the type
                problem = exc
        return types.ErrorData(code=-32603, message=f"the client's answer is invalid: {problem}")

    async def sampling(context: Any, params: types.CreateMessageRequestParams) -> Any:
        return await ask(
            "sampling/createMessage", params,
            types.CreateMessageResult, types.CreateMessageResultWithTools,
        )  # fmt: skip

    async def elicitation(context: Any, params: types.ElicitRequestParams) -> Any:
        return await ask("elicitation/create", params, types.ElicitResult)

    async def roots(context: Any) -> Any:
        return await ask("roots/list", None, types.ListRootsResult)

    offered = {
        "sampling": ("sampling_callback", sampling),
        "elicitation": ("elicitation_callback", elicitation),
        "roots": ("list_roots_callback", roots),
    }
    return {arg: callback for key, (arg, callback) in offered.items() if key in capabilities}


def _number(value: float) -> float | int:
    """The SDK hands progress over as floats; an integral one goes on as the integer the
    server (almost certainly) sent."""
    return int(value) if isinstance(value, float) and value.is_integer() else value
