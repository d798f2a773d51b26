"""`mcpod doctor [--json]`: check the setup, and say how to fix each problem.

Checks the config file; that each server's command resolves on the PATH it will get and
its secrets are set; the runtime directory, socket and lock; that the running daemon
answers and is the same version as this mcpod (and its shim); which clients' configs
point at mcpod; and the Docker MCP Toolkit source.

Exit status: 0 nothing is wrong (warnings allowed), 1 at least one error.
`--json`: `{"ok": bool, "checks": [{"check", "level": ok|warn|error, "message", "fix"}]}`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Check:
    check: str
    level: str  # ok | warn | error
    message: str
    fix: str = ""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    from mcpod.cli.output import paint, print_json
    from mcpod.protocol import resolve_paths

    paths = resolve_paths()
    checks: list[Check] = []
    config = _config(paths, checks)
    if config is not None:
        _servers(config, paths, checks)
    status = _daemon(paths, checks)
    _clients(checks)
    if status is not None:
        _sources(status, checks)
    ok = not any(c.level == "error" for c in checks)
    if args.json:
        print_json({"ok": ok, "checks": [asdict(c) for c in checks]})
        return 0 if ok else 1
    marks = {"ok": "ok  ", "warn": "warn", "error": "FAIL"}
    for c in checks:
        print(f"{paint(marks[c.level], c.level)} {c.check}: {c.message}")
        if c.fix:
            print(f"     fix: {c.fix}")
    print("\nno problems found" if ok else "\nproblems found: see the fixes above")
    return 0 if ok else 1


def _config(paths: Any, checks: list[Check]) -> Any:
    from mcpod.config import load_config
    from mcpod.protocol import McpodError

    try:
        config = load_config(paths.config_file)
    except McpodError as exc:
        checks.append(Check("config", "error", exc.message, f"edit {paths.config_file}"))
        return None
    checks.append(Check("config", "ok", f"{paths.config_file}: {len(config.enabled)} servers"))
    return config


def _servers(config: Any, paths: Any, checks: list[Check]) -> None:
    from mcpod.config import SecretStore, references
    from mcpod.protocol import ConfigError

    store = SecretStore(paths.secrets_file)
    try:
        stored = set(store.names())
    except ConfigError as exc:
        checks.append(Check("secrets", "error", exc.message, f"fix or remove {store.path}"))
        stored = set()
    for server in config.enabled:
        name = f"server {server.name}"
        secrets, _ = references(server)
        missing = sorted(secrets - stored)
        if missing:
            fix = "; ".join(f"mcpod secret set {m}" for m in missing)
            checks.append(Check(name, "error", f"needs secret {', '.join(missing)}", fix))
        if server.transport != "stdio":
            checks.append(Check(name, "ok", f"remote ({server.transport})"))
            continue
        # The PATH a server gets: its own `env`, else the session's (the shim forwards
        # this shell's), else the daemon's.
        path = server.env.get("PATH") or os.environ.get("PATH", "")
        found = shutil.which(server.command, path=path) if "${" not in server.command else None
        if found is None and "${" not in server.command:
            checks.append(
                Check(
                    name,
                    "error",
                    f"command {server.command!r} is not on PATH",
                    f"install it, or give its absolute path in {config.path}",
                )
            )
        elif server.cwd and not os.path.isdir(server.cwd):
            checks.append(
                Check(
                    name,
                    "error",
                    f"its cwd {server.cwd} does not exist",
                    f"create it or fix 'cwd' in {config.path}",
                )
            )
        elif not missing:
            checks.append(Check(name, "ok", f"{server.command} -> {found or server.command}"))


def _daemon(paths: Any, checks: list[Check]) -> dict[str, Any] | None:
    from mcpod import __version__
    from mcpod.client import ControlClient
    from mcpod.protocol import McpodError

    runtime = paths.runtime_dir
    if runtime.exists():
        info = runtime.stat()
        if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
            checks.append(
                Check(
                    "runtime dir",
                    "error",
                    f"{runtime} is not private to you (mode {stat.S_IMODE(info.st_mode):o})",
                    f"chmod 700 {runtime} (or remove it; mcpod recreates it)",
                )
            )
        else:
            checks.append(Check("runtime dir", "ok", f"{runtime} (0700, yours)"))
    try:
        with ControlClient.open(paths, timeout=10) as client:
            status: dict[str, Any] = client.call("status")
    except (FileNotFoundError, ConnectionRefusedError):
        stale = (
            " (a stale socket file: the next session replaces it)" if paths.socket.exists() else ""
        )
        checks.append(
            Check(
                "daemon",
                "warn",
                f"not running{stale}",
                "nothing to do: the first client session starts it",
            )
        )
        return None
    except (McpodError, OSError) as exc:
        checks.append(
            Check(
                "daemon",
                "error",
                f"{paths.socket}: {getattr(exc, 'message', exc)}",
                "`mcpod stop`, then start a client session",
            )
        )
        return None
    checks.append(Check("daemon", "ok", f"pid {status['pid']} on {paths.socket}"))
    if status["version"] != __version__:
        checks.append(
            Check(
                "versions",
                "warn",
                f"the daemon is mcpod {status['version']}, this is {__version__}",
                "`mcpod stop`: the next session starts the new one",
            )
        )
    else:
        checks.append(Check("versions", "ok", f"daemon, CLI and shim are mcpod {__version__}"))
    if status.get("config_error"):
        checks.append(
            Check(
                "reload",
                "error",
                f"the last edit was not applied: {status['config_error']}",
                "fix the file; it reloads by itself",
            )
        )
    return status


def _clients(checks: list[Check]) -> None:
    from mcpod.config.clients import CLIENTS, ClientFileError, Context, Document, is_mcpod

    ctx = Context.current()
    using = []
    for spec in CLIENTS.values():
        location = spec.install_location(ctx)
        try:
            document = Document.load(location.path, location.format)
            servers = document.servers(location.key) if document else None
        except ClientFileError as exc:
            checks.append(Check(f"client {spec.name}", "warn", exc.message, "fix it in an editor"))
            continue
        if not servers:
            continue
        ours = [n for n, e in servers.items() if isinstance(e, dict) and is_mcpod(e)]
        others = len(servers) - len(ours)
        if not ours:
            checks.append(
                Check(
                    f"client {spec.name}",
                    "warn",
                    f"{location.path} lists {others} server(s) and not mcpod",
                    f"mcpod import --from {spec.name} && mcpod install {spec.name}",
                )
            )
            continue
        entry = servers[ours[0]]
        command = entry.get("command", "")
        if not (os.path.isabs(command) and os.access(command, os.X_OK)) and not shutil.which(
            command
        ):
            checks.append(
                Check(
                    f"client {spec.name}",
                    "error",
                    f"its mcpod entry runs {command!r}, which does not exist",
                    f"mcpod install {spec.name}",
                )
            )
            continue
        using.append(spec.name)
        extra = f" (and {others} other server(s))" if others else ""
        checks.append(Check(f"client {spec.name}", "ok", f"uses mcpod{extra}"))
    if not using:
        checks.append(
            Check(
                "clients",
                "warn",
                "no client's config points at mcpod yet",
                "mcpod install CLIENT (see `mcpod install --help`)",
            )
        )


def _sources(status: dict[str, Any], checks: list[Check]) -> None:
    for source in status.get("sources", []):
        level = {"ok": "ok", "failed": "warn"}.get(source["state"], "ok")
        checks.append(
            Check(f"source {source['name']}", level, f"{source['state']}: {source['detail']}")
        )
