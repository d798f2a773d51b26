"""`mcpod add NAME -- COMMAND ARGS...`, `mcpod add NAME --url URL`, and `mcpod remove NAME`.

A `docker run ...` command is parsed like docker does (see `mcpod.config.dockerrun`):
`-i` and `--rm` are added when missing, `-t` / `-d` are refused with the reason, and
secret-looking `-e KEY=VALUE` values (also `--env` and `--header` ones) go to the secret
store, the config keeping `${secret:NAME}`. The edit is validated and written atomically;
a running daemon applies it by itself.

Exit status: 0 done, 1 refused (the message says why and what to do), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="the server's name (tools appear as NAME__tool)")
    parser.add_argument("words", nargs="*", metavar="-- COMMAND",
                        help="-- COMMAND ARGS... (a local server over stdio)")  # fmt: skip
    parser.add_argument("--url", help="a remote server's URL (streamable HTTP unless --type sse)")
    parser.add_argument("--type", choices=("http", "sse"), help="a remote server's transport")
    parser.add_argument("--header", action="append", default=[], metavar="K=V",
                        help="an HTTP header of a remote server (repeatable)")  # fmt: skip
    parser.add_argument("--env", action="append", default=[], metavar="K=V",
                        help="an environment variable of a local server (repeatable)")  # fmt: skip
    parser.add_argument("--cwd", help="the local server's working directory")
    parser.add_argument("--scope", choices=("global", "session", "project"),
                        help="who shares one running instance (default global)")  # fmt: skip
    parser.add_argument("--disabled", action="store_true", help="add it switched off")
    parser.add_argument("--force", action="store_true", help="replace a server of that name")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def add_remove_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="the server to remove from mcpod's config")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    from mcpod.protocol import ConfigError

    try:
        entry, secrets, notes = _entry(args)
        return _save(args, entry, secrets, notes)
    except ConfigError as exc:
        print(f"mcpod add: {exc.message}", file=sys.stderr)
        return 1


def run_remove(args: argparse.Namespace) -> int:
    from mcpod.config import edit_config, servers_of
    from mcpod.protocol import ConfigError, resolve_paths

    path = resolve_paths().config_file

    def remove(document: dict[str, Any]) -> dict[str, Any]:
        servers = servers_of(document)
        if args.name not in servers:
            known = ", ".join(sorted(servers)) or "none"
            raise ConfigError(f"no server named {args.name!r} in {path} (servers: {known})")
        removed: dict[str, Any] = servers.pop(args.name)
        return removed

    try:
        removed, _ = edit_config(path, remove)
    except ConfigError as exc:
        print(f"mcpod remove: {exc.message}", file=sys.stderr)
        return 1
    kept = sorted(set(re.findall(r"\$\{secret:([A-Za-z0-9_.-]+)\}", json.dumps(removed))))
    if args.json:
        print(json.dumps({"removed": args.name, "config": str(path), "secrets_kept": kept}))
    else:
        print(f"removed {args.name} from {path}")
        for name in kept:
            print(f"  its secret {name} is still stored: `mcpod secret rm {name}` deletes it")
    return 0


# -- building the entry ------------------------------------------------------------------


def _entry(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """The config entry, the secret values to store (by secret name), and notes."""
    from mcpod.config.load import parse_server
    from mcpod.protocol import ConfigError

    command = list(args.words)
    if bool(args.url) == bool(command):
        raise ConfigError("give either -- COMMAND ARGS... (a local server) or --url URL")
    secrets: dict[str, str] = {}
    notes: list[str] = []
    entry: dict[str, Any]
    if args.url:
        entry = {"url": args.url, "type": args.type or "http"}
        headers = _pairs(args.header, "--header")
        if headers:
            entry["headers"] = _secret_values(args.name, headers, secrets)
    else:
        entry, notes = _local(args.name, command, secrets)
        env = {**entry.get("env", {}), **_secret_values(args.name, _pairs(args.env, "--env"),
                                                         secrets)}  # fmt: skip
        if env:
            entry["env"] = env
        if args.cwd:
            entry["cwd"] = args.cwd
    if args.scope:
        entry["scope"] = args.scope
    if args.disabled:
        entry["disabled"] = True
    parse_server(args.name, entry, "the new server")  # before anything is written
    return entry, secrets, notes


def _local(
    name: str, words: list[str], secrets: dict[str, str]
) -> tuple[dict[str, Any], list[str]]:
    from mcpod.config.dockerrun import (
        fit_for_stdio,
        is_docker_run,
        parse_docker_run,
        split_command,
        split_secrets,
    )

    words = split_command(words)
    if not is_docker_run(words):
        return {"command": words[0], "args": words[1:]}, []
    run = parse_docker_run(words[2:])
    notes = fit_for_stdio(run)
    env = {}
    for key, value in split_secrets(run).items():
        secret = _secret_name(name, key)
        secrets[secret] = value
        env[key] = f"${{secret:{secret}}}"
        notes.append(f"-e {key}: its value went to the secret store as {secret}")
    entry: dict[str, Any] = {"command": words[0], "args": run.args()}
    if env:
        entry["env"] = env
    return entry, notes


def _pairs(items: list[str], flag: str) -> dict[str, str]:
    from mcpod.protocol import ConfigError

    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"{flag} {item!r}: expected KEY=VALUE")
        pairs[key] = value
    return pairs


def _secret_values(server: str, pairs: dict[str, str], secrets: dict[str, str]) -> dict[str, str]:
    """`pairs` with secret-looking values replaced by references (values into `secrets`)."""
    from mcpod.config import looks_secret

    kept = {}
    for key, value in pairs.items():
        if looks_secret(key) and "${" not in value:
            secret = _secret_name(server, key)
            secrets[secret] = value
            kept[key] = f"${{secret:{secret}}}"
        else:
            kept[key] = value
    return kept


def _secret_name(server: str, key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", f"{server}_{key}").upper()


def _save(
    args: argparse.Namespace, entry: dict[str, Any], secrets: dict[str, str], notes: list[str]
) -> int:
    from mcpod.config import SecretStore, edit_config, servers_of
    from mcpod.protocol import ConfigError, resolve_paths

    paths = resolve_paths()
    path = paths.config_file
    store = SecretStore(paths.secrets_file)

    def add(document: dict[str, Any]) -> None:
        servers = servers_of(document)
        if args.name in servers and not args.force:
            raise ConfigError(
                f"a server named {args.name!r} is already in {path}: pass --force to "
                f"replace it, or `mcpod remove {args.name}` first"
            )
        for name, value in secrets.items():  # first: the config must never point at nothing
            store.set(name, value)
        servers[args.name] = entry

    edit_config(path, add)
    if args.json:
        shown = {"added": args.name, "config": str(path), "server": entry,
                 "secrets": sorted(secrets), "notes": notes}  # fmt: skip
        print(json.dumps(shown, indent=2))
        return 0
    where = entry.get("url") or " ".join([entry["command"], *entry.get("args", [])])
    print(f"added {args.name}: {where}")
    for note in notes:
        print(f"  {note}")
    for name in sorted(secrets):
        if not any(name in n for n in notes):
            print(f"  a secret value went to the secret store as {name}")
    return 0
