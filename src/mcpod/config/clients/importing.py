"""`mcpod import`: find the clients' servers, decide what becomes of each, merge them.

Planning reads everything and writes nothing (it is `--dry-run`); applying stores the
moved secrets, then adds the servers through `edit_config` (validated, atomic, 0600; the
running daemon reloads the file by itself).

Each server found is added (its name is free), a duplicate (the same definition is
already there, under any name), a conflict (the name is taken by another definition:
skipped, or added as `NAME-<client>` with `rename`), unusable (with the reason), or mcpod
itself (an entry that runs mcpod-shim). Definitions are compared after normalisation,
with mcpod's `${secret:NAME}` references standing for their stored values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import msgspec

from mcpod.config.clients.documents import ClientFileError, Document
from mcpod.config.clients.entries import Entry, normalise
from mcpod.config.clients.registry import Context, Location
from mcpod.config.clients.values import Scope, secret_key
from mcpod.config.edit import edit_config, servers_of
from mcpod.config.load import SERVER_NAME, default_config, parse_config
from mcpod.config.model import ServerConfig
from mcpod.config.secrets import REFERENCE, SecretStore
from mcpod.protocol import ConfigError

Action = Literal["add", "duplicate", "conflict", "unusable", "self"]
SourceStatus = Literal["read", "missing", "error"]


@dataclass(frozen=True, slots=True)
class Source:
    location: Location
    status: SourceStatus
    servers: int = 0
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        loc = self.location
        return {
            "client": loc.client,
            "path": str(loc.path),
            "level": loc.level,
            "key": ".".join(loc.key),
            "status": self.status,
            "servers": self.servers,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class Item:
    """One server found in a client's file, and what import does with it."""

    location: Location
    name: str  # the client's name for it
    action: Action
    target: str | None  # the mcpod name it is added as, duplicates or conflicts with
    reason: str
    notes: tuple[str, ...] = ()
    transport: str | None = None
    entry: dict[str, Any] | None = None  # what is added (credentials as references)
    secrets: dict[str, str] = field(default_factory=dict, repr=False)  # name -> value

    def as_json(self) -> dict[str, Any]:
        return {
            "client": self.location.client,
            "source": str(self.location.path),
            "level": self.location.level,
            "name": self.name,
            "action": self.action,
            "target": self.target,
            "transport": self.transport,
            "reason": self.reason,
            "notes": list(self.notes),
            "secrets": sorted(self.secrets),  # names only: values are never shown
        }


@dataclass(frozen=True, slots=True)
class ImportPlan:
    config_file: Path
    sources: tuple[Source, ...]
    items: tuple[Item, ...]

    @property
    def additions(self) -> list[Item]:
        return [item for item in self.items if item.action == "add"]

    @property
    def errors(self) -> list[str]:
        """What could not be read, each once (Claude Code's file is two sources)."""
        return list(dict.fromkeys(s.error for s in self.sources if s.error))


def plan_import(
    locations: Iterable[Location],
    ctx: Context,
    config_file: Path,
    secrets_file: Path,
    *,
    rename: bool = False,
) -> ImportPlan:
    """What importing from `locations` would do; nothing is written."""
    stored = _stored_secrets(SecretStore(secrets_file))
    existing = _existing_servers(config_file)
    merge = _Merge(existing, stored, rename)
    sources, items = [], []
    documents: dict[Path, Document | ClientFileError | None] = {}  # each file read once
    for location in locations:
        if location.path not in documents:
            try:
                documents[location.path] = Document.load(location.path, location.format)
            except ClientFileError as exc:
                documents[location.path] = exc
        document = documents[location.path]
        try:
            if isinstance(document, ClientFileError):
                raise document
            servers = document.servers(location.key) if document else None
        except ClientFileError as exc:
            sources.append(Source(location, "error", error=exc.message))
            continue
        if document is None:
            sources.append(Source(location, "missing"))
            continue
        sources.append(Source(location, "read", len(servers or {})))
        scope = Scope(ctx.home, location.workspace, dollar_env=location.client == "gemini")
        for name, raw in (servers or {}).items():
            items.append(merge.decide(location, normalise(location, name, raw, scope)))
    return ImportPlan(config_file, tuple(sources), tuple(items))


def apply_import(plan: ImportPlan, secrets_file: Path) -> list[str]:
    """Store the plan's secrets and add its servers; return the names added."""
    additions = plan.additions
    if not additions:
        return []
    store = SecretStore(secrets_file)
    for item in additions:
        for name, value in item.secrets.items():
            if store.get(name) != value:
                store.set(name, value)

    def change(document: dict[str, Any]) -> list[str]:
        servers = servers_of(document)
        for item in additions:
            assert item.target is not None and item.entry is not None
            if item.target in servers:
                raise ConfigError(
                    f"{plan.config_file}: a server named {item.target!r} was added while "
                    "importing; run `mcpod import` again"
                )
            servers[item.target] = item.entry
        return [item.target or "" for item in additions]

    added, _ = edit_config(plan.config_file, change)
    return added


class _Merge:
    """The decisions so far: mcpod's servers plus those this plan adds."""

    def __init__(
        self, existing: dict[str, ServerConfig], stored: dict[str, str], rename: bool
    ) -> None:
        self.stored = stored
        self.known = {name: _comparable(config, stored) for name, config in existing.items()}
        self.secret_names = dict(stored)  # taken names -> values, this plan's included
        self.rename = rename

    def decide(self, location: Location, entry: Entry) -> Item:
        def item(action: Action, target: str | None, reason: str) -> Item:
            return Item(location, entry.name, action, target, reason, entry.notes, entry.transport)

        if entry.is_mcpod:
            return item("self", None, "skipped: it runs mcpod-shim (it is mcpod itself)")
        if entry.entry is None or entry.config is None:
            return item("unusable", None, f"not imported: {entry.reason}")
        comparable = _comparable(entry.config, self.stored)
        same = next((n for n, c in self.known.items() if c == comparable), None)
        if same is not None:
            return item("duplicate", same, f"already in mcpod as {same!r}")
        target, reason = entry.target, "added"
        if target in self.known:
            renamed = f"{target}-{location.client}"
            if not self.rename or renamed in self.known or not SERVER_NAME.match(renamed):
                why = f"mcpod already has a different {target!r}"
                hint = (
                    f"; pass --rename to add this one as {renamed!r}"
                    if not self.rename
                    else f" (and {renamed!r} is taken too): rename one of them by hand"
                )
                return item("conflict", target, f"not imported: {why}{hint}")
            target, reason = renamed, f"added as {renamed!r} (mcpod has a different {target!r})"
        self.known[target] = comparable
        added, secrets = self._move_secrets(target, entry.entry)
        if secrets:
            reason += f"; credentials moved to mcpod's secret store: {', '.join(sorted(secrets))}"
        return Item(
            location,
            entry.name,
            "add",
            target,
            reason,
            entry.notes,
            entry.transport,
            added,
            secrets,
        )

    def _move_secrets(
        self, server: str, entry: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """`entry` with credential values as `${secret:NAME}`, and the values to store."""
        out, moved = dict(entry), {}
        for section in ("env", "headers"):
            values = out.get(section)
            if not isinstance(values, dict):
                continue
            out[section] = dict(values)
            for key, value in values.items():
                if secret_key(key) and isinstance(value, str) and value:
                    if REFERENCE.search(value):
                        continue  # already a reference: nothing to hide
                    name = self._secret_name(server, key, value)
                    moved[name] = value
                    out[section][key] = f"${{secret:{name}}}"
        return out, moved

    def _secret_name(self, server: str, key: str, value: str) -> str:
        base = re.sub(r"[^A-Za-z0-9]", "_", f"{server}_{key}").upper()[:120]
        if not base[0].isalpha():
            base = "_" + base
        name, n = base, 1
        while self.secret_names.get(name, value) != value:
            n += 1
            name = f"{base}_{n}"
        self.secret_names[name] = value
        return name


def _existing_servers(config_file: Path) -> dict[str, ServerConfig]:
    """mcpod's servers now (the default config's if the file does not exist yet)."""
    try:
        raw: Any = json.loads(config_file.read_bytes())
    except FileNotFoundError:
        raw = default_config()
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"{config_file}: cannot read mcpod's config ({exc}); fix it, then import again"
        ) from None
    return parse_config(raw, config_file).servers


def _stored_secrets(store: SecretStore) -> dict[str, str]:
    values = {name: store.get(name) for name in store.names()}
    return {name: value for name, value in values.items() if value is not None}


def _comparable(config: ServerConfig, stored: Mapping[str, str]) -> ServerConfig:
    """`config` without its name, `${secret:NAME}` replaced by the stored value."""

    def value(match: re.Match[str]) -> str:
        kind, name = match.groups()
        return stored.get(name, match[0]) if kind == "secret" else match[0]

    def sub(text: str | None) -> str | None:
        return REFERENCE.sub(value, text) if text else text

    return msgspec.structs.replace(
        config,
        name="",
        command=sub(config.command),
        args=tuple(sub(a) or "" for a in config.args),
        env={k: sub(v) or "" for k, v in config.env.items()},
        cwd=sub(config.cwd),
        url=sub(config.url),
        headers={k: sub(v) or "" for k, v in config.headers.items()},
    )
