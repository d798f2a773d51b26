"""Facts of the MCP protocol itself that both sides of the daemon use: its eras' versions,
and how to read an object field that a peer may have sent as anything."""

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
