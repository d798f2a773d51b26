"""`mcpod import [--from CLIENT] [--rename] [--dry-run] [--json]`: take over clients' servers.

Reads the MCP servers of every client mcpod knows (or only CLIENT's): their user-level
files and, in the current directory, their project files. Each server is added to
mcpod's config, or reported as a duplicate (already there), a conflict (the name is
taken by another definition; `--rename` adds it as NAME-CLIENT), unusable (with the
reason) or mcpod itself. Credential-looking env and header values go to mcpod's secret
store and the config gets `${secret:NAME}`; values are never printed.

`--json` prints one object:

    {"dry_run": bool, "config": str,
     "sources": [{"client": str, "path": str, "level": "user" | "project" | "local",
                  "key": str, "status": "read" | "missing" | "error", "servers": int,
                  "error": str | null}],
     "servers": [{"client": str, "source": str, "level": str, "name": str,
                  "action": "add" | "duplicate" | "conflict" | "unusable" | "self",
                  "target": str | null, "transport": "stdio" | "http" | "sse" | null,
                  "reason": str, "notes": [str], "secrets": [str]}],
     "added": [str], "errors": [str]}

`target` is the name in mcpod (added as, duplicate of, conflicting with); `secrets` the
names of the secrets stored for it; `added` is empty on --dry-run. Exit status: 0 done,
1 a file could not be read or mcpod's config not written (the rest was imported), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from mcpod.cli.install import CLIENTS

if TYPE_CHECKING:
    from mcpod.config.clients import ImportPlan

MARKS = {"add": "+", "duplicate": "=", "conflict": "!", "unusable": "x", "self": "-"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from",
        dest="source",
        metavar="CLIENT",
        choices=CLIENTS,
        help=f"only this client ({', '.join(CLIENTS)}); default: all of them",
    )
    parser.add_argument(
        "--rename",
        action="store_true",
        help="add a server whose name mcpod already uses for another one as NAME-CLIENT",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would be imported; write nothing"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    from mcpod.config.clients import CLIENTS as SPECS
    from mcpod.config.clients import Context, apply_import, plan_import
    from mcpod.protocol import McpodError, resolve_paths

    paths = resolve_paths()
    ctx = Context.current()
    specs = [SPECS[args.source]] if args.source else list(SPECS.values())
    locations = [location for spec in specs for location in spec.locations(ctx)]
    try:
        plan = plan_import(
            locations, ctx, paths.config_file, paths.secrets_file, rename=args.rename
        )
    except McpodError as exc:
        return _failed(args, exc.message)
    errors = list(plan.errors)
    added: list[str] = []
    if not args.dry_run:
        try:
            added = apply_import(plan, paths.secrets_file)
        except (McpodError, OSError) as exc:
            errors.append(f"{paths.config_file}: not changed: {getattr(exc, 'message', exc)}")
    if args.json:
        print(json.dumps(_as_json(args, plan, added, errors), indent=2))
    else:
        _print(args, plan, added, errors)
    return 1 if errors else 0


def _as_json(
    args: argparse.Namespace, plan: ImportPlan, added: list[str], errors: list[str]
) -> dict[str, Any]:
    return {
        "dry_run": args.dry_run,
        "config": str(plan.config_file),
        "sources": [source.as_json() for source in plan.sources],
        "servers": [item.as_json() for item in plan.items],
        "added": added,
        "errors": errors,
    }


def _print(args: argparse.Namespace, plan: ImportPlan, added: list[str], errors: list[str]) -> None:
    from mcpod.config.clients import CLIENTS as SPECS

    found = [s for s in plan.sources if s.status == "read"]
    for source in found:
        location = source.location
        items = [i for i in plan.items if i.location == location]
        level = "" if location.level == "user" else f" ({location.level})"
        print(f"{SPECS[location.client].label}{level}: {location.label}")
        if not items:
            print("  (no servers)")
        width = max((len(i.name) for i in items), default=0)
        for item in items:
            print(f"  {MARKS[item.action]} {item.name.ljust(width)}  {item.reason}")
            for note in item.notes:
                print(f"    {''.ljust(width)}  note: {note}")
    if not found and not errors:
        looked = ", ".join(sorted({str(s.location.path) for s in plan.sources}))
        print(f"No client config file found (looked for {looked}).")
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    additions = [i.target or "" for i in plan.additions]
    if args.dry_run:
        if additions:
            print(f"Dry run: would add {_servers(additions)} to {plan.config_file}.")
        else:
            print("Dry run: nothing to add.")
    elif added:
        print(f"Added {_servers(added)} to {plan.config_file}.")
        print("A running daemon applies the change by itself.")
        print("Next: `mcpod install CLIENT` makes a client use mcpod instead of its own list.")
    elif found:
        print("Nothing to add: mcpod's config already has every usable server.")


def _servers(names: list[str]) -> str:
    return f"{len(names)} server{'s' if len(names) != 1 else ''} ({', '.join(names)})"


def _failed(args: argparse.Namespace, message: str) -> int:
    if args.json:
        empty: dict[str, Any] = {"sources": [], "servers": [], "added": []}
        print(json.dumps({"dry_run": args.dry_run, "config": None, **empty, "errors": [message]}))
    else:
        print(f"mcpod import: {message}", file=sys.stderr)
    return 1
