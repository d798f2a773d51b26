"""mcpod: one per-user daemon for all your MCP servers.

Kept import-free: `mcpod-shim` imports this package on every client start.
"""

__version__ = "0.1.0"
