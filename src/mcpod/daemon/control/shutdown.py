"""`shutdown` (`mcpod stop`): answer first, then stop (pueue's order), with the socket
already removed (dmypy's order), so a client that sees the answer never reaches a
dying daemon. The control server starts the shutdown once this answer is sent."""

from __future__ import annotations

import os

from mcpod.daemon.control.context import ControlContext
from mcpod.protocol.control import ShutdownRequest, ShutdownResponse


async def shutdown(ctx: ControlContext, request: ShutdownRequest) -> ShutdownResponse:
    ctx.retire_socket()
    return ShutdownResponse(stopping=True, pid=os.getpid())
