"""Admin meta-tools: the model may read and change mcpod's config and secret store.

Off unless the session's profile (or its client's entry) says `"admin": true`. They run
the same code as the CLI (`mcpod add` / `remove` edit through `edit_config`; `mcpod
secret` through `SecretStore`), so validation, atomic 0600 writes and hot reload are the
same. Secrets are write-only: no tool returns a value, and config values that look like
credentials are masked in what `mcpod_config_get` shows.
"""

from __future__ import annotations

import json
from typing import Any

import anyio.to_thread
import msgspec

from mcpod.config import SecretStore, edit_config, load_config, looks_secret, secret_usage
from mcpod.config.edit import servers_of
from mcpod.daemon.exposure.arguments import NonEmpty, input_schema
from mcpod.protocol import ConfigError, Paths


class ConfigGetArgs(msgspec.Struct, frozen=True):
    server: str = ""  # "" lists the servers


class ConfigSetArgs(msgspec.Struct, frozen=True):
    server: NonEmpty
    entry: dict[str, Any] | None = None  # None removes the server


class SecretSetArgs(msgspec.Struct, frozen=True):
    name: NonEmpty
    value: NonEmpty


class SecretListArgs(msgspec.Struct, frozen=True):
    pass


class SecretRemoveArgs(msgspec.Struct, frozen=True):
    name: NonEmpty


ADMIN: dict[str, tuple[type[msgspec.Struct], str]] = {
    "mcpod_config_get": (ConfigGetArgs, "Show mcpod's config entry of a server (or list them)."),
    "mcpod_config_set": (
        ConfigSetArgs,
        "Add or replace a server's config entry (mcpServers format); entry null removes it. "
        "Use ${secret:NAME} for credentials.",
    ),
    "mcpod_secret_set": (SecretSetArgs, "Store a secret for ${secret:NAME} references."),
    "mcpod_secret_list": (SecretListArgs, "List secret names, who uses them, which are missing."),
    "mcpod_secret_remove": (SecretRemoveArgs, "Delete a stored secret."),
}
ADMIN_TOOLS: list[dict[str, Any]] = [
    {"name": name, "description": description, "inputSchema": input_schema(kind)}
    for name, (kind, description) in ADMIN.items()
]
ADMIN_NAMES = frozenset(ADMIN)
MASK = "***"


class AdminTools:
    def __init__(self, paths: Paths) -> None:
        self._paths = paths

    async def dispatch(self, name: str, arguments: Any) -> str:
        """The tool's text answer; `ConfigError` / `ValueError` for the model to read."""
        try:
            args = msgspec.convert(arguments or {}, ADMIN[name][0], strict=False)
        except msgspec.ValidationError as exc:
            raise ValueError(f"invalid arguments: {exc}") from None
        method = getattr(self, name.removeprefix("mcpod_"))
        result: str = await anyio.to_thread.run_sync(method, args)  # file I/O and flock
        return result

    # -- config --------------------------------------------------------------------------

    def config_get(self, args: ConfigGetArgs) -> str:
        document = json.loads(self._paths.config_file.read_text(encoding="utf-8"))
        servers = servers_of(document)
        if not args.server:
            return "Servers: " + (", ".join(sorted(servers)) or "none")
        if args.server not in servers:
            raise ConfigError(f"No server named {args.server!r} in the config.")
        return json.dumps({args.server: _masked(servers[args.server])}, indent=2)

    def config_set(self, args: ConfigSetArgs) -> str:
        def change(document: dict[str, Any]) -> str:
            servers = servers_of(document)
            if args.entry is None:
                if servers.pop(args.server, None) is None:
                    raise ConfigError(f"No server named {args.server!r} in the config.")
                return "removed"
            existed = args.server in servers
            servers[args.server] = args.entry
            return "replaced" if existed else "added"

        done, _ = edit_config(self._paths.config_file, change)
        return f"{args.server}: {done}; mcpod applies the change now (tools follow list_changed)."

    # -- secrets -------------------------------------------------------------------------

    def secret_set(self, args: SecretSetArgs) -> str:
        self._store().set(args.name, args.value)
        return f"Stored {args.name}. Servers using it get it at their next start."

    def secret_list(self, args: SecretListArgs) -> str:
        used, missing = secret_usage(self._store(), load_config(self._paths.config_file))
        lines = [f"- {n}: used by {', '.join(s) or 'no server'}" for n, s in used.items()]
        lines += [f"- {n}: MISSING, needed by {', '.join(s)}" for n, s in missing.items()]
        return "\n".join(lines) if lines else "No secrets."

    def secret_remove(self, args: SecretRemoveArgs) -> str:
        if not self._store().remove(args.name):
            raise ConfigError(f"No secret named {args.name!r}.")
        return f"Removed {args.name}."

    def _store(self) -> SecretStore:
        return SecretStore(self._paths.secrets_file)


def _masked(entry: Any) -> Any:
    """A config entry with credential-looking env and header values shown as `***`
    (references such as ${secret:NAME} stay: they hold no value)."""
    if not isinstance(entry, dict):
        return entry
    shown = dict(entry)
    for key in ("env", "headers"):
        values = entry.get(key)
        if isinstance(values, dict):
            shown[key] = {
                k: MASK if looks_secret(k) and "${" not in str(v) else v for k, v in values.items()
            }
    return shown
