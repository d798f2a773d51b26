"""Facts of the MCP protocol itself that both sides of the daemon use: its eras' versions."""

from __future__ import annotations

HANDSHAKE_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
"""The `initialize` era, oldest first."""
LATEST_HANDSHAKE = HANDSHAKE_VERSIONS[-1]
MODERN_VERSION = "2026-07-28"
"""The era without a handshake: the version rides in every request's `_meta`."""
