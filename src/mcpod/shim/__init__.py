"""`mcpod-shim`: the stdio <-> socket pump a client's MCP config starts (stdlib only)."""
