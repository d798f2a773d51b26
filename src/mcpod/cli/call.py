"""`mcpod call SERVER TOOL [--args JSON] [--json]`: call one tool, as a client would.

Prints the result's text (or the whole result with `--json`). Exit status: 0 the tool
answered, 1 the tool reported an error (`isError`) or the call failed, 2 the arguments
are not a JSON object, 3 no daemon (one is started if needed, so only when that fails).
"""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("server")
    parser.add_argument("tool", help="the tool's own name (`get_current_time`, not `time__...`)")
    parser.add_argument("--args", default="{}", metavar="JSON", help="the arguments object")
    parser.add_argument("--json", action="store_true", help="print the whole result as JSON")


def run(args: argparse.Namespace) -> int:
    from mcpod.cli.common import control_call_or_exit
    from mcpod.cli.output import print_json

    try:
        arguments = json.loads(args.args)
    except ValueError as exc:
        print(f"mcpod call: --args is not JSON: {exc}", file=sys.stderr)
        return 2
    if not isinstance(arguments, dict):
        print("mcpod call: --args must be a JSON object", file=sys.stderr)
        return 2
    tool = args.tool.removeprefix(f"{args.server}__")
    params = {"server": args.server, "tool": tool, "arguments": arguments}
    answer = control_call_or_exit("call", params, spawn=True)
    if isinstance(answer, int):
        return answer
    result = answer["result"]
    if args.json:
        print_json(answer)
    else:
        for item in result.get("content") or []:
            print(item.get("text") if item.get("type") == "text" else json.dumps(item))
    return 1 if result.get("isError") else 0
