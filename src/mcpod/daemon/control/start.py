"""`start`: warm servers now (`mcpod check`, benchmarks) and report their states."""

from __future__ import annotations

from mcpod.daemon.control.context import ControlContext
from mcpod.protocol import ErrorCode, McpodError
from mcpod.protocol.control import StartRequest, StartResponse


async def start(ctx: ControlContext, request: StartRequest) -> StartResponse:
    unknown = [n for n in request.servers or () if n not in ctx.pool.upstreams]
    if unknown:
        names = ", ".join(map(repr, unknown))
        raise McpodError(
            f"no enabled server named {names} in {ctx.registry.config.path}",
            code=ErrorCode.INVALID_PARAMS,
        )
    await ctx.pool.ensure(request.servers)
    return StartResponse(servers=ctx.pool.status())
