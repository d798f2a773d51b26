"""`mcpod install CLIENT` and `mcpod uninstall CLIENT`: put mcpod-shim in a client, or not.

    mcpod install CLIENT [--dry-run] [--force] [--json]
    mcpod uninstall CLIENT [--dry-run] [--force] [--json]

Install replaces the servers of CLIENT's user-level config file with one entry, `mcpod`,
running mcpod-shim (the file is backed up first, as FILE.mcpod-backup-<UTC time>). It
refuses while the client has servers mcpod's config lacks: run `mcpod import --from
CLIENT` first, or pass --force. Uninstall puts the servers of the newest backup back.
`--dry-run` shows the change as a unified diff (credential-looking values redacted) and
writes nothing.

`--json` prints one object:

    {"command": "install" | "uninstall", "client": str, "file": str,
     "action": "installed" | "updated" | "unchanged" | "restored" | "would-install"
               | "would-update" | "would-restore" | "refused" | "error",
     "reason": str, "backup": str | null, "shim": str | null, "diff": str,
     "pending": [{"name": str, "action": str, "reason": str}]}

`backup` is the backup written (install) or restored from (uninstall); `pending` lists
the servers that made install refuse. Exit status: 0 done (or nothing to do), 1 refused
or failed (the message says why and what to do), 2 usage.

Both commands are served by this module (main's COMMANDS maps both names here): the
parser's `prog` and `args.command` tell them apart.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcpod.config.clients import Change

# The names of mcpod.config.clients.CLIENTS (a test keeps the two equal); listed here so
# that building the parser imports nothing heavy.
CLIENTS = ("claude-desktop", "cursor", "claude-code", "vscode", "windsurf", "codex", "gemini")
SHIM_ENV_KEYS = ("MCPOD_HOME", "MCPOD_SOCKET")
_DONE = {"install": "installed", "update": "updated", "restore": "restored"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _common(
        parser, force="replace the client's servers even if mcpod's config does not have them all"
    )


def add_uninstall_arguments(parser: argparse.ArgumentParser) -> None:
    """`mcpod uninstall` (cli.main's ENTRY_POINTS routes it here and to `run_uninstall`)."""
    _common(parser, force="restore even if the file no longer holds only mcpod's entry")


def run(args: argparse.Namespace) -> int:
    from mcpod.config.clients import Context, client, find_shim, plan_install
    from mcpod.protocol import McpodError, resolve_paths

    paths = resolve_paths()
    spec = client(args.client)
    shim = None
    try:
        shim = find_shim()
        change = plan_install(
            spec,
            Context.current(),
            shim,
            paths.config_file,
            paths.secrets_file,
            env=shim_env(),
            force=args.force,
        )
    except McpodError as exc:
        return _failed(args, "install", spec.install_location(Context.current()).path, exc, shim)
    return _finish(args, "install", change, shim)


def run_uninstall(args: argparse.Namespace) -> int:
    from mcpod.config.clients import Context, client, plan_uninstall
    from mcpod.protocol import McpodError

    spec = client(args.client)
    ctx = Context.current()
    try:
        change = plan_uninstall(spec, ctx, force=args.force)
    except McpodError as exc:
        return _failed(args, "uninstall", spec.install_location(ctx).path, exc, None)
    return _finish(args, "uninstall", change, None)


def shim_env() -> dict[str, str]:
    """What the shim needs to find this daemon: MCPOD_HOME / MCPOD_SOCKET, when set."""
    import os
    from pathlib import Path

    return {
        key: str(Path(os.environ[key]).expanduser().absolute())
        for key in SHIM_ENV_KEYS
        if os.environ.get(key)
    }


def _common(parser: argparse.ArgumentParser, *, force: str) -> None:
    parser.add_argument("client", metavar="CLIENT", choices=CLIENTS, help=", ".join(CLIENTS))
    parser.add_argument("--force", action="store_true", help=force)
    parser.add_argument(
        "--dry-run", action="store_true", help="show the change as a diff; write nothing"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _finish(args: argparse.Namespace, command: str, change: Change, shim: str | None) -> int:
    from mcpod.config.clients import apply
    from mcpod.protocol import McpodError

    backup = change.backup
    action = change.action
    if action in _DONE:
        if args.dry_run:
            action = "would-" + action
        else:
            try:
                written = apply(change)
            except (McpodError, OSError) as exc:
                return _failed(args, command, change.path, exc, shim)
            backup = written or backup
            action = _DONE[action]
    if args.json:
        print(json.dumps(_as_json(command, change, action, backup, shim), indent=2))
    else:
        _print(command, change, action, backup)
    return 1 if action == "refused" else 0


def _as_json(
    command: str, change: Change, action: str, backup: Any, shim: str | None
) -> dict[str, Any]:
    return {
        "command": command,
        "client": change.client.name,
        "file": str(change.path),
        "action": action,
        "reason": change.reason,
        "backup": str(backup) if backup else None,
        "shim": shim,
        "diff": change.diff,
        "pending": [
            {"name": i.name, "action": i.action, "reason": i.reason} for i in change.pending
        ],
    }


def _print(command: str, change: Change, action: str, backup: Any) -> None:
    label, path = change.client.label, change.path
    if action == "refused":
        print(f"mcpod {command} {change.client.name}: refused: {change.reason}", file=sys.stderr)
        return
    if action.startswith("would-"):
        sys.stdout.write(change.diff)
        print(f"(dry run: {path} not changed; without --dry-run this {change.reason})")
        return
    if action == "unchanged":
        print(f"{label}: {change.reason}; nothing to do")
    elif command == "install":
        kept = f" (backup: {backup})" if backup else ""
        print(f"{label}: {path} now runs mcpod-shim{kept}.")
        print(f"Restart {label} (or reload its MCP servers) to use mcpod.")
        print(f"`mcpod uninstall {change.client.name}` puts the previous servers back.")
    else:
        print(f"{label}: restored the servers of {path} from {backup}.")
        print(f"Restart {label} (or reload its MCP servers) to use them.")


def _failed(
    args: argparse.Namespace, command: str, path: Any, exc: Exception, shim: str | None
) -> int:
    message = getattr(exc, "message", None) or str(exc)
    if args.json:
        out = {
            "command": command,
            "client": args.client,
            "file": str(path),
            "action": "error",
            "reason": message,
            "backup": None,
            "shim": shim,
            "diff": "",
            "pending": [],
        }
        print(json.dumps(out, indent=2))
    else:
        print(f"mcpod {command} {args.client}: {message}", file=sys.stderr)
    return 1
