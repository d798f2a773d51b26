"""`mcpod servers [--json]`: every server mcpod knows of, and where it comes from.

Configured servers, the servers enabled in the Docker MCP Toolkit, and those only in
Docker's catalog (`available`: listed and searchable; `docker mcp server enable NAME`
makes one usable). Nothing is started for this.
"""

from __future__ import annotations

import argparse
import json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mcpod.protocol.control import ServersResponse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--all", action="store_true",
                        help="include the servers only in a source's catalog")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from mcpod.cli.common import control_call

    result = control_call("servers")
    if result is None:
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    import msgspec

    from mcpod.protocol.control import ServersResponse

    print(render(msgspec.convert(result, ServersResponse), everything=args.all))
    return 0


def render(response: ServersResponse, *, everything: bool) -> str:
    shown = [s for s in response.servers if everything or s.state != "available"]
    rows = [("SERVER", "SOURCE", "STATE", "SCOPE", "TOOLS", "DESCRIPTION")]
    for server in shown:
        tools = str(server.tools) if server.tools is not None else "?"
        about = server.reason or server.description
        rows.append((server.name, server.source, server.state, server.scope, tools, about[:70]))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[-1]]).rstrip()
             for r in rows]  # fmt: skip
    hidden = len(response.servers) - len(shown)
    if hidden:
        lines.append(f"(and {hidden} more in Docker's catalog, not enabled: `mcpod servers --all`)")
    return "\n".join(lines)
