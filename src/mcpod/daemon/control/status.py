"""`status`: the daemon, its sessions and its servers."""

from __future__ import annotations

import os
import time

from mcpod import __version__
from mcpod.daemon.control.context import ControlContext
from mcpod.protocol import PROTOCOL_VERSION
from mcpod.protocol.control import StatusRequest, StatusResponse


async def status(ctx: ControlContext, request: StatusRequest) -> StatusResponse:
    sessions = ctx.sessions()
    return StatusResponse(
        pid=os.getpid(),
        version=__version__,
        protocol=PROTOCOL_VERSION,
        uptime_s=round(time.monotonic() - ctx.started_monotonic, 3),
        started_at=ctx.started_at,
        config=str(ctx.registry.config.path),
        socket=str(ctx.paths.socket),
        log=str(ctx.paths.daemon_log),
        sessions=len(sessions),
        session_details=sessions,
        servers=ctx.pool.status(),
        config_error=ctx.config_error(),
        sources=ctx.sources(),
    )
