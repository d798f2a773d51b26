"""The optional HTTP front (off by default): streamable HTTP at `/mcp` (the session a
shim gets) and `/mcp/{server}` (one server under its own names), the control verbs as
JSON at `/api`, and a dashboard at `/`. Imported only when it is configured, so the
daemon pays for starlette and uvicorn only then."""

from mcpod.daemon.http.security import HttpSetupError, resolve_token
from mcpod.daemon.http.serve import http_settings, serve_http

__all__ = ["HttpSetupError", "http_settings", "resolve_token", "serve_http"]
