"""`/api/...`: the control verbs as JSON, through the very functions the control socket
uses (`VERBS` with the daemon's `ControlContext`), plus what the dashboard needs on top:
restarting or stopping one server and reading the tail of a log.

`GET /api/<verb>` takes its params from the query (read-only verbs only), `POST` from a
JSON body. Errors are `{"error": {"code", "message"}}` with a 4xx/5xx status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mcpod.daemon.control import VERBS, ControlContext
from mcpod.protocol import ErrorCode, McpodError
from mcpod.protocol.redact import redact

log = logging.getLogger(__name__)

READ_ONLY = frozenset({"status", "servers", "tools", "search", "ping"})
TAIL_DEFAULT, TAIL_MAX = 200, 5000
TAIL_BYTES = 1 << 20  # at most this much of the end of a log is read
_QUERY_ALIASES = {"q": "query"}
_encoder = msgspec.json.Encoder()


class Api:
    def __init__(self, ctx: ControlContext, on_shutdown: Callable[[str], None]) -> None:
        self._ctx = ctx
        self._on_shutdown = on_shutdown

    def routes(self) -> list[Route]:
        return [
            Route("/api/logs", self.daemon_log, methods=["GET"]),
            Route("/api/logs/{server}", self.server_log, methods=["GET"]),
            Route("/api/servers/{server}/{action}", self.server_action, methods=["POST"]),
            Route("/api/{verb}", self.verb, methods=["GET", "POST"]),
        ]

    async def verb(self, request: Request) -> Response:
        name = request.path_params["verb"]
        found = VERBS.get(name)
        if found is None:
            return _error(404, ErrorCode.METHOD_NOT_FOUND,
                          f"no API verb {name!r}; known: {', '.join(sorted(VERBS))}")  # fmt: skip
        if request.method == "GET" and name not in READ_ONLY:
            return _error(405, ErrorCode.INVALID_REQUEST, f"{name} changes things: POST it")
        kind, verb = found
        try:
            params = await _params(request)
            decoded = msgspec.convert(params, kind, strict=request.method == "POST")
        except msgspec.ValidationError as exc:
            return _error(400, ErrorCode.INVALID_PARAMS, f"invalid params: {exc}")
        except ValueError as exc:
            return _error(400, ErrorCode.PARSE_ERROR, f"the body is not a JSON object: {exc}")
        result = await verb(self._ctx, decoded)
        if name == "shutdown":
            self._on_shutdown("POST /api/shutdown")
        return _ok(result)

    async def server_action(self, request: Request) -> Response:
        name, action = request.path_params["server"], request.path_params["action"]
        pool = self._ctx.pool
        upstream = pool.get(name)  # McpodError (404) for an unknown server
        if action == "restart":
            await upstream.stop("restarted from the dashboard")
            await pool.ensure([name])
        elif action == "stop":
            await upstream.stop("stopped from the dashboard")
        elif action == "start":
            await pool.ensure([name])
        else:
            return _error(404, ErrorCode.METHOD_NOT_FOUND,
                          f"no action {action!r}: restart, stop or start")  # fmt: skip
        return _ok(next(s for s in pool.status() if s.name == name))

    async def server_log(self, request: Request) -> Response:
        name = request.path_params["server"]
        if name not in self._ctx.pool.upstreams:
            return _error(404, ErrorCode.INVALID_PARAMS, f"no enabled server named {name!r}")
        return _ok(_tail(self._ctx.paths.server_log(name), request))

    async def daemon_log(self, request: Request) -> Response:
        return _ok(_tail(self._ctx.paths.daemon_log, request))


async def _params(request: Request) -> dict[str, Any]:
    if request.method == "GET":
        return {_QUERY_ALIASES.get(k, k): v for k, v in request.query_params.items()}
    body = await request.body()
    if not body.strip():
        return {}
    params = msgspec.json.decode(body)
    if not isinstance(params, dict):
        raise ValueError("expected an object")
    return params


def _tail(path: Path, request: Request) -> dict[str, Any]:
    try:
        wanted = int(request.query_params.get("n", TAIL_DEFAULT))
    except ValueError:
        wanted = TAIL_DEFAULT
    wanted = max(1, min(wanted, TAIL_MAX))
    try:
        with path.open("rb") as file:
            size = file.seek(0, 2)
            file.seek(max(0, size - TAIL_BYTES))
            data = file.read()
    except FileNotFoundError:
        return {"path": str(path), "exists": False, "lines": []}
    lines = data.decode("utf-8", "replace").splitlines()
    if size > TAIL_BYTES:
        lines = lines[1:]  # the first one is cut
    return {"path": str(path), "exists": True, "lines": [redact(x) for x in lines[-wanted:]]}


def _ok(result: Any) -> Response:
    return Response(_encoder.encode(result), media_type="application/json")


def _error(status: int, code: int, message: str) -> Response:
    body = {"error": {"code": int(code), "message": message}}
    return Response(_encoder.encode(body), status_code=status, media_type="application/json")


def error_response(exc: Exception) -> Response:
    """The answer for an exception out of a handler (the app's exception boundary)."""
    if isinstance(exc, McpodError):
        status = 404 if "no server named" in exc.message else 400
        return _error(status, exc.code, exc.message)
    log.error("HTTP API request failed: %s", exc, exc_info=exc)
    return _error(500, ErrorCode.INTERNAL_ERROR, f"mcpod internal error: {type(exc).__name__}")
