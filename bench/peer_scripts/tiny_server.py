"""A tiny stdio MCP server (stdlib only, ~20 ms to start): three tools, for the scale
figures (bench/scale.py), where hundreds of servers are configured."""

import json
import os
import sys

NAME = os.environ.get("TINY_NAME", "tiny")
TOOLS = [
    {
        "name": f"{verb}_{NAME}",
        "description": f"{verb.title()} a {NAME} item.",
        "inputSchema": {"type": "object", "properties": {"id": {"type": "string"}}},
    }
    for verb in ("get", "list", "update")
]


def answer(message: dict) -> dict | None:
    method = message.get("method")
    if "id" not in message:
        return None
    if method == "initialize":
        result = {
            "protocolVersion": message["params"].get("protocolVersion", "2025-06-18"),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": NAME, "version": "1"},
        }
    elif method == "tools/list":
        result = {"tools": TOOLS}
    elif method == "tools/call":
        result = {"content": [{"type": "text", "text": json.dumps(message["params"])}]}
    elif method == "ping":
        result = {}
    else:
        return {
            "jsonrpc": "2.0",
            "id": message["id"],
            "error": {"code": -32601, "message": f"no {method}"},
        }
    return {"jsonrpc": "2.0", "id": message["id"], "result": result}


for line in sys.stdin:
    reply = answer(json.loads(line))
    if reply is not None:
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
