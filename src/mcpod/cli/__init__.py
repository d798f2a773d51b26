"""`mcpod ...` commands; each imports only what it uses."""
