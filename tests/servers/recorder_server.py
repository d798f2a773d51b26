"""A stdlib MCP server that records every message it receives (to $RECORD, one JSON per
line) and misbehaves on request, for what the SDK servers will not do on demand:

- `hold`: never answers (until cancelled);
- `progress`: integer progress with an extra field, then a result;
- `not_an_object`: answers with `"result": 5`;
- `garbled`: answers with a line that is not JSON (but carries the id);
- `burst`: twenty `tools/list_changed` notifications in a row, then a result;
- `freeze`: answers, then never answers anything again (but keeps running);
- `echo`: a normal answer.
"""

from __future__ import annotations

import json
import os
import sys

RECORD = os.environ.get("RECORD")
TOOLS = [
    {"name": name, "description": f"{name} (recorder)", "inputSchema": {"type": "object"}}
    for name in ("hold", "progress", "not_an_object", "garbled", "burst", "freeze", "echo")
]


def send(message: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def answer(request_id: object, result: object) -> None:
    send({"jsonrpc": "2.0", "id": request_id, "result": result})


def call(request_id: object, params: dict[str, object]) -> None:
    name = params.get("name")
    if name == "hold":
        return
    if name == "progress":
        token = (params.get("_meta") or {}).get("progressToken")  # type: ignore[union-attr]
        for step in (1, 2):
            send({"jsonrpc": "2.0", "method": "notifications/progress",
                  "params": {"progressToken": token, "progress": step, "total": 2,
                             "note": {"kept": True}}})  # fmt: skip
        answer(request_id, {"content": [{"type": "text", "text": "done"}]})
    elif name == "not_an_object":
        answer(request_id, 5)
    elif name == "burst":
        for _ in range(20):
            send({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
        answer(request_id, {"content": [{"type": "text", "text": "burst"}]})
    elif name == "freeze":
        answer(request_id, {"content": [{"type": "text", "text": "frozen"}]})
        global FROZEN
        FROZEN = True
    elif name == "garbled":
        sys.stdout.write(f'{{"jsonrpc": "2.0", "id": {json.dumps(request_id)}, "result": {{oops\n')
        sys.stdout.flush()
    else:
        answer(request_id, {"content": [{"type": "text", "text": "echo"}]})


FROZEN = False
for line in sys.stdin:
    if FROZEN:
        continue
    if RECORD:
        with open(RECORD, "a") as record:
            record.write(line)
    message = json.loads(line)
    method, request_id = message.get("method"), message.get("id")
    if method == "initialize":
        answer(request_id, {"protocolVersion": "2025-06-18",
                            "capabilities": {"tools": {"listChanged": True}},
                            "serverInfo": {"name": "recorder", "version": "1"}})  # fmt: skip
    elif method == "tools/list":
        answer(request_id, {"tools": TOOLS})
    elif method == "tools/call":
        call(request_id, message.get("params") or {})
    elif method == "ping":
        answer(request_id, {})
