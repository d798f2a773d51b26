"""The meta-tools a `lazy` session starts with: browse, search, activate, call through.

Their definitions (`arguments.META_TOOLS`) cost under 1,000 tokens together whatever the
catalog's size (a test holds them to it). Names carry an `mcpod_` prefix, clear of the
Docker MCP gateway's reserved `mcp-find` / `mcp-add` / `mcp-exec` / `code-mode` family.
Results are compact text, because every byte of a result lands in the model's context.

`mcpod_call` is decided here but executed by the caller (`RoutedCall`): routing a call to
an upstream is the session server's job, so this room never reaches back into it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import msgspec

from mcpod.daemon.catalog import Catalog, estimate_tokens, namespaced, one_line
from mcpod.daemon.exposure.arguments import (
    ActivateArgs,
    ActivateForTaskArgs,
    CallArgs,
    CatalogArgs,
    DeactivateArgs,
    SearchArgs,
    ServerInfoArgs,
    decode_arguments,
)
from mcpod.daemon.exposure.surface import Surface
from mcpod.daemon.store import ActivationHistory, SessionState
from mcpod.daemon.upstream import Indexer, Pool
from mcpod.protocol import McpodError

MAX_LIMIT = 50
BROWSE_WAIT_S = 15.0  # how long browsing waits for servers still being indexed (first start)


class MetaSession(Protocol):
    """What the meta-tools need of a session."""

    id: str
    surface: Surface

    @property
    def client_name(self) -> str | None: ...

    async def notify_list_changed(self, kind: str, *, force: bool = False) -> None: ...


class RoutedCall(msgspec.Struct, frozen=True):
    """`mcpod_call`'s outcome: call this tool of this server for the session."""

    server: str
    tool: str
    arguments: dict[str, Any]


def text_result(text: str, error: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = {"content": [{"type": "text", "text": text}]}
    if error:
        result["isError"] = True
    return result


Method = Callable[[MetaSession, Any], Awaitable[str | RoutedCall]]


class MetaTools:
    def __init__(
        self,
        catalog: Catalog,
        pool: Pool,
        indexer: Indexer,
        history: ActivationHistory,
        session_state: SessionState,
    ) -> None:
        self._catalog = catalog
        self._pool = pool
        self._indexer = indexer
        self._history = history
        self._session_state = session_state
        self._methods: dict[str, Method] = {
            "mcpod_catalog": self.catalog,
            "mcpod_search": self.search,
            "mcpod_server_info": self.server_info,
            "mcpod_activate": self.activate,
            "mcpod_deactivate": self.deactivate,
            "mcpod_call": self.call,
            "mcpod_activate_for_task": self.activate_for_task,
        }

    async def dispatch(
        self, session: MetaSession, name: str, arguments: Any
    ) -> dict[str, Any] | RoutedCall:
        try:
            result = await self._methods[name](session, decode_arguments(name, arguments))
        except (McpodError, ValueError) as exc:
            # Tool errors go back as results the model can read and act on (MCP's advice).
            return text_result(getattr(exc, "message", str(exc)), error=True)
        return result if isinstance(result, RoutedCall) else text_result(result)

    # -- browsing ------------------------------------------------------------------------

    async def catalog(self, session: MetaSession, args: CatalogArgs) -> str:
        allowed = session.surface.allowed
        await self._indexer.ensure_indexed(allowed, wait=True, bound_s=BROWSE_WAIT_S)
        groups: dict[str, list[str]] = defaultdict(list)
        for name in sorted(allowed):
            entry = self._catalog.entries[name]
            if args.category and entry.category != args.category:
                continue
            tools = str(len(entry.lists["tools"])) if entry.indexed else "?"
            creds = ", credentials" if entry.needs_credentials else ""
            desc = f": {entry.description}" if entry.description else ""
            groups[entry.category].append(
                f"- {name} [{self._state(name, session)}] {tools} tools, "
                f"~{_k(entry.tokens)} tokens{creds}{desc}"
            )
        if not groups:
            return f"No servers{' in category ' + repr(args.category) if args.category else ''}."
        blocks = [f"{category}:\n" + "\n".join(lines) for category, lines in sorted(groups.items())]
        return "\n".join(blocks) + "\nActivate with mcpod_activate, or search with mcpod_search."

    async def search(self, session: MetaSession, args: SearchArgs) -> str:
        limit = max(1, min(args.limit, MAX_LIMIT))
        allowed = session.surface.allowed
        await self._indexer.ensure_indexed(allowed, wait=True, bound_s=BROWSE_WAIT_S)
        hits = self._catalog.search(args.query, limit, set(allowed))
        if not hits:
            return f"No tools match {args.query!r}. Try other words, or mcpod_catalog to browse."
        lines = []
        for hit in hits:
            tool = self._catalog.tool(hit.server, hit.tool) or {}
            lines.append(_tool_line(f"{hit.server} / {hit.tool}", tool))
        if self._catalog.fits(args.query, set(allowed)) is False:
            return (
                f"NOTHING FITS WELL: no tool here is close to {args.query!r}. The closest "
                "ones follow: use one only if its description does the job; otherwise tell "
                "the user no connected server can do this (do not activate a server for "
                "it).\n" + "\n".join(lines)
            )
        return "\n".join(lines) + "\nCall one with mcpod_call, or mcpod_activate its server."

    async def server_info(self, session: MetaSession, args: ServerInfoArgs) -> str:
        name = self._server(session, args.server)
        entry = self._catalog.entries[name]
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

    async def activate(self, session: MetaSession, args: ActivateArgs) -> str:
        names = [self._server(session, n) for n in args.servers]
        return await self._activate(session, names, task=None)

    async def deactivate(self, session: MetaSession, args: DeactivateArgs) -> str:
        names = [self._server(session, n) for n in args.servers]
        surface = session.surface
        before = set(surface.active)
        surface.active.difference_update(names)
        if surface.active != before:
            self._session_state.save(session.id, surface.active)
            await session.notify_list_changed("tools", force=True)
        kept = sorted(surface.always_on & set(names))
        note = f" ({', '.join(kept)} always on in this profile)" if kept else ""
        return f"Deactivated {', '.join(names)}{note}."

    async def activate_for_task(self, session: MetaSession, args: ActivateForTaskArgs) -> str:
        limit = max(1, min(args.max_servers, 5))
        surface = session.surface
        await self._indexer.ensure_indexed(surface.allowed, wait=True, bound_s=BROWSE_WAIT_S)
        chosen = self.servers_for_task(args.task, set(surface.allowed), surface.active, limit)
        if not chosen:
            return f"No server fits {args.task!r}. Browse with mcpod_catalog."
        return await self._activate(session, chosen, task=args.task)

    def servers_for_task(
        self, task: str, allowed: set[str], active: set[str], limit: int
    ) -> list[str]:
        """Servers ranked by their best matching tools, boosted by past co-activation."""
        scores: dict[str, list[float]] = defaultdict(list)
        for hit in self._catalog.search(task, 40, allowed):
            scores[hit.server].append(hit.score)
        together = self._history.co_activations()
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

    async def _activate(self, session: MetaSession, names: list[str], task: str | None) -> str:
        await self._indexer.ensure_indexed(names, wait=True)
        ready = [n for n in names if self._catalog.entries[n].indexed]
        if ready:
            session.surface.active.update(ready)
            self._session_state.save(session.id, session.surface.active)
            self._history.record(session.id, session.client_name, ready, task)
            await session.notify_list_changed("tools", force=True)
        parts = []
        for name in names:
            entry = self._catalog.entries[name]
            if name not in ready:
                reason = self._pool.upstreams[name].last_error or "did not start"
                parts.append(f"{name}: not available ({reason}); not activated")
                continue
            tools = ", ".join(namespaced(name, str(t.get("name"))) for t in entry.lists["tools"])
            parts.append(
                f"{name} ({len(entry.lists['tools'])} tools, ~{_k(entry.tokens)} tokens): {tools}"
            )
        return ("Activated.\n" if ready else "Nothing activated.\n") + "\n".join(parts)

    # -- call-through --------------------------------------------------------------------

    async def call(self, session: MetaSession, args: CallArgs) -> RoutedCall:
        server = self._server(session, args.server)
        return RoutedCall(server, args.tool.removeprefix(f"{server}__"), args.arguments)

    # -- helpers -------------------------------------------------------------------------

    def _server(self, session: MetaSession, name: str) -> str:
        allowed = session.surface.allowed
        if name not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise McpodError(f"No server named {name!r} here. Servers: {known}.")
        return name

    def _state(self, name: str, session: MetaSession) -> str:
        upstream = self._pool.upstreams.get(name)
        state, reason = upstream.shown_state() if upstream else ("unknown", None)
        if state == "needs-secret" and reason:  # the model can tell the user what to run
            state = f"{state}: {reason}"
        return f"{state}, active" if name in session.surface.visible() else state


def _tool_line(label: str, tool: dict[str, Any]) -> str:
    return f"- {label} (~{estimate_tokens(tool)} tok): {one_line(tool.get('description'), 90)}"


def _k(tokens: int) -> str:
    return f"{tokens / 1000:.1f}k" if tokens >= 1000 else str(tokens)
