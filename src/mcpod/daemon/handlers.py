"""MCP methods as a session sees them. The daemon answers the handshake and the lists
itself, from the catalog, and routes calls to the upstream that owns the name or URI."""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any

import anyio
import anyio.lowlevel

from mcpod.daemon.catalog import Catalog
from mcpod.daemon.config import Config
from mcpod.daemon.exposure import choose_surface
from mcpod.daemon.metatools import META_NAMES, META_TOOLS, MetaTools
from mcpod.daemon.pool import Pool
from mcpod.daemon.session import META_SUBSCRIPTION, MODERN_VERSION, SERVER_INFO, Session
from mcpod.daemon.store import Store
from mcpod.daemon.upstream import Upstream
from mcpod.protocol import ErrorCode, McpodError, RpcError

log = logging.getLogger(__name__)

HANDSHAKE_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
LATEST_HANDSHAKE = HANDSHAKE_VERSIONS[-1]
META_PREFIX = "io.modelcontextprotocol/"
LOG_LEVELS = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")
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
INDEX_WAIT_S = 60.0


class McpHandlers:
    def __init__(self, config: Config, catalog: Catalog, pool: Pool, store: Store) -> None:
        self.config = config
        self.catalog = catalog
        self.pool = pool
        self.store = store
        self.meta = MetaTools(self)
        self._co_activations: Counter[tuple[str, str]] | None = None
        self._methods = {
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
            self._open(session, method, params)
        elif session.era == "modern":
            _check_modern(params)
        return await handler(session, params, request_id)

    def _open(self, session: Session, method: str, params: dict[str, Any]) -> None:
        """The session's first request fixes its era and, from its client name, its surface."""
        meta = _dict(params.get("_meta"))
        if method != "initialize" and "io.modelcontextprotocol/protocolVersion" in meta:
            session.era, session.protocol_version = "modern", MODERN_VERSION
            session.client_info = _dict(meta.get("io.modelcontextprotocol/clientInfo"))
            _check_modern(params)
        else:
            session.era = "legacy"
            session.client_info = _dict(params.get("clientInfo"))
        client_args = getattr(session.hello, "client_args", None) or {}
        session.surface = choose_surface(self.config, client_args, session.client_info.get("name"))

    # -- handshake and discovery ---------------------------------------------------------

    async def initialize(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        asked = params.get("protocolVersion")
        session.protocol_version = asked if asked in HANDSHAKE_VERSIONS else LATEST_HANDSHAKE
        return {
            "protocolVersion": session.protocol_version,
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
        visible = await self._visible(session)
        session.listed.add("tools")
        tools = self.catalog.view(visible).tools
        return {"tools": META_TOOLS + tools if session.surface.mode == "lazy" else tools}

    async def list_prompts(
        self, session: Session, params: dict[str, Any], _: Any
    ) -> dict[str, Any]:
        session.listed.add("prompts")
        return {"prompts": self.catalog.view(await self._visible(session)).prompts}

    async def list_resources(
        self, session: Session, params: dict[str, Any], _: Any
    ) -> dict[str, Any]:
        session.listed.add("resources")
        return {"resources": self.catalog.view(await self._visible(session)).resources}

    async def list_templates(
        self, session: Session, params: dict[str, Any], _: Any
    ) -> dict[str, Any]:
        session.listed.add("resources")
        return {"resourceTemplates": self.catalog.view(await self._visible(session)).templates}

    async def _visible(self, session: Session) -> frozenset[str]:
        visible = session.surface.visible()
        await self.ensure_indexed(visible, wait=True)
        return visible

    async def ensure_indexed(
        self, names: Any, *, wait: bool, bound_s: float = INDEX_WAIT_S
    ) -> None:
        """Start the servers among `names` whose tools are not known yet (to learn them).

        Waits (bounded) only for servers that have not failed: one whose last start
        failed is retried in the background, so it cannot stall every client's tools/list.
        """
        missing = [
            n for n in names if not self.catalog.entries[n].indexed and n in self.pool.upstreams
        ]
        first_tries = [n for n in missing if not self.pool.upstreams[n].failing]
        retries = [n for n in missing if self.pool.upstreams[n].failing]
        if retries:
            self.pool.start_in_background(retries)
        if not first_tries or not wait:
            return
        with anyio.move_on_after(bound_s):
            await self.pool.ensure(first_tries)

    # -- routed calls --------------------------------------------------------------------

    async def call_tool(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        name = str(params.get("name", ""))
        if name in META_NAMES and session.surface.mode == "lazy":
            arguments = params.get("arguments") or {}
            return await self.meta.dispatch(
                session, name, arguments if isinstance(arguments, dict) else {}
            )
        route = self.catalog.tool_routes.get(name)
        if route is None or route[0] not in session.surface.allowed:
            await self.ensure_indexed(
                session.surface.allowed, wait=True
            )  # it may be a server not yet indexed
            route = self.catalog.tool_routes.get(name)
        if route is None or route[0] not in session.surface.allowed:
            raise RpcError(f"Unknown tool: {name}", code=ErrorCode.INVALID_PARAMS)
        return await self.call_routed(
            session, route[0], route[1], params.get("arguments") or {}, params
        )

    async def call_routed(
        self,
        session: Session,
        server: str,
        tool: str,
        arguments: dict[str, Any],
        original: dict[str, Any],
    ) -> dict[str, Any]:
        started, ok = time.perf_counter(), False
        try:
            result = await _forward(
                session,
                self.pool.get(server),
                "tools/call",
                {"name": tool, "arguments": arguments},
                original,
            )
            ok = not result.get("isError")
            return result
        finally:
            self.store.count_call(server, tool, (time.perf_counter() - started) * 1000, ok)

    async def get_prompt(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        name = str(params.get("name", ""))
        route = self.catalog.prompt_routes.get(name)
        if route is None or route[0] not in session.surface.allowed:
            raise RpcError(f"Unknown prompt: {name}", code=ErrorCode.INVALID_PARAMS)
        forwarded = {"name": route[1], "arguments": params.get("arguments") or {}}
        return await _forward(session, self.pool.get(route[0]), "prompts/get", forwarded, params)

    async def read_resource(
        self, session: Session, params: dict[str, Any], _: Any
    ) -> dict[str, Any]:
        upstream = self._owner_of(session, params)
        return await _forward(session, upstream, "resources/read", {"uri": params["uri"]}, params)

    async def subscribe(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        upstream = self._owner_of(session, params)
        await _forward(session, upstream, "resources/subscribe", {"uri": params["uri"]}, params)
        session.resource_subscriptions.add(params["uri"])
        return {}

    async def unsubscribe(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        session.resource_subscriptions.discard(params.get("uri", ""))
        return {}  # the shared upstream subscription stays: other sessions may hold it

    async def complete(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        ref = _dict(params.get("ref"))
        forwarded = {k: v for k, v in params.items() if k != "_meta"}
        if ref.get("type") == "ref/prompt":
            route = self.catalog.prompt_routes.get(str(ref.get("name", "")))
            if route is None or route[0] not in session.surface.allowed:
                raise RpcError(f"Unknown prompt: {ref.get('name')}", code=ErrorCode.INVALID_PARAMS)
            upstream = self.pool.get(route[0])
            forwarded["ref"] = {**ref, "name": route[1]}
        else:
            upstream = self._owner_of(session, ref)
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
                except McpodError as exc:
                    log.info("server %s refused logging/setLevel: %s", upstream.name, exc.message)
        return {}

    def _owner_of(self, session: Session, params: dict[str, Any]) -> Upstream:
        uri = params.get("uri")
        if not isinstance(uri, str):
            raise RpcError("params.uri must be a string", code=ErrorCode.INVALID_PARAMS)
        owner = self.catalog.owner_of_uri(
            uri, session.surface.visible()
        ) or self.catalog.owner_of_uri(uri, session.surface.allowed)
        if owner is None:
            raise RpcError(
                f"Resource not found: {uri}", code=ErrorCode.INVALID_PARAMS, data={"uri": uri}
            )
        return self.pool.get(owner)

    # -- history -------------------------------------------------------------------------

    def record_activation(self, session: Session, servers: list[str], task: str | None) -> None:
        self.store.record_activation(session.id, session.client_info.get("name"), servers, task)
        self._co_activations = None

    def co_activations(self) -> Counter[tuple[str, str]]:
        if self._co_activations is None:
            self._co_activations = self.store.co_activations()
        return self._co_activations


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
    if token is None:
        return await upstream.request(method, forwarded, session_id=session.id)
    relay = _ProgressRelay(session, token)
    result = await upstream.request(method, forwarded, session_id=session.id, on_progress=relay)
    await relay.drain()
    return result


class _ProgressRelay:
    """Forwards one request's progress to its session, and keeps it ahead of the result.

    The SDK dispatcher runs each progress callback as a task of its own, so without
    `drain()` the last progress notification could reach the client after the result.
    """

    def __init__(self, session: Session, token: Any) -> None:
        self._session = session
        self._token = token
        self._active = 0
        self._idle = anyio.Event()

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self._active += 1
        note: dict[str, Any] = {"progressToken": self._token, "progress": progress}
        if total is not None:
            note["total"] = total
        if message is not None:
            note["message"] = message
        try:
            await self._session.send_notification("notifications/progress", note)
        finally:
            self._active -= 1
            if not self._active:
                self._idle.set()

    async def drain(self) -> None:
        await anyio.lowlevel.checkpoint()  # let progress tasks spawned before the result start
        while self._active:
            self._idle = anyio.Event()
            await self._idle.wait()


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
