"""`mcpod search QUERY [--limit N] [--json]`: ranked tools from the catalog."""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", nargs="+", help="what you want to do")
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument(
        "--json", action="store_true", help="a JSON list of {server, tool, score, description}"
    )


def run(args: argparse.Namespace) -> int:
    from mcpod.cli.common import control_call

    result = control_call("search", {"query": " ".join(args.query), "limit": args.limit})
    if result is None:
        return 1
    if args.json:
        print(json.dumps(result["results"], indent=2))
        return 0
    import msgspec

    from mcpod.protocol.control import SearchResponse

    response = msgspec.convert(result, SearchResponse)
    hits = response.results
    if not hits:
        print("no tools match")
    elif response.fits is False:
        print("nothing fits this request well; the closest tools (probably not it):")
    for hit in hits:
        print(f"{hit.score:7.2f}  {hit.exposed:<48} {hit.description[:80]}")
    return 0
