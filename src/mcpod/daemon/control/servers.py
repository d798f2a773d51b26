"""`servers`: every server mcpod knows of: configured, enabled in Docker, or only in
Docker's catalog (listed and searchable, never started from here)."""

from __future__ import annotations

from mcpod.daemon.control.context import ControlContext
from mcpod.protocol.control import ServerRow, ServersRequest, ServersResponse


async def servers(ctx: ControlContext, request: ServersRequest) -> ServersResponse:
    config = ctx.registry.config
    rows = []
    for name, entry in sorted(ctx.catalog.entries.items()):
        upstream = ctx.pool.upstreams.get(name)
        state, reason = upstream.shown_state() if upstream is not None else ("available", None)
        server = config.servers.get(name)
        rows.append(
            ServerRow(
                name=name,
                source=entry.source,
                enabled=upstream is not None,
                state=state,
                scope=server.scope if server is not None else "global",
                title=entry.title,
                description=entry.description,
                category=entry.category,
                tools=len(entry.lists["tools"]) if entry.indexed else None,
                reason=reason,
            )
        )
    listed = {row.name for row in rows}
    rows += [
        ServerRow(name=s.name, source=s.source, enabled=False, state="disabled", scope=s.scope,
                  title=s.title, description=s.description, category=s.category)
        for s in config.servers.values() if s.disabled and s.name not in listed
    ]  # fmt: skip
    return ServersResponse(servers=rows)
