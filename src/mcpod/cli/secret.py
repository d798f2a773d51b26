"""`mcpod secret set NAME | ls | rm NAME`: the values config entries refer to as
`${secret:NAME}`.

A value is read from a hidden prompt, or from stdin when it is not a terminal (so
`pass show x | mcpod secret set NAME` works); never from the command line, where other
users' `ps` and the shell history would see it. Values are never printed.

Exit status: 0 done, 1 error (or `rm` of a name that is not stored), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from mcpod.config import SecretStore


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    setter = sub.add_parser("set", help="store a value (from a prompt or stdin)")
    setter.add_argument("name")
    lister = sub.add_parser("ls", help="the stored names and the servers that use them")
    lister.add_argument("--json", action="store_true", help="machine-readable output")
    remover = sub.add_parser("rm", help="delete a stored value")
    remover.add_argument("name")


def run(args: argparse.Namespace) -> int:
    from mcpod.config import SecretStore
    from mcpod.protocol import ConfigError, resolve_paths

    paths = resolve_paths()
    store = SecretStore(paths.secrets_file)
    try:
        if args.action == "set":
            return _set(store, args.name)
        if args.action == "rm":
            if not store.remove(args.name):
                print(f"mcpod secret: no secret named {args.name!r}", file=sys.stderr)
                return 1
            print(f"removed {args.name}")
            return 0
        return _list(store, paths.config_file, args.json)
    except ConfigError as exc:
        print(f"mcpod secret: {exc.message}", file=sys.stderr)
        return 1


def _set(store: SecretStore, name: str) -> int:
    from mcpod.config.secrets import check_name

    check_name(name)
    if sys.stdin.isatty():
        import getpass

        value = getpass.getpass(f"value of {name} (not shown): ")
    else:
        value = sys.stdin.read().removesuffix("\n").removesuffix("\r")
    if not value:
        print("mcpod secret: empty value; nothing stored", file=sys.stderr)
        return 1
    store.set(name, value)
    print(f"stored {name} in {store.backend} (servers using it pick it up at their next start)")
    return 0


def _list(store: SecretStore, config_file: Path, as_json: bool) -> int:
    from mcpod.config import load_config, secret_usage

    config = load_config(config_file)
    used, missing = secret_usage(store, config)
    if as_json:
        rows = [{"name": name, "servers": servers} for name, servers in used.items()]
        shown = {"secrets": rows, "missing": sorted(missing), "file": str(store.path),
                 "backend": store.backend}  # fmt: skip
        print(json.dumps(shown, indent=2))
        return 0
    for name, servers in used.items():
        print(f"{name:<32} {', '.join(servers) or '(no server refers to it)'}")
    for name, servers in missing.items():
        print(f"{name:<32} MISSING, needed by {', '.join(servers)}: mcpod secret set {name}")
    print(f"(values kept in {store.backend})" if used or missing else
          f"no secrets stored ({store.backend})")  # fmt: skip
    return 0
