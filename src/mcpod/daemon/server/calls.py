"""The routed methods: tools/call (including the meta-tools), prompts/get, resources
read/subscribe, completion and logging/setLevel."""

from __future__ import annotations

import logging
from typing import Any

from mcpod.daemon.catalog import Catalog
from mcpod.daemon.exposure import (
    ADMIN_NAMES,
    META_NAMES,
    AdminTools,
    MetaTools,
    RoutedCall,
    text_result,
)
from mcpod.daemon.server.eras import as_dict
from mcpod.daemon.server.router import Router
from mcpod.daemon.server.session import Session
from mcpod.daemon.upstream import Indexer, Pool
from mcpod.protocol import ErrorCode, McpodError, RpcError

log = logging.getLogger(__name__)


class CallHandlers:
    def __init__(
        self,
        catalog: Catalog,
        pool: Pool,
        indexer: Indexer,
        router: Router,
        meta: MetaTools,
        admin: AdminTools,
    ) -> None:
        self._admin = admin
        self._catalog = catalog
        self._pool = pool
        self._indexer = indexer
        self._router = router
        self._meta = meta

    async def call_tool(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        name = str(params.get("name", ""))
        if name in META_NAMES and session.surface.mode == "lazy":
            return await self._call_meta(session, name, params.get("arguments"))
        if name in ADMIN_NAMES and session.surface.admin:
            try:
                return text_result(await self._admin.dispatch(name, params.get("arguments")))
            except (McpodError, ValueError, OSError) as exc:  # the model reads and acts on it
                return text_result(getattr(exc, "message", str(exc)), error=True)
        allowed = session.surface.allowed
        route = self._catalog.tool_routes.get(name)
        if route is None or route[0] not in allowed:
            await self._indexer.ensure_indexed(allowed, wait=True)  # maybe not indexed yet
            route = self._catalog.tool_routes.get(name)
        if route is None or route[0] not in allowed:
            raise RpcError(f"Unknown tool: {name}", code=ErrorCode.INVALID_PARAMS)
        arguments = params.get("arguments") or {}
        return await self._router.call_tool(session, route[0], route[1], arguments, params)

    async def _call_meta(self, session: Session, name: str, arguments: Any) -> dict[str, Any]:
        outcome = await self._meta.dispatch(session, name, arguments)
        if not isinstance(outcome, RoutedCall):
            return outcome
        try:
            return await self._router.call_tool(
                session, outcome.server, outcome.tool, outcome.arguments, {}
            )
        except McpodError as exc:  # the model reads it as the tool's answer and can act on it
            return text_result(exc.message, error=True)

    async def get_prompt(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        server, name = self._router.prompt_owner(session, str(params.get("name", "")))
        forwarded = {"name": name, "arguments": params.get("arguments") or {}}
        return await self._router.forward(session, server, "prompts/get", forwarded, params)

    async def read_resource(
        self, session: Session, params: dict[str, Any], _: Any
    ) -> dict[str, Any]:
        server = self._router.uri_owner(session, params)
        forwarded = {"uri": params["uri"]}
        return await self._router.forward(session, server, "resources/read", forwarded, params)

    async def subscribe(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        server = self._router.uri_owner(session, params)
        forwarded = {"uri": params["uri"]}
        await self._router.forward(session, server, "resources/subscribe", forwarded, params)
        session.resource_subscriptions.add(params["uri"])
        return {}

    async def unsubscribe(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        session.resource_subscriptions.discard(params.get("uri", ""))
        return {}  # the shared upstream subscription stays: other sessions may hold it

    async def complete(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        ref = as_dict(params.get("ref"))
        forwarded = {k: v for k, v in params.items() if k != "_meta"}
        if ref.get("type") == "ref/prompt":
            server, name = self._router.prompt_owner(session, str(ref.get("name", "")))
            forwarded["ref"] = {**ref, "name": name}
        else:
            server = self._router.uri_owner(session, ref)
        return await self._router.forward(session, server, "completion/complete", forwarded, params)

    async def set_level(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        level = params["level"]  # checked against the spec's levels already
        session.log_level = level
        origin = session.origin()
        for upstream in self._pool:
            mine = not upstream.key or session.id in upstream.served
            if mine and upstream.state == "ready" and "logging" in upstream.capabilities:
                try:
                    await upstream.request("logging/setLevel", {"level": level}, origin=origin)
                except McpodError as exc:
                    log.info("server %s refused logging/setLevel: %s", upstream.name, exc.message)
        return {}
