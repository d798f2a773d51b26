"""`status`: the daemon, its sessions and its servers."""

from __future__ import annotations

import os
import time

import msgspec

from mcpod import __version__
from mcpod.daemon.control import figures
from mcpod.daemon.control.context import ControlContext
from mcpod.protocol import PROTOCOL_VERSION
from mcpod.protocol.control import ServerStatus, StatusRequest, StatusResponse


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
        servers=[_with_figures(ctx, server) for server in _statuses(ctx)],
        config_error=ctx.config_error(),
        sources=ctx.sources(),
        daemon=figures.daemon(),
    )


def _with_figures(ctx: ControlContext, server: ServerStatus) -> ServerStatus:
    rss, cpu = figures.tree(server.pid)
    p50, p95 = ctx.stats.latency(server.name) if server.instance is None else (None, None)
    since = server.started_at if server.state == "ready" else None
    return msgspec.structs.replace(
        server,
        rss_bytes=rss,
        cpu_percent=cpu,
        uptime_s=round(time.time() - since, 1) if since is not None else None,
        restarts=max(0, server.starts - 1),
        p50_ms=p50,
        p95_ms=p95,
    )


def _statuses(ctx: ControlContext) -> list[ServerStatus]:
    figures.forget_gone()
    return ctx.pool.status()
