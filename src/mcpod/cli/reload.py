"""`mcpod reload [--json]`: read the config file again and apply what changed.

Exit status: 0 applied (or nothing to do), 1 the file cannot be used (the previous config
goes on; the message names the file and the key), 3 no daemon runs.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    from mcpod.client import ControlClient
    from mcpod.protocol import McpodError, resolve_paths

    try:
        with ControlClient.open(resolve_paths()) as client:
            result = client.call("reload")
    except (FileNotFoundError, ConnectionRefusedError):
        print("mcpod daemon is not running (the next session reads the file anyway)")
        return 3
    except (McpodError, OSError) as exc:
        print(f"mcpod reload: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
    elif result.get("error"):
        print(f"mcpod reload: not applied: {result['error']}", file=sys.stderr)
    else:
        parts = [
            f"{k} {', '.join(result[k])}" for k in ("added", "removed", "changed") if result[k]
        ]
        print("reloaded: " + ("; ".join(parts) if parts else "nothing changed"))
    return 1 if result.get("error") else 0
