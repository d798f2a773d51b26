"""The HTTP front's routes: `/mcp`, `/mcp/{server}`, `/api/...` and the dashboard at `/`,
behind the security `Guard` and an exception boundary (a bad request ends only itself).
"""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcpod.daemon.http.api import Api, error_response
from mcpod.daemon.http.mcp_endpoint import McpEndpoint
from mcpod.protocol import McpodError

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"


def build_app(mcp: McpEndpoint, api: Api) -> Starlette:
    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})

    async def mcpod_error(request: Request, exc: Exception) -> Response:
        return error_response(exc)

    routes = [
        Route("/", index, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        Route("/mcp", mcp),
        Route("/mcp/{server}", mcp),
        *api.routes(),
    ]
    return Starlette(routes=routes, exception_handlers={McpodError: mcpod_error})


class Boundary:
    """Outermost: any exception a request raises is logged and answered 500, never more."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, receive, tracked)
        except Exception as exc:
            log.error("HTTP %s %s failed: %r", scope.get("method"), scope.get("path"), exc,
                      exc_info=log.isEnabledFor(logging.DEBUG))  # fmt: skip
            if not started and scope["type"] == "http":
                body = b'{"error": {"code": -32603, "message": "mcpod internal error"}}'
                await send({"type": "http.response.start", "status": 500,
                            "headers": [(b"content-type", b"application/json")]})  # fmt: skip
                await send({"type": "http.response.body", "body": body})
