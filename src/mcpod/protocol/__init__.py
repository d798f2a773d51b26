"""The leaf package: the socket protocol's constants, framing, errors and per-user paths.

Everything imported here is stdlib-only, because `mcpod-shim` imports it on every client
start. The msgspec wire types live in `mcpod.protocol.wire`, imported by the daemon.
"""

from mcpod.protocol.errors import (
    ConfigError,
    DaemonUnavailable,
    ErrorCode,
    HandshakeFailed,
    McpodError,
    PathError,
    RpcError,
    UpstreamUnavailable,
    error_code,
)
from mcpod.protocol.framing import MAX_LINE_BYTES, LineSplitter, Oversized
from mcpod.protocol.paths import Paths, ensure_private_dir, resolve_paths

PROTOCOL_VERSION = 1
"""Bumped only when a change breaks older peers; additions go through capabilities."""

CAPABILITIES = ("mcp-session", "control", "status", "shutdown")
"""Named features this build speaks; peers check names, not version numbers."""

ROLE_SESSION = "session"
ROLE_CONTROL = "control"

SESSION_ENV_KEYS = ("PATH", "HOME", "USER", "LANG", "LC_ALL", "SHELL", "TERM", "VIRTUAL_ENV")
"""The environment a session forwards in its hello: enough to resolve commands the way
the client would, without copying secrets the client happens to hold."""

__all__ = [
    "CAPABILITIES",
    "MAX_LINE_BYTES",
    "PROTOCOL_VERSION",
    "ROLE_CONTROL",
    "ROLE_SESSION",
    "SESSION_ENV_KEYS",
    "ConfigError",
    "DaemonUnavailable",
    "ErrorCode",
    "HandshakeFailed",
    "LineSplitter",
    "McpodError",
    "Oversized",
    "PathError",
    "Paths",
    "RpcError",
    "UpstreamUnavailable",
    "ensure_private_dir",
    "error_code",
    "resolve_paths",
]
