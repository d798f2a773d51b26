"""The leaf package: the socket protocol's constants, framing, errors and per-user paths.

Everything here is stdlib-only, because `mcpod-shim` imports it on every client start;
the names of the submodules are loaded when first used. The msgspec wire types live in
`mcpod.protocol.wire`, imported by the daemon.
"""

from mcpod.protocol.lazy import load

TYPE_CHECKING = False  # not `from typing`: the shim's start-up cannot afford it
if TYPE_CHECKING:
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

# Loaded on first use (PEP 562), so that the shim's `mcpod.protocol.framing` does not
# pay for `enum` (errors) and `pathlib` (paths): ~15 ms of its start-up.
_ERRORS = ("ConfigError", "DaemonUnavailable", "ErrorCode", "HandshakeFailed", "McpodError",
           "PathError", "RpcError", "UpstreamUnavailable", "error_code")  # fmt: skip
_LAZY = {
    **dict.fromkeys(_ERRORS, "mcpod.protocol.errors"),
    **dict.fromkeys(("MAX_LINE_BYTES", "LineSplitter", "Oversized"), "mcpod.protocol.framing"),
    **dict.fromkeys(("Paths", "ensure_private_dir", "resolve_paths"), "mcpod.protocol.paths"),
}


def __getattr__(name: str) -> object:
    return load(globals(), _LAZY, name)


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
