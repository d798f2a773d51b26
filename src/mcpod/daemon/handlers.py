"""MCP methods as a session sees them: the daemon answers the handshake and the lists
itself, and routes calls to the upstream that owns the name or URI."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from mcpod.daemon.pool import Pool
from mcpod.daemon.session import META_SUBSCRIPTION, MODERN_VERSION, SERVER_INFO, Session
from mcpod.daemon.upstream import Upstream
from mcpod.protocol import ErrorCode, RpcError

log = logging.getLogger(__name__)

HANDSHAKE_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
LATEST_HANDSHAKE = HANDSHAKE_VERSIONS[-1]
META_PREFIX = "io.modelcontextprotocol/"
LOG_LEVELS = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")
INSTRUCTIONS = "mcpod serves the tools of several MCP servers; each tool is named <server>__<tool>."
CAPABILITIES: dict[str, Any] = {
    "tools": {"listChanged": True},
    "prompts": {"listChanged": True},
    "resources": {"subscribe": True, "listChanged": True},
    "logging": {},
    "completions": {},
}

Method = Callable[[Session, dict[str, Any], Any], Awaitable[dict[str, Any]]]


class McpHandlers:
    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self._methods: dict[str, Method] = {
            "initialize": self.initialize,
            "ping": self.ping,
            "server/discover": self.discover,
            "subscriptions/listen": self.listen,
            "tools/list": self.list_tools,
            "tools/call": self.call_tool,
            "prompts/list": self.list_prompts,
            "prompts/get": self.get_prompt,
            "resources/list": self.list_resources,
            "resources/templates/list": self.list_templates,
            "resources/read": self.read_resource,
            "resources/subscribe": self.subscribe,
            "resources/unsubscribe": self.unsubscribe,
            "completion/complete": self.complete,
            "logging/setLevel": self.set_level,
        }

    async def __call__(
        self, session: Session, method: str, params: dict[str, Any], request_id: Any
    ) -> dict[str, Any]:
        handler = self._methods.get(method)
        if handler is None:
            raise RpcError(f"Method not found: {method}", code=ErrorCode.METHOD_NOT_FOUND)
        if session.era is None:
            _set_era(session, method, params)
        elif session.era == "modern":
            _check_modern(params)
        return await handler(session, params, request_id)

    # -- handshake and discovery ---------------------------------------------------------

    async def initialize(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        asked = params.get("protocolVersion")
        version = asked if asked in HANDSHAKE_VERSIONS else LATEST_HANDSHAKE
        session.protocol_version = version
        session.client_info = _dict(params.get("clientInfo"))
        return {
            "protocolVersion": version,
            "capabilities": CAPABILITIES,
            "serverInfo": {**SERVER_INFO, "title": "mcpod"},
            "instructions": INSTRUCTIONS,
        }

    async def ping(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        return {}

    async def discover(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        return {
            "supportedVersions": [MODERN_VERSION],
            "capabilities": CAPABILITIES_MODERN,
            "instructions": INSTRUCTIONS,
        }

    async def listen(
        self, session: Session, params: dict[str, Any], request_id: Any
    ) -> dict[str, Any]:
        """A 2026-07-28 subscription: acknowledged, then held open until cancelled."""
        wanted = _dict(params.get("notifications"))
        honored = {k: v for k, v in wanted.items() if k in LISTEN_KEYS and v}
        session.listens[request_id] = honored
        try:
            await session.send_notification(
                "notifications/subscriptions/acknowledged",
                {"_meta": {META_SUBSCRIPTION: request_id}, "notifications": honored},
            )
            await anyio.sleep_forever()
        finally:
            session.listens.pop(request_id, None)
        raise AssertionError("unreachable")

    # -- lists ---------------------------------------------------------------------------

    async def list_tools(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        await self.pool.ensure_all()
        session.listed.add("tools")
        return {"tools": self.pool.catalog.tools}

    async def list_prompts(
        self, session: Session, params: dict[str, Any], _: Any
    ) -> dict[str, Any]:
        await self.pool.ensure_all()
        session.listed.add("prompts")
        return {"prompts": self.pool.catalog.prompts}

    async def list_resources(
        self, session: Session, params: dict[str, Any], _: Any
    ) -> dict[str, Any]:
        await self.pool.ensure_all()
        session.listed.add("resources")
        return {"resources": self.pool.catalog.resources}

    async def list_templates(
        self, session: Session, params: dict[str, Any], _: Any
    ) -> dict[str, Any]:
        await self.pool.ensure_all()
        session.listed.add("resources")
        return {"resourceTemplates": self.pool.catalog.templates}

    # -- routed calls --------------------------------------------------------------------

    async def call_tool(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        name = str(params.get("name", ""))
        route = await self._route(name, "tools")
        if route is None:
            raise RpcError(f"Unknown tool: {name}", code=ErrorCode.INVALID_PARAMS)
        upstream, original = route
        forwarded = {"name": original, "arguments": params.get("arguments") or {}}
        return await _forward(session, upstream, "tools/call", forwarded, params)

    async def get_prompt(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        name = str(params.get("name", ""))
        route = await self._route(name, "prompts")
        if route is None:
            raise RpcError(f"Unknown prompt: {name}", code=ErrorCode.INVALID_PARAMS)
        upstream, original = route
        forwarded = {"name": original, "arguments": params.get("arguments") or {}}
        return await _forward(session, upstream, "prompts/get", forwarded, params)

    async def read_resource(
        self, session: Session, params: dict[str, Any], _: Any
    ) -> dict[str, Any]:
        upstream = await self._owner_of(params)
        return await _forward(session, upstream, "resources/read", {"uri": params["uri"]}, params)

    async def subscribe(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        upstream = await self._owner_of(params)
        await _forward(session, upstream, "resources/subscribe", {"uri": params["uri"]}, params)
        session.resource_subscriptions.add(params["uri"])
        return {}

    async def unsubscribe(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        session.resource_subscriptions.discard(params.get("uri", ""))
        return {}  # the shared upstream subscription stays: other sessions may hold it

    async def complete(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        ref = _dict(params.get("ref"))
        forwarded = dict(params)
        forwarded.pop("_meta", None)
        if ref.get("type") == "ref/prompt":
            route = await self._route(str(ref.get("name", "")), "prompts")
            if route is None:
                raise RpcError(f"Unknown prompt: {ref.get('name')}", code=ErrorCode.INVALID_PARAMS)
            upstream, original = route
            forwarded["ref"] = {**ref, "name": original}
        else:
            upstream = await self._owner_of(ref)
        return await _forward(session, upstream, "completion/complete", forwarded, params)

    async def set_level(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        level = params.get("level")
        if level not in LOG_LEVELS:
            raise RpcError(
                f"level must be one of {', '.join(LOG_LEVELS)}", code=ErrorCode.INVALID_PARAMS
            )
        session.log_level = level
        for upstream in self.pool.upstreams.values():
            if upstream.state == "ready" and "logging" in upstream.capabilities:
                try:
                    await upstream.request(
                        "logging/setLevel", {"level": level}, session_id=session.id
                    )
                except RpcError as exc:
                    log.info("server %s refused logging/setLevel: %s", upstream.name, exc.message)
        return {}

    async def _route(self, name: str, kind: str) -> tuple[Upstream, str] | None:
        routes = (
            self.pool.catalog.tool_routes if kind == "tools" else self.pool.catalog.prompt_routes
        )
        if name not in routes:
            await self.pool.ensure_all()  # a server that was not started yet may own it
            catalog = self.pool.catalog
            routes = catalog.tool_routes if kind == "tools" else catalog.prompt_routes
        return routes.get(name)

    async def _owner_of(self, params: dict[str, Any]) -> Upstream:
        uri = params.get("uri")
        if not isinstance(uri, str):
            raise RpcError("params.uri must be a string", code=ErrorCode.INVALID_PARAMS)
        upstream = self.pool.catalog.upstream_for_uri(uri)
        if upstream is None:
            await self.pool.ensure_all()
            upstream = self.pool.catalog.upstream_for_uri(uri)
        if upstream is None:
            raise RpcError(
                f"Resource not found: {uri}", code=ErrorCode.INVALID_PARAMS, data={"uri": uri}
            )
        return upstream


LISTEN_KEYS = (
    "toolsListChanged",
    "promptsListChanged",
    "resourcesListChanged",
    "resourceSubscriptions",
)
CAPABILITIES_MODERN: dict[str, Any] = {
    key: value for key, value in CAPABILITIES.items() if key != "logging"
}


async def _forward(
    session: Session,
    upstream: Upstream,
    method: str,
    forwarded: dict[str, Any],
    original: dict[str, Any],
) -> dict[str, Any]:
    """Send to the upstream with the client's own `_meta` (minus era keys) and progress."""
    meta = _dict(original.get("_meta"))
    token = meta.pop("progressToken", None)
    extra = {k: v for k, v in meta.items() if not k.startswith(META_PREFIX)}
    if extra:
        forwarded["_meta"] = extra
    on_progress = None
    if token is not None:

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            note: dict[str, Any] = {"progressToken": token, "progress": progress}
            if total is not None:
                note["total"] = total
            if message is not None:
                note["message"] = message
            await session.send_notification("notifications/progress", note)

    return await upstream.request(method, forwarded, session_id=session.id, on_progress=on_progress)


def _set_era(session: Session, method: str, params: dict[str, Any]) -> None:
    meta = _dict(params.get("_meta"))
    if method != "initialize" and "io.modelcontextprotocol/protocolVersion" in meta:
        session.era = "modern"
        session.protocol_version = MODERN_VERSION
        session.client_info = _dict(meta.get("io.modelcontextprotocol/clientInfo"))
        _check_modern(params)
    else:
        session.era = "legacy"


def _check_modern(params: dict[str, Any]) -> None:
    version = _dict(params.get("_meta")).get("io.modelcontextprotocol/protocolVersion")
    if version is not None and version != MODERN_VERSION:
        raise RpcError(
            f"Unsupported protocol version {version!r}",
            code=ErrorCode.UNSUPPORTED_PROTOCOL_VERSION,
            data={"supported": [MODERN_VERSION], "requested": version},
        )


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


__all__ = ["McpHandlers"]
