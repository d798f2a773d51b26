"""The meta-tools a `lazy` session starts with: browse, search, activate, call through.

Their definitions cost under 1,000 tokens together whatever the catalog's size (a test
holds them to it). Names carry an `mcpod_` prefix, clear of the Docker MCP gateway's
reserved `mcp-find` / `mcp-add` / `mcp-exec` / `code-mode` family. Results are compact
text, because every byte of a result lands in the model's context.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from mcpod.daemon.catalog import estimate_tokens, one_line
from mcpod.daemon.naming import namespaced
from mcpod.protocol import ErrorCode, McpodError, RpcError

if TYPE_CHECKING:
    from mcpod.daemon.handlers import McpHandlers
    from mcpod.daemon.session import Session

_SERVERS = {"type": "array", "items": {"type": "string"}, "description": "Server names."}
META_TOOLS: list[dict[str, Any]] = [
    {
        "name": "mcpod_catalog",
        "description": "List the MCP servers you can use, by category: status, tool count, token "
        "cost, credentials. Start here; then mcpod_search or mcpod_activate.",
        "inputSchema": {"type": "object", "properties": {"category": {"type": "string"}}},
    },
    {
        "name": "mcpod_search",
        "description": "Find tools for what you want to do, across all servers. Returns ranked "
        "server/tool names with one-line descriptions and token costs.",
        "inputSchema": {
            "type": "object",
            "properties": {"query": {"type": "string"}, "limit": {"type": "integer", "default": 8}},
            "required": ["query"],
        },
    },
    {
        "name": "mcpod_server_info",
        "description": "Describe one server and all its tools, without starting it.",
        "inputSchema": {
            "type": "object",
            "properties": {"server": {"type": "string"}},
            "required": ["server"],
        },
    },
    {
        "name": "mcpod_activate",
        "description": "Add servers' tools to your tool list. If they do not appear, call them "
        "with mcpod_call.",
        "inputSchema": {
            "type": "object",
            "properties": {"servers": _SERVERS},
            "required": ["servers"],
        },
    },
    {
        "name": "mcpod_deactivate",
        "description": "Remove servers' tools from your tool list.",
        "inputSchema": {
            "type": "object",
            "properties": {"servers": _SERVERS},
            "required": ["servers"],
        },
    },
    {
        "name": "mcpod_call",
        "description": "Call any tool of any server, activated or not.",
        "inputSchema": {
            "type": "object",
            "properties": {
                "server": {"type": "string"},
                "tool": {"type": "string"},
                "arguments": {"type": "object"},
            },
            "required": ["server", "tool"],
        },
    },
    {
        "name": "mcpod_activate_for_task",
        "description": "Describe your task; activates the servers that fit it and lists their "
        "tools.",
        "inputSchema": {
            "type": "object",
            "properties": {
                "task": {"type": "string"},
                "max_servers": {"type": "integer", "default": 2},
            },
            "required": ["task"],
        },
    },
]
META_NAMES = frozenset(t["name"] for t in META_TOOLS)
MAX_LIMIT = 50
BROWSE_WAIT_S = 15.0  # how long browsing waits for servers still being indexed (first start)


def text_result(text: str, error: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = {"content": [{"type": "text", "text": text}]}
    if error:
        result["isError"] = True
    return result


class MetaTools:
    def __init__(self, handlers: McpHandlers) -> None:
        self.h = handlers

    async def dispatch(
        self, session: Session, name: str, arguments: dict[str, Any]
    ) -> dict[str, Any]:
        method = getattr(self, name.removeprefix("mcpod_"))
        try:
            result = await method(session, arguments)
        except McpodError as exc:
            # Tool errors go back as results the model can read and act on (MCP's advice).
            return text_result(exc.message, error=True)
        return result if isinstance(result, dict) else text_result(result)

    # -- browsing ------------------------------------------------------------------------

    async def catalog(self, session: Session, args: dict[str, Any]) -> str:
        wanted = args.get("category")
        await self.h.ensure_indexed(session.surface.allowed, wait=True, bound_s=BROWSE_WAIT_S)
        groups: dict[str, list[str]] = defaultdict(list)
        for name in sorted(session.surface.allowed):
            entry = self.h.catalog.entries[name]
            if wanted and entry.category != wanted:
                continue
            state = self._state(name, session)
            tools = str(len(entry.lists["tools"])) if entry.indexed else "?"
            creds = ", credentials" if entry.needs_credentials else ""
            desc = f": {entry.description}" if entry.description else ""
            groups[entry.category].append(
                f"- {name} [{state}] {tools} tools, ~{_k(entry.tokens)} tokens{creds}{desc}"
            )
        if not groups:
            return f"No servers{' in category ' + repr(wanted) if wanted else ''}."
        blocks = [f"{category}:\n" + "\n".join(lines) for category, lines in sorted(groups.items())]
        return "\n".join(blocks) + "\nActivate with mcpod_activate, or search with mcpod_search."

    async def search(self, session: Session, args: dict[str, Any]) -> str:
        query = _required_str(args, "query")
        limit = max(1, min(int(args.get("limit") or 8), MAX_LIMIT))
        await self.h.ensure_indexed(session.surface.allowed, wait=True, bound_s=BROWSE_WAIT_S)
        hits = self.h.catalog.search(query, limit, set(session.surface.allowed))
        if not hits:
            return f"No tools match {query!r}. Try other words, or mcpod_catalog to browse."
        lines = []
        for hit in hits:
            tool = self.h.catalog.tool(hit.server, hit.tool) or {}
            lines.append(_tool_line(f"{hit.server} / {hit.tool}", tool))
        return "\n".join(lines) + "\nCall one with mcpod_call, or mcpod_activate its server."

    async def server_info(self, session: Session, args: dict[str, Any]) -> str:
        name = self._server(session, _required_str(args, "server"))
        entry = self.h.catalog.entries[name]
        head = f"{name} ({entry.title}), {entry.category}, [{self._state(name, session)}]"
        lines = [head, entry.description] if entry.description else [head]
        if not entry.indexed:
            lines.append(
                "Tools not known yet: the server has not been started. mcpod_activate starts it."
            )
        for tool in entry.lists["tools"]:
            lines.append(_tool_line(str(tool.get("name")), tool))
        return "\n".join(lines)

    # -- activation ----------------------------------------------------------------------

    async def activate(self, session: Session, args: dict[str, Any]) -> str:
        names = [self._server(session, n) for n in _required_list(args, "servers")]
        return await self._activate(session, names, task=None)

    async def deactivate(self, session: Session, args: dict[str, Any]) -> str:
        names = [self._server(session, n) for n in _required_list(args, "servers")]
        before = set(session.surface.active)
        session.surface.active.difference_update(names)
        if session.surface.active != before:
            await session.notify_list_changed("tools", force=True)
        kept = sorted(session.surface.always_on & set(names))
        note = f" ({', '.join(kept)} always on in this profile)" if kept else ""
        return f"Deactivated {', '.join(names)}{note}."

    async def activate_for_task(self, session: Session, args: dict[str, Any]) -> str:
        task = _required_str(args, "task")
        limit = max(1, min(int(args.get("max_servers") or 2), 5))
        await self.h.ensure_indexed(session.surface.allowed, wait=True, bound_s=BROWSE_WAIT_S)
        chosen = self.servers_for_task(
            task, set(session.surface.allowed), session.surface.active, limit
        )
        if not chosen:
            return f"No server fits {task!r}. Browse with mcpod_catalog."
        return await self._activate(session, chosen, task=task)

    def servers_for_task(
        self, task: str, allowed: set[str], active: set[str], limit: int
    ) -> list[str]:
        """Servers ranked by their best matching tools, boosted by past co-activation."""
        scores: dict[str, list[float]] = defaultdict(list)
        for hit in self.h.catalog.search(task, 40, allowed):
            scores[hit.server].append(hit.score)
        together = self.h.co_activations()
        ranked = {}
        for server, values in scores.items():
            base = sum(sorted(values, reverse=True)[:3])
            history = sum(together.get((other, server), 0) for other in active)
            ranked[server] = base * (1 + 0.25 * math.log1p(history))
        if not ranked:
            return []
        best = max(ranked.values())
        order = sorted(ranked, key=lambda s: -ranked[s])
        return [s for s in order if ranked[s] >= 0.5 * best][:limit]

    async def _activate(self, session: Session, names: list[str], task: str | None) -> str:
        await self.h.ensure_indexed(names, wait=True)
        ready = [n for n in names if self.h.catalog.entries[n].indexed]
        if ready:
            session.surface.active.update(ready)
            self.h.record_activation(session, ready, task)
            await session.notify_list_changed("tools", force=True)
        parts = []
        for name in names:
            entry = self.h.catalog.entries[name]
            if name not in ready:
                reason = self.h.pool.upstreams[name].last_error or "did not start"
                parts.append(f"{name}: not available ({reason}); not activated")
                continue
            tools = ", ".join(namespaced(name, str(t.get("name"))) for t in entry.lists["tools"])
            parts.append(
                f"{name} ({len(entry.lists['tools'])} tools, ~{_k(entry.tokens)} tokens): {tools}"
            )
        return ("Activated.\n" if ready else "Nothing activated.\n") + "\n".join(parts)

    # -- call-through --------------------------------------------------------------------

    async def call(self, session: Session, args: dict[str, Any]) -> dict[str, Any]:
        server = self._server(session, _required_str(args, "server"))
        tool = _required_str(args, "tool").removeprefix(f"{server}__")
        arguments = args.get("arguments") or {}
        if not isinstance(arguments, dict):
            raise RpcError("arguments must be an object", code=ErrorCode.INVALID_PARAMS)
        return await self.h.call_routed(session, server, tool, arguments, {})

    # -- helpers -------------------------------------------------------------------------

    def _server(self, session: Session, name: str) -> str:
        if name not in session.surface.allowed:
            known = ", ".join(sorted(session.surface.allowed)) or "none"
            raise McpodError(f"No server named {name!r} here. Servers: {known}.")
        return name

    def _state(self, name: str, session: Session) -> str:
        upstream = self.h.pool.upstreams.get(name)
        state = upstream.state if upstream else "unknown"
        return f"{state}, active" if name in session.surface.visible() else state


def _required_str(args: dict[str, Any], key: str) -> str:
    value = args.get(key)
    if not isinstance(value, str) or not value.strip():
        raise McpodError(f"'{key}' is required (a non-empty string).")
    return value


def _required_list(args: dict[str, Any], key: str) -> list[str]:
    value = args.get(key)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise McpodError(f"'{key}' is required (a list of server names).")
    return value


def _tool_line(label: str, tool: dict[str, Any]) -> str:
    return f"- {label} (~{estimate_tokens(tool)} tok): {one_line(tool.get('description'), 90)}"


def _k(tokens: int) -> str:
    return f"{tokens / 1000:.1f}k" if tokens >= 1000 else str(tokens)
