"""`/mcp/{server}`: one configured server, passed through under its own names.

A session of this endpoint is an ordinary daemon `Session` (it is listed by `mcpod
status`, hears list_changed, and uses the same warm instance as every shim session)
whose surface allows only that server, in mode `all`. This handler sits in front of the
daemon's MCP handlers: it answers the lists from the server's catalog entry with the
server's own names, and routes calls, prompts, resources and completions straight to
the server through the `Router`, without renaming. The handshake, ping, discovery and
2026-07-28 subscriptions are the daemon's own, as for any session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from mcpod.daemon.catalog import Catalog
from mcpod.daemon.exposure import Surface
from mcpod.daemon.server import Router, Session, eras
from mcpod.daemon.server.params import check_params
from mcpod.daemon.server.session import Handler
from mcpod.daemon.sources import Registry
from mcpod.daemon.upstream import Indexer

LIST_WAIT_S = 5.0
_LISTS = {
    "tools/list": ("tools", "tools", "tools"),
    "prompts/list": ("prompts", "prompts", "prompts"),
    "resources/list": ("resources", "resources", "resources"),
    "resources/templates/list": ("resourceTemplates", "resourceTemplates", "resources"),
}  # method: (catalog kind, result key, the kind whose list_changed it subscribes to)

Own = Callable[[Session, str, dict[str, Any]], Awaitable[dict[str, Any]]]


class SingleServerHandler:
    def __init__(
        self,
        server: str,
        handlers: Handler,
        registry: Registry,
        catalog: Catalog,
        indexer: Indexer,
        router: Router,
    ) -> None:
        self.server = server
        self._handlers = handlers
        self._registry = registry
        self._catalog = catalog
        self._indexer = indexer
        self._router = router
        self._own: dict[str, Own] = {
            **dict.fromkeys(_LISTS, self._list),
            "tools/call": self._call_tool,
            "prompts/get": self._forward_named,
            "resources/read": self._forward_uri,
            "resources/subscribe": self._subscribe,
            "resources/unsubscribe": self._unsubscribe,
            "completion/complete": self._complete,
            "logging/setLevel": self._set_level,
        }

    async def __call__(
        self, session: Session, method: str, params: dict[str, Any], request_id: Any
    ) -> dict[str, Any]:
        if session.era is None:
            session.era, session.protocol_version, session.client_info = eras.detect(method, params)
        # Again at each request: a config reload recomputes every session's surface.
        session.surface = Surface(
            mode="all", allowed=frozenset({self.server}) & self._registry.config.enabled_names
        )
        own = self._own.get(method)
        if own is None:
            return await self._handlers(session, method, params, request_id)
        check_params(method, params)
        if session.era == "modern":
            eras.check_modern(params)
        return await own(session, method, params)

    async def _list(self, session: Session, method: str, params: dict[str, Any]) -> dict[str, Any]:
        kind, key, listed = _LISTS[method]
        await self._indexer.ensure_indexed([self.server], wait=True, bound_s=LIST_WAIT_S)
        session.listed.add(listed)
        entry = self._catalog.entries.get(self.server)
        return {key: list(entry.lists[kind]) if entry is not None else []}

    async def _call_tool(
        self, session: Session, method: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        arguments = params.get("arguments") or {}
        name = str(params.get("name", ""))
        return await self._router.call_tool(session, self.server, name, arguments, params)

    async def _forward_named(
        self, session: Session, method: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        forwarded = {"name": params.get("name"), "arguments": params.get("arguments") or {}}
        return await self._router.forward(session, self.server, method, forwarded, params)

    async def _forward_uri(
        self, session: Session, method: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        forwarded = {"uri": params.get("uri")}
        return await self._router.forward(session, self.server, method, forwarded, params)

    async def _subscribe(
        self, session: Session, method: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        await self._forward_uri(session, method, params)
        session.resource_subscriptions.add(str(params.get("uri")))
        return {}

    async def _unsubscribe(
        self, session: Session, method: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        session.resource_subscriptions.discard(str(params.get("uri")))
        return {}  # the shared upstream subscription stays: other sessions may hold it

    async def _complete(
        self, session: Session, method: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        forwarded = {k: v for k, v in params.items() if k != "_meta"}
        return await self._router.forward(session, self.server, method, forwarded, params)

    async def _set_level(
        self, session: Session, method: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        session.log_level = params["level"]
        forwarded = {"level": params["level"]}
        await self._router.forward(session, self.server, method, forwarded, params)
        return {}
