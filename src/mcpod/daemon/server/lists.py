"""tools/list, prompts/list, resources/list, resources/templates/list: answered by the
daemon itself from the catalog, for the servers this session sees."""

from __future__ import annotations

from typing import Any

from mcpod.daemon.catalog import Catalog
from mcpod.daemon.exposure import ADMIN_TOOLS, META_TOOLS
from mcpod.daemon.server.session import Session
from mcpod.daemon.upstream import Indexer

LIST_WAIT_S = 5.0


class ListHandlers:
    def __init__(self, catalog: Catalog, indexer: Indexer) -> None:
        self._catalog = catalog
        self._indexer = indexer

    async def tools(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        visible = await self._visible(session, "tools")
        session.listed.add("tools")
        tools = self._catalog.view(visible).tools
        if session.surface.mode == "lazy":
            tools = META_TOOLS + tools
        return {"tools": ADMIN_TOOLS + tools if session.surface.admin else tools}

    async def prompts(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        session.listed.add("prompts")
        return {"prompts": self._catalog.view(await self._visible(session, "prompts")).prompts}

    async def resources(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        session.listed.add("resources")
        view = self._catalog.view(await self._visible(session, "resources"))
        return {"resources": view.resources}

    async def templates(self, session: Session, params: dict[str, Any], _: Any) -> dict[str, Any]:
        session.listed.add("resources")
        view = self._catalog.view(await self._visible(session, "resources"))
        return {"resourceTemplates": view.templates}

    async def _visible(self, session: Session, kind: str = "tools") -> frozenset[str]:
        """The servers whose `kind` this session lists, after waiting (briefly) for first
        indexing.

        The wait is short on purpose: a server that is slow or never finishes
        `initialize` delays only its own lists, which follow with `list_changed`.
        """
        listing = session.surface.listing(kind)
        await self._indexer.ensure_indexed(listing, wait=True, bound_s=LIST_WAIT_S)
        return listing
