"""`start`, `stop_servers`, `restart`: a server's life on demand (the CLI, the dashboard).

`start` warms servers and waits until each is up or failed. `stop_servers` stops them
(every instance, private ones included); they start again on next use. `restart` is
both, in order. Each reports the servers' states afterwards.
"""

from __future__ import annotations

from mcpod.daemon.control.context import ControlContext
from mcpod.protocol import ErrorCode, McpodError
from mcpod.protocol.control import (
    RestartRequest,
    StartRequest,
    StartResponse,
    StopServersRequest,
)


async def start(ctx: ControlContext, request: StartRequest) -> StartResponse:
    _check_known(ctx, request.servers or [])
    await ctx.pool.ensure(request.servers)
    return StartResponse(servers=ctx.pool.status())


async def stop_servers(ctx: ControlContext, request: StopServersRequest) -> StartResponse:
    _check_known(ctx, request.servers)
    for name in request.servers:
        await ctx.pool.stop_server(name, "stopped with `mcpod stop SERVER`; starts on next use")
    return StartResponse(servers=ctx.pool.status())


async def restart(ctx: ControlContext, request: RestartRequest) -> StartResponse:
    _check_known(ctx, request.servers)
    for name in request.servers:
        await ctx.pool.stop_server(name, "restarting")
    await ctx.pool.ensure(request.servers)
    return StartResponse(servers=ctx.pool.status())


def _check_known(ctx: ControlContext, names: list[str]) -> None:
    unknown = [n for n in names if n not in ctx.pool.upstreams]
    if unknown:
        known = ", ".join(sorted(ctx.pool.upstreams)) or "none"
        raise McpodError(
            f"no enabled server named {', '.join(map(repr, unknown))} in "
            f"{ctx.registry.config.path} (enabled: {known})",
            code=ErrorCode.UNKNOWN_SERVER,
        )
