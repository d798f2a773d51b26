"""An MCP server that crashes right after its handshake: it answers `initialize` and the
lists, then exits with status 1 (a crash loop, as a broken install or bad credentials
cause). Stdlib only, newline-delimited JSON-RPC over stdio."""

from __future__ import annotations

import json
import sys

TOOL = {"name": "boom", "description": "Never gets to run.", "inputSchema": {"type": "object"}}
ANSWERS = {
    "initialize": {
        "protocolVersion": "2025-06-18",
        "capabilities": {"tools": {}},
        "serverInfo": {"name": "crashing", "version": "1"},
    },
    "tools/list": {"tools": [TOOL]},
}

for line in sys.stdin:
    message = json.loads(line)
    method = message.get("method")
    if method in ANSWERS:
        reply = {"jsonrpc": "2.0", "id": message["id"], "result": ANSWERS[method]}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
        if method == "tools/list":
            sys.exit(1)
