"""`mcpod install CLIENT` / `mcpod uninstall CLIENT`: one mcpod-shim entry in a client.

Install replaces the servers object of the client's user-level file with one entry,
`mcpod`, that runs mcpod-shim; it refuses (unless forced) while the client has servers
mcpod's config does not have yet, so nothing is lost. A timestamped backup is written
before the file changes. Uninstall puts the servers object of the newest backup back
into the file as it is now, so whatever the client wrote since (Claude Code keeps its
state in the same file) is kept.
"""

from __future__ import annotations

import difflib
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mcpod.config.clients import backups
from mcpod.config.clients.documents import ClientFileError, Document, new_text
from mcpod.config.clients.entries import is_mcpod, shim_entry
from mcpod.config.clients.importing import Item, plan_import
from mcpod.config.clients.registry import ClientSpec, Context, Location
from mcpod.protocol import ConfigError

InstallAction = Literal["install", "update", "unchanged", "refused"]
SHIM_NAME = "mcpod"


@dataclass(frozen=True, slots=True)
class Change:
    """A planned edit of one client file; `apply` performs it."""

    client: ClientSpec
    location: Location
    action: str  # install, update, unchanged, restore or refused
    reason: str
    old: bytes | None = None  # the file as read (None: it does not exist)
    new: str | None = None
    diff: str = ""  # unified, with credential-looking values redacted
    backup: Path | None = None  # uninstall: the backup it restores
    pending: tuple[Item, ...] = field(default=(), repr=False)

    @property
    def path(self) -> Path:
        return self.location.path


def find_shim() -> str:
    """The absolute path of the `mcpod-shim` of this installation."""
    beside = Path(sys.executable).parent / "mcpod-shim"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside.absolute())
    found = shutil.which("mcpod-shim")
    if found:
        return str(Path(found).absolute())
    raise ConfigError(
        f"cannot find mcpod-shim (neither beside {sys.executable} nor on PATH): "
        "reinstall mcpod (`pip install mcpod`), then run the command again"
    )


def plan_install(
    spec: ClientSpec,
    ctx: Context,
    shim: str,
    config_file: Path,
    secrets_file: Path,
    *,
    env: dict[str, str] | None = None,
    force: bool = False,
) -> Change:
    location = spec.install_location(ctx)
    wanted = {SHIM_NAME: shim_entry(spec.name, shim, env or {})}
    document = Document.load(location.path, location.format)

    def change(action: InstallAction, reason: str, **kw: Any) -> Change:
        return Change(spec, location, action, reason, **kw)

    if document is None:
        if not location.path.parent.is_dir():
            return change(
                "refused",
                f"{location.path.parent} does not exist: is {spec.label} installed? "
                "Start it once, then run `mcpod install` again",
            )
        text = new_text(location.format, spec.servers_key, wanted)
        return change(
            "install", f"creates {location.path}", new=text, diff=_diff(location, "", text)
        )
    servers = document.servers(location.key) or {}
    if servers == wanted:
        return change("unchanged", f"{location.path} already runs mcpod-shim only", old=b"")
    plan = plan_import([location], ctx, config_file, secrets_file)
    pending = tuple(i for i in plan.items if i.action not in ("duplicate", "self"))
    if pending and not force:
        listed = "; ".join(f"{i.name!r} ({i.reason})" for i in pending)
        return change(
            "refused",
            f"{spec.label} has servers that mcpod's config does not have yet: {listed}. "
            f"Run `mcpod import --from {spec.name}` first, or pass --force to replace them "
            "anyway (they stay in the backup)",
            pending=pending,
        )
    text = document.with_servers(spec.servers_key, wanted)
    only_mcpod = bool(servers) and all(
        isinstance(v, dict) and is_mcpod(v) for v in servers.values()
    )
    action: InstallAction = "update" if only_mcpod else "install"
    reason = "updates the mcpod entry" if only_mcpod else f"replaces {len(servers)} server(s)"
    shown = Document.parse(location.path, location.format, text.encode()).redacted(spec.servers_key)
    return change(
        action,
        reason,
        old=document.text.encode(),
        new=text,
        diff=_diff(location, document.redacted(spec.servers_key), shown),
        pending=pending,
    )


def plan_uninstall(spec: ClientSpec, ctx: Context, *, force: bool = False) -> Change:
    location = spec.install_location(ctx)
    document = Document.load(location.path, location.format)

    def refuse(reason: str) -> Change:
        return Change(spec, location, "refused", reason)

    if document is None:
        return refuse(f"{location.path} does not exist: there is nothing to uninstall")
    servers = document.servers(location.key) or {}
    ours = [n for n, v in servers.items() if isinstance(v, dict) and is_mcpod(v)]
    others = [n for n in servers if n not in ours]
    if not ours and not force:
        return refuse(
            f"{location.path} has no mcpod-shim entry in {spec.servers_key!r} (changed since "
            "`mcpod install`?); pass --force to put the backup's servers back anyway"
        )
    if others and not force:
        return refuse(
            f"{location.path} has servers added since `mcpod install` ({', '.join(others)}) "
            f"that the backup does not have: run `mcpod import --from {spec.name}` to keep "
            "them in mcpod, then pass --force"
        )
    saved = backups.backups(location.path)
    if not saved:
        return refuse(
            f"no backup of {location.path} (*.mcpod-backup-*) to restore: remove the mcpod "
            f"entry from {spec.servers_key!r} by hand"
        )
    backup = Document.parse(saved[-1], location.format, saved[-1].read_bytes())
    text = document.with_servers_from(spec.servers_key, backup)
    shown = Document.parse(location.path, location.format, text.encode()).redacted(spec.servers_key)
    return Change(
        spec,
        location,
        "restore",
        f"puts back the servers of {saved[-1].name}",
        old=document.text.encode(),
        new=text,
        diff=_diff(location, document.redacted(spec.servers_key), shown),
        backup=saved[-1],
    )


def apply(change: Change) -> Path | None:
    """Write a planned install (backup first) or uninstall; return the backup written."""
    if change.new is None or change.action not in ("install", "update", "restore"):
        return None
    path = change.path
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        current = None
    if current != change.old:
        raise ClientFileError(
            f"{path} changed while mcpod was editing it (the client wrote it?); run the "
            "command again"
        )
    written = None
    if change.action == "install" and current is not None:
        written = backups.write_backup(path, current)
    backups.replace_file(path, change.new.encode(), backups.file_mode(path))
    return written


def _diff(location: Location, old: str, new: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=str(location.path),
        tofile=str(location.path),
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
