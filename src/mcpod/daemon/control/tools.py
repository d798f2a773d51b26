"""`tools`: every server's tools from the catalog (no server is started for this)."""

from __future__ import annotations

from typing import Any

from mcpod.daemon.catalog import estimate_tokens, namespaced, one_line
from mcpod.daemon.control.context import ControlContext
from mcpod.protocol import ErrorCode, McpodError
from mcpod.protocol.control import ServerTools, ToolRow, ToolsRequest, ToolsResponse


async def tools(ctx: ControlContext, request: ToolsRequest) -> ToolsResponse:
    entries = ctx.catalog.entries
    wanted = request.server
    if wanted is not None and wanted not in entries:
        known = ", ".join(sorted(entries)) or "none"
        raise McpodError(
            f"no server named {wanted!r}; configured: {known}", code=ErrorCode.INVALID_PARAMS
        )
    servers = [
        ServerTools(
            server=name,
            title=entry.title,
            category=entry.category,
            description=entry.description,
            indexed=entry.indexed,
            tokens=entry.tokens,
            state=ctx.pool.upstreams[name].state if name in ctx.pool.upstreams else "unknown",
            tools=[tool_row(name, t) for t in entry.lists["tools"]],
        )
        for name, entry in sorted(entries.items())
        if wanted is None or name == wanted
    ]
    return ToolsResponse(servers=servers)


def tool_row(server: str, tool: dict[str, Any]) -> ToolRow:
    name = str(tool.get("name"))
    return ToolRow(
        name=name,
        exposed=namespaced(server, name),
        description=one_line(tool.get("description"), 200),
        tokens=estimate_tokens(tool),
    )
