"""An upstream's lists (tools, prompts, resources, templates): which capability each needs,
which notification invalidates it, and reading every page."""

from __future__ import annotations

import logging
from typing import Any

from mcpod.daemon.upstream.channel import Channel
from mcpod.protocol import RpcError

log = logging.getLogger(__name__)

LIST_PAGE_LIMIT = 200
LIST_TIMEOUT_S = 30.0

ListKind = str  # "tools" | "prompts" | "resources" | "resourceTemplates"

LISTS: dict[ListKind, tuple[str, str, str]] = {
    # kind: (capability, method, result key)
    "tools": ("tools", "tools/list", "tools"),
    "prompts": ("prompts", "prompts/list", "prompts"),
    "resources": ("resources", "resources/list", "resources"),
    "resourceTemplates": ("resources", "resources/templates/list", "resourceTemplates"),
}
CHANGED_BY: dict[str, set[ListKind]] = {
    "notifications/tools/list_changed": {"tools"},
    "notifications/prompts/list_changed": {"prompts"},
    "notifications/resources/list_changed": {"resources", "resourceTemplates"},
}


async def list_all(channel: Channel, server: str, kind: ListKind) -> list[dict[str, Any]]:
    """Every page of one list; a failing page ends the list there (logged)."""
    _, method, key = LISTS[kind]
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(LIST_PAGE_LIMIT):
        params: dict[str, Any] | None = {"cursor": cursor} if cursor else None
        try:
            result = await channel.request(method, params, timeout_s=LIST_TIMEOUT_S)
        except RpcError as exc:
            log.info("server %s: %s failed: %s", server, method, exc.message)
            break
        page = result.get(key)
        if isinstance(page, list):
            items.extend(item for item in page if isinstance(item, dict))
        cursor = result.get("nextCursor")
        if not isinstance(cursor, str) or not cursor:
            break
    return items
