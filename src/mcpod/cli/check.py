"""`mcpod check`: be an MCP client for a moment. Start `mcpod-shim` (which starts the
daemon if needed), initialize, list the tools and, with --call, call one."""

from __future__ import annotations

import argparse
import json
import sys
import time


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--call", metavar="TOOL", help="also call this tool (no arguments unless --args)"
    )
    parser.add_argument("--args", default="{}", help="JSON arguments for --call")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--timeout", type=float, default=120.0)


def run(args: argparse.Namespace) -> int:
    from mcpod.client.stdio import PeerExited, StdioClient
    from mcpod.protocol import McpodError

    started = time.perf_counter()
    shim = [sys.executable, "-m", "mcpod.shim", "--mode", "all"]
    client = StdioClient(shim, stderr=None, timeout=args.timeout)
    try:
        init = client.initialize(
            {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "mcpod-check", "version": "1"},
            }
        )
        tools = client.request("tools/list")["tools"]
        ready_ms = (time.perf_counter() - started) * 1000
        result = None
        if args.call:
            result = client.request(
                "tools/call", {"name": args.call, "arguments": json.loads(args.args)}
            )
    except (McpodError, PeerExited, TimeoutError) as exc:
        print(f"mcpod check: {getattr(exc, 'message', exc)}", file=sys.stderr)
        client.kill()
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
