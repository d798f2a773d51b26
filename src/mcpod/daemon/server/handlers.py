"""MCP methods as a session sees them: the method table, the session's opening (era and
surface), and the handshake/discovery family. The daemon answers the handshake and the
lists itself; calls are routed to the upstream that owns the name or URI."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from mcpod.daemon.catalog import Catalog
from mcpod.daemon.exposure import AdminTools, MetaTools, choose_surface
from mcpod.daemon.server import eras
from mcpod.daemon.server.calls import CallHandlers
from mcpod.daemon.server.lists import ListHandlers
from mcpod.daemon.server.params import check_params
from mcpod.daemon.server.router import Router
from mcpod.daemon.server.session import Session
from mcpod.daemon.sources import Registry
from mcpod.daemon.store import SessionState
from mcpod.daemon.upstream import Indexer, Pool
from mcpod.protocol import ErrorCode, RpcError

INSTRUCTIONS = (
    "mcpod gives access to many MCP servers. Tools are named <server>__<tool>. In lazy mode "
    "use mcpod_search or mcpod_catalog to find tools, then mcpod_activate or mcpod_call."
)
CAPABILITIES: dict[str, Any] = {
    "tools": {"listChanged": True},
    "prompts": {"listChanged": True},
    "resources": {"subscribe": True, "listChanged": True},
    "logging": {},
    "completions": {},
}
CAPABILITIES_MODERN = {k: v for k, v in CAPABILITIES.items() if k != "logging"}
LISTEN_KEYS = (
    "toolsListChanged",
    "promptsListChanged",
    "resourcesListChanged",
    "resourceSubscriptions",
)

Method = Callable[[Session, dict[str, Any], Any], Awaitable[dict[str, Any]]]


class McpHandlers:
    def __init__(
        self,
        registry: Registry,
        catalog: Catalog,
        pool: Pool,
        indexer: Indexer,
        router: Router,
        meta: MetaTools,
        session_state: SessionState,
        admin: AdminTools,
    ) -> None:
        self._registry = registry
        self._session_state = session_state
        lists = ListHandlers(catalog, indexer)
        calls = CallHandlers(catalog, pool, indexer, router, meta, admin)
        self._methods: dict[str, Method] = {
            "initialize": self.initialize,
            "ping": self.ping,
            "server/discover": self.discover,
            "subscriptions/listen": self.listen,
            "tools/list": lists.tools,
            "tools/call": calls.call_tool,
            "prompts/list": lists.prompts,
            "prompts/get": calls.get_prompt,
            "resources/list": lists.resources,
            "resources/templates/list": lists.templates,
            "resources/read": calls.read_resource,
            "resources/subscribe": calls.subscribe,
            "resources/unsubscribe": calls.unsubscribe,
            "completion/complete": calls.complete,
            "logging/setLevel": calls.set_level,
        }

    async def __call__(
        self, session: Session, method: str, params: dict[str, Any], request_id: Any
    ) -> dict[str, Any]:
        handler = self._methods.get(method)
        if handler is None:
            raise RpcError(f"Method not found: {method}", code=ErrorCode.METHOD_NOT_FOUND)
        check_params(method, params)
        if session.era is None:
            self._open(session, method, params)
        elif session.era == "modern":
            eras.check_modern(params)
        return await handler(session, params, request_id)

    def _open(self, session: Session, method: str, params: dict[str, Any]) -> None:
        """The session's first request fixes its era and, from its client name, its surface."""
        session.era, session.protocol_version, session.client_info = eras.detect(method, params)
        session.surface = choose_surface(
            self._registry.config, session.hello.client_args, session.client_name
        )
        if session.hello.resume == session.id:  # back after a daemon restart
            restored = self._session_state.active(session.id) & session.surface.allowed
            session.surface.active.update(restored)

    # -- handshake and discovery ---------------------------------------------------------

    async def initialize(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        asked = params.get("protocolVersion")
        known = asked if isinstance(asked, str) and asked in eras.HANDSHAKE_VERSIONS else None
        session.protocol_version = known or eras.LATEST_HANDSHAKE
        session.note_capabilities(params.get("capabilities"))
        return {
            "protocolVersion": session.protocol_version,
            "capabilities": CAPABILITIES,
            "serverInfo": {**eras.SERVER_INFO, "title": "mcpod"},
            "instructions": INSTRUCTIONS,
        }

    async def ping(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        return {}

    async def discover(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        return {
            "supportedVersions": [eras.MODERN_VERSION],
            "capabilities": CAPABILITIES_MODERN,
            "instructions": INSTRUCTIONS,
        }

    async def listen(
        self, session: Session, params: dict[str, Any], request_id: Any
    ) -> dict[str, Any]:
        """A 2026-07-28 subscription: acknowledged, then held open until cancelled."""
        wanted = eras.as_dict(params.get("notifications"))
        honored = {k: v for k, v in wanted.items() if k in LISTEN_KEYS and v}
        session.listens[request_id] = honored
        try:
            await session.send_notification(
                "notifications/subscriptions/acknowledged",
                {"_meta": {eras.META_SUBSCRIPTION: request_id}, "notifications": honored},
            )
            await anyio.sleep_forever()
        finally:
            session.listens.pop(request_id, None)
        raise AssertionError("unreachable")
