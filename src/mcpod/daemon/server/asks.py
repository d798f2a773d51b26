"""Requests mcpod sends to a client (an upstream's sampling, elicitation or roots request,
or mcpod's own roots/list), and the client's answers to them.

Ids are the session's own counter, so they never meet the ids of an upstream (remapped
both ways). Every wait is bounded; a cancelled wait tells the client with
`notifications/cancelled`; a session that ends fails what is still waiting at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from mcpod.protocol import ErrorCode, RpcError
from mcpod.protocol.redact import redact

Send = Callable[[dict[str, Any]], Awaitable[None]]

MAX_ASKS = 32  # requests to one client waiting at once


class _Pending:
    __slots__ = ("done", "error", "result")

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.result: dict[str, Any] | None = None
        self.error: RpcError | None = None


class ClientAsks:
    def __init__(self, send: Send) -> None:
        self._send = send
        self._pending: dict[int, _Pending] = {}
        self._next_id = 0
        self._ended: str | None = None

    async def ask(
        self, method: str, params: dict[str, Any] | None, *, timeout_s: float
    ) -> dict[str, Any]:
        """Send a request to the client; its result, or `RpcError` for an error answer."""
        if self._ended is not None:
            raise RpcError(self._ended, code=ErrorCode.CONNECTION_CLOSED)
        if len(self._pending) >= MAX_ASKS:
            raise RpcError(f"{MAX_ASKS} requests to this client are already waiting for "
                           "answers (mcpod's limit)", code=ErrorCode.OVERLOADED)  # fmt: skip
        self._next_id += 1
        request_id = self._next_id
        # "method" before "id": the shim reads `{"jsonrpc":"2.0","id":` as an answer.
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        message["id"] = request_id
        pending = self._pending[request_id] = _Pending()
        try:
            await self._send(message)
            with anyio.fail_after(timeout_s):
                await pending.done.wait()
        except TimeoutError:
            await self._cancel(request_id, f"mcpod: no answer within {timeout_s:g} s")
            raise RpcError(f"the client did not answer {method} within {timeout_s:g} s",
                           code=ErrorCode.REQUEST_TIMEOUT) from None  # fmt: skip
        except anyio.get_cancelled_exc_class():
            with anyio.CancelScope(shield=True):
                await self._cancel(request_id, "the server cancelled its request")
            raise
        finally:
            self._pending.pop(request_id, None)
        if pending.error is not None:
            raise pending.error
        return pending.result or {}

    def answered(self, request_id: Any, result: Any, error: Any) -> bool:
        """The client's answer; False if no request of ours waits for it."""
        pending = self._pending.get(request_id) if isinstance(request_id, int) else None
        if pending is None or pending.done.is_set():
            return False
        if error is not None:
            pending.error = _as_error(error)
        elif isinstance(result, dict):
            pending.result = result
        else:
            pending.error = RpcError("the client answered with a result that is not an object",
                                     code=ErrorCode.INTERNAL_ERROR)  # fmt: skip
        pending.done.set()
        return True

    def end(self, why: str) -> None:
        """The session is over: fail every request still waiting, and any sent later."""
        self._ended = why
        for pending in self._pending.values():
            if not pending.done.is_set():
                pending.error = RpcError(why, code=ErrorCode.CONNECTION_CLOSED)
                pending.done.set()

    async def _cancel(self, request_id: int, reason: str) -> None:
        if self._ended is None:
            params = {"requestId": request_id, "reason": reason}
            await self._send({"jsonrpc": "2.0", "method": "notifications/cancelled",
                              "params": params})  # fmt: skip


def _as_error(error: Any) -> RpcError:
    """The client's error object as an `RpcError` (its fields type-checked)."""
    if not isinstance(error, dict):
        return RpcError("the client answered with an error mcpod cannot read")
    code = error.get("code")
    message = error.get("message")
    return RpcError(
        redact(message) if isinstance(message, str) else "the client refused the request",
        code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        data=error.get("data"),
    )
