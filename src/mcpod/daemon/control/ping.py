"""`ping`: the daemon answers (used to check a connection)."""

from __future__ import annotations

from mcpod.daemon.control.context import ControlContext
from mcpod.protocol.control import PingRequest, PongResponse


async def ping(ctx: ControlContext, request: PingRequest) -> PongResponse:
    return PongResponse()
