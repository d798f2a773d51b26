"""`call`: one tool of one server, from the command line (`mcpod call SERVER TOOL`).

It goes to the server's shared instance like a session's call, and is counted in the
call statistics under its server and tool.
"""

from __future__ import annotations

import time

from mcpod.daemon.control.context import ControlContext
from mcpod.daemon.upstream import Origin
from mcpod.daemon.upstream.scopes import CONTROL_SESSION
from mcpod.protocol import ErrorCode, McpodError
from mcpod.protocol.control import CallRequest, CallResponse

CONTROL_ORIGIN = Origin(session_id=CONTROL_SESSION)


async def call(ctx: ControlContext, request: CallRequest) -> CallResponse:
    if request.server not in ctx.pool.upstreams:
        known = ", ".join(sorted(ctx.pool.upstreams)) or "none"
        raise McpodError(f"no enabled server named {request.server!r} (enabled: {known})",
                         code=ErrorCode.UNKNOWN_SERVER)  # fmt: skip
    upstream = ctx.pool.instance(request.server, CONTROL_ORIGIN)
    params = {"name": request.tool, "arguments": request.arguments}
    started = time.perf_counter()
    ok = False
    try:
        result = await upstream.request("tools/call", params, origin=CONTROL_ORIGIN)
        ok = not result.get("isError")
    finally:
        ms = (time.perf_counter() - started) * 1000
        ctx.stats.count(request.server, request.tool, ms, ok)
    return CallResponse(result=result, ms=round(ms, 3))
