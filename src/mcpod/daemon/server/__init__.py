"""The MCP server side: the listener and handshake, each client's session, the method
handlers of both protocol eras, and routing to upstreams."""

from mcpod.daemon.server.handlers import McpHandlers
from mcpod.daemon.server.listener import Listener
from mcpod.daemon.server.router import Router
from mcpod.daemon.server.session import Session
from mcpod.daemon.server.sessions import Sessions

__all__ = ["Listener", "McpHandlers", "Router", "Session", "Sessions"]
