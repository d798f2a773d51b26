"""`mcpod start [SERVER...]`, `mcpod restart SERVER...`, and `mcpod stop SERVER...` (with no
server, `mcpod stop` stops the daemon: see `mcpod.cli.stop`).

Exit status: 0 done (each server's state is printed), 1 a server is unknown or did not
come up (`start`, `restart`), 3 no daemon runs (`stop`, `restart`; `start` starts one).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_start_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("servers", nargs="*", metavar="SERVER", help="default: every server")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def add_restart_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("servers", nargs="+", metavar="SERVER")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run_start(args: argparse.Namespace) -> int:
    from mcpod.cli.output import progress

    progress(f"starting {', '.join(args.servers) or 'every server'}...")
    params = {"servers": args.servers} if args.servers else {}
    return _report(args, "start", params, args.servers, spawn=True)


def run_restart(args: argparse.Namespace) -> int:
    from mcpod.cli.output import progress

    progress(f"restarting {', '.join(args.servers)}...")
    return _report(args, "restart", {"servers": args.servers}, args.servers, spawn=False)


def run_stop_servers(args: argparse.Namespace) -> int:
    return _report(args, "stop_servers", {"servers": args.servers}, args.servers, spawn=False)


def _report(
    args: argparse.Namespace, verb: str, params: dict[str, Any], names: list[str], *, spawn: bool
) -> int:
    from mcpod.cli.common import control_call_or_exit
    from mcpod.cli.output import paint, print_json

    result = control_call_or_exit(verb, params, spawn=spawn)
    if isinstance(result, int):
        return result
    servers = [s for s in result["servers"] if not names or s["name"] in names]
    if args.json:
        print_json(result)
    else:
        for server in servers:
            note = f" ({server['reason']})" if server.get("reason") else ""
            pid = f" pid {server['pid']}" if server.get("pid") else ""
            print(f"{server['name']}: {paint(server['state'], server['state'])}{pid}{note}")
    if verb == "stop_servers":
        return 0
    failed = [s["name"] for s in servers if s["state"] != "ready" and not s.get("instance")]
    if failed:
        print(f"mcpod {verb}: not ready: {', '.join(failed)} (see `mcpod logs NAME`)",
              file=sys.stderr)  # fmt: skip
        return 1
    return 0
