"""`search`: ranked tools from the catalog, as `mcpod search` shows them."""

from __future__ import annotations

from mcpod.daemon.control.context import ControlContext
from mcpod.daemon.control.tools import tool_row
from mcpod.protocol.control import MAX_SEARCH_LIMIT, SearchHit, SearchRequest, SearchResponse


async def search(ctx: ControlContext, request: SearchRequest) -> SearchResponse:
    results = []
    for hit in ctx.catalog.search(request.query, max(1, min(request.limit, MAX_SEARCH_LIMIT))):
        row = tool_row(hit.server, ctx.catalog.tool(hit.server, hit.tool) or {"name": hit.tool})
        results.append(
            SearchHit(
                server=hit.server,
                tool=hit.tool,
                score=round(hit.score, 4),
                name=row.name,
                exposed=row.exposed,
                description=row.description,
                tokens=row.tokens,
            )
        )
    return SearchResponse(results=results, fits=ctx.catalog.fits(request.query))
