"""What an upstream connection offers, whichever transport carries it.

`StdioChannel` (mcpod's own, for stdio servers) and `SdkChannel` (the SDK's streamable
HTTP and SSE clients) both send requests with a timeout and a progress callback, report
server notifications, pass the server's own requests (sampling, elicitation, roots) to
`OnServerRequest`, and set `closed` when the connection ends, failing what is in flight
at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, Protocol

import anyio

OnProgress = Callable[[dict[str, Any]], Awaitable[None]]  # the progress params, token removed
OnServerNotification = Callable[[str, dict[str, Any]], Awaitable[None]]
# A request from the server (method, params) -> the result; `RpcError` for an error answer.
OnServerRequest = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


class Channel(Protocol):
    pid: int | None
    closed: anyio.Event

    async def request(
        self,
        method: str,
        params: dict[str, Any] | None,
        *,
        timeout_s: float,
        on_progress: OnProgress | None = None,
    ) -> dict[str, Any]:
        """The result; `RpcError` for an error answer, a timeout or a lost connection."""
        ...

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        """Send a notification (lost, not raised, when the connection is gone)."""
        ...

    def close(self, why: str) -> None:
        """End the connection (what is in flight fails at once)."""
        ...


class CancelNote:
    """Why the client cancelled the request running in this task, if it said."""

    __slots__ = ("reason",)

    def __init__(self) -> None:
        self.reason: str | None = None


# Set by the session for each request task; read by a channel when that task is cancelled,
# so the client's own reason reaches the server in `notifications/cancelled`.
CANCEL_NOTE: ContextVar[CancelNote | None] = ContextVar("mcpod_cancel_note", default=None)


def cancel_reason(default: str) -> str:
    note = CANCEL_NOTE.get()
    return note.reason if note is not None and note.reason else default
