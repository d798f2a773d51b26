"""`reload` (`mcpod reload`): read the config file again and apply what changed."""

from __future__ import annotations

from mcpod.daemon.control.context import ControlContext
from mcpod.protocol.control import ReloadRequest, ReloadResponse


async def reload(ctx: ControlContext, request: ReloadRequest) -> ReloadResponse:
    return await ctx.reload("mcpod reload")
