"""Facts of the MCP protocol itself that both sides of the daemon use: its eras' versions,
how to read an object field that a peer may have sent as anything, and JSON-RPC ids."""

from __future__ import annotations

from typing import Any

HANDSHAKE_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
"""The `initialize` era, oldest first."""
LATEST_HANDSHAKE = HANDSHAKE_VERSIONS[-1]
MODERN_VERSION = "2026-07-28"
"""The era without a handshake: the version rides in every request's `_meta`."""


def as_dict(value: Any) -> dict[str, Any]:
    """A copy of `value` if it is a JSON object, else an empty one (peers send anything)."""
    return dict(value) if isinstance(value, dict) else {}


def is_request_id(value: Any) -> bool:
    """A JSON-RPC id: an integer or a string (bool is not one, though Python says int)."""
    return isinstance(value, int | str) and not isinstance(value, bool)


def id_key(request_id: Any) -> tuple[str, Any]:
    """A dict key for an id: JSON-RPC ids 1 and "1" are distinct; bool must not alias 1."""
    return type(request_id).__name__, request_id
