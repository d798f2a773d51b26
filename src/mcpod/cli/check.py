"""`mcpod check`: be an MCP client for a moment. Start `mcpod-shim` (which starts the
daemon if needed), initialize, list the tools and, with --call, call one."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--call", metavar="TOOL", help="also call this tool (no arguments unless --args)"
    )
    parser.add_argument("--args", default="{}", help="JSON arguments for --call")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--timeout", type=float, default=120.0)


class StdioClient:
    """A minimal blocking MCP client over a child's stdio (stdlib only)."""

    def __init__(self, argv: list[str]) -> None:
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._id = 0

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self._id += 1
        self.send({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params or {}})
        assert self.proc.stdout is not None
        while line := self.proc.stdout.readline():
            message: dict[str, Any] = json.loads(line)
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error'].get('message')}")
                result: dict[str, Any] = message["result"]
                return result
        raise RuntimeError(f"{method}: the shim exited (status {self.proc.wait()})")

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def close(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(timeout=30)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    client = StdioClient([sys.executable, "-m", "mcpod.shim", "--mode", "all"])
    try:
        init = client.request(
            "initialize",
            {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "mcpod-check", "version": "1"},
            },
        )
        client.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        tools = client.request("tools/list")["tools"]
        ready_ms = (time.perf_counter() - started) * 1000
        result = None
        if args.call:
            result = client.request(
                "tools/call", {"name": args.call, "arguments": json.loads(args.args)}
            )
    except RuntimeError as exc:
        print(f"mcpod check: {exc}", file=sys.stderr)
        client.proc.kill()
        return 1
    finally:
        if client.proc.poll() is None:
            client.close()
    report = {
        "server": init.get("serverInfo"),
        "protocol_version": init.get("protocolVersion"),
        "session_ready_ms": round(ready_ms, 1),
        "tools": [t["name"] for t in tools],
        "call_result": result,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"session served by {init['serverInfo']['name']} {init['serverInfo']['version']} "
        f"in {ready_ms:.0f} ms: {len(tools)} tools"
    )
    for tool in tools:
        summary = (tool.get("description") or "").strip().splitlines()[:1]
        print(f"  {tool['name']}: {summary[0][:70] if summary else ''}")
    if result is not None:
        texts = [c.get("text", "") for c in result.get("content", []) if c.get("type") == "text"]
        print(f"{args.call} -> {' '.join(texts)[:500]}")
    return 0
