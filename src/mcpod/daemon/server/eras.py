"""The two eras of the MCP protocol as mcpod serves them.

The era is set by a session's first request: `initialize` means the handshake era
(2024-11-05..2025-11-25); a request carrying `_meta["io.modelcontextprotocol/protocolVersion"]`
means 2026-07-28, which has no handshake, version-checks every request and adds
`resultType` (and cache hints) to results.
"""

from __future__ import annotations

from typing import Any

from mcpod import __version__
from mcpod.protocol import ErrorCode, RpcError
from mcpod.protocol.mcp import HANDSHAKE_VERSIONS, LATEST_HANDSHAKE, MODERN_VERSION, as_dict

__all__ = ["HANDSHAKE_VERSIONS", "LATEST_HANDSHAKE", "MODERN_VERSION", "as_dict"]

META_PREFIX = "io.modelcontextprotocol/"
META_VERSION = "io.modelcontextprotocol/protocolVersion"
META_CLIENT_INFO = "io.modelcontextprotocol/clientInfo"
META_SERVER_INFO = "io.modelcontextprotocol/serverInfo"
META_SUBSCRIPTION = "io.modelcontextprotocol/subscriptionId"

SERVER_INFO = {"name": "mcpod", "version": __version__}
CACHEABLE = frozenset(
    {"tools/list", "prompts/list", "resources/list", "resources/templates/list",
     "resources/read", "server/discover"}
)  # fmt: skip


def detect(method: str, params: dict[str, Any]) -> tuple[str, str | None, dict[str, Any]]:
    """(era, protocol version if known already, clientInfo) from a session's first request."""
    meta = as_dict(params.get("_meta"))
    if method != "initialize" and META_VERSION in meta:
        check_modern(params)
        return "modern", MODERN_VERSION, as_dict(meta.get(META_CLIENT_INFO))
    return "legacy", None, as_dict(params.get("clientInfo"))


def check_modern(params: dict[str, Any]) -> None:
    """A 2026-07-28 request names its version on every request; refuse any other."""
    version = as_dict(params.get("_meta")).get(META_VERSION)
    if version is not None and version != MODERN_VERSION:
        raise RpcError(
            f"Unsupported protocol version {version!r}",
            code=ErrorCode.UNSUPPORTED_PROTOCOL_VERSION,
            data={"supported": [MODERN_VERSION], "requested": version},
        )


def finish(era: str | None, method: str, result: dict[str, Any]) -> dict[str, Any]:
    """Add what the 2026-07-28 era requires on results; the handshake era passes through."""
    if era != "modern":
        return result
    result = dict(result)
    result.setdefault("resultType", "complete")
    if method in CACHEABLE:
        result.setdefault("ttlMs", 0)
        result.setdefault("cacheScope", "private")
    result["_meta"] = {**as_dict(result.get("_meta")), META_SERVER_INFO: SERVER_INFO}
    return result
