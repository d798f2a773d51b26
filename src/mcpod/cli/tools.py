"""`mcpod tools [SERVER] [--json]`: the catalog's tools, without starting any server."""

from __future__ import annotations

import argparse
import json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mcpod.protocol.control import ToolsResponse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("server", nargs="?", help="only this server")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    from mcpod.cli.common import control_call

    params = {"server": args.server} if args.server else {}
    result = control_call("tools", params)
    if result is None:
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    import msgspec

    from mcpod.protocol.control import ToolsResponse

    print(render(msgspec.convert(result, ToolsResponse)))
    return 0


def render(response: ToolsResponse) -> str:
    lines = []
    for server in response.servers:
        count = len(server.tools) if server.indexed else "?"
        lines.append(
            f"{server.server} [{server.state}] {count} tools, ~{server.tokens} tokens"
            + (f" - {server.description}" if server.description else "")
        )
        for tool in server.tools:
            lines.append(f"  {tool.exposed:<48} ~{tool.tokens:>4} tok  {tool.description[:70]}")
        if not server.indexed:
            lines.append("  (tools not known yet: the server has not been started)")
    return "\n".join(lines) if lines else "no servers configured"
