"""The secret store, and `${env:NAME}` / `${secret:NAME}` references in config values.

Secrets live in one 0600 JSON file next to the config (`secrets.json`), written
atomically, or (with the `keyring` extra installed and a usable OS keyring: Secret
Service, macOS Keychain) in the keyring, the file then keeping only their names. The
config file holds only references, so it can be shared, diffed and
backed up without leaking a token. References are resolved when a server starts (never
at load), so a config snapshot, its repr and its diff never hold a secret value; each
value resolved is registered with `redact`, so it is masked in every error and log line.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

import msgspec

from mcpod.config.model import ServerConfig
from mcpod.config.write import write_atomically
from mcpod.protocol import ConfigError
from mcpod.protocol.redact import remember_secret

SECRET_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,127}")
REFERENCE = re.compile(r"\$\{(env|secret):([A-Za-z_][A-Za-z0-9_.-]{0,127})\}")
# Environment variable names whose values are credentials, for `mcpod add` and import.
SECRET_KEY = re.compile(
    r"(TOKEN|SECRET|PASSW|PWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH|SESSION)",
    re.IGNORECASE,
)


class MissingSecrets(ConfigError):
    """A server's config refers to secrets (or variables) that are not set."""

    def __init__(self, server: str, secrets: list[str], variables: list[str]) -> None:
        self.secrets, self.variables = secrets, variables
        parts = [f"needs secret {name} (set it with `mcpod secret set {name}`)" for name in secrets]
        parts += [f"needs environment variable {name}" for name in variables]
        super().__init__(f"MCP server {server!r} " + "; ".join(parts))


KEYRING_SERVICE = "mcpod"


class SecretStore:
    """Named secret values: in the 0600 file, or in the OS keyring when there is one.

    Read afresh on each use: `mcpod secret set` takes effect at the next server start,
    without a reload. Values already in the file stay readable when a keyring appears.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"SecretStore({self.path})"  # never the values

    @property
    def backend(self) -> str:
        ring = _keyring()
        return f"OS keyring ({type(ring.get_keyring()).__name__})" if ring else str(self.path)

    def _load(self) -> tuple[dict[str, str], builtins.set[str]]:
        """The values kept in the file, and the names kept in the keyring."""
        try:
            raw = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}, set()
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{self.path}: cannot read the secret store: {exc}") from None
        values = raw.get("secrets") if isinstance(raw, dict) else None
        if not isinstance(values, dict):
            raise ConfigError(f"{self.path}: not a secret store (no 'secrets' object)")
        in_keyring = raw.get("keyring")
        return (
            {k: v for k, v in values.items() if isinstance(k, str) and isinstance(v, str)},
            {n for n in in_keyring if isinstance(n, str)}
            if isinstance(in_keyring, list)
            else set(),
        )

    def names(self) -> list[str]:
        values, in_keyring = self._load()
        return sorted(values.keys() | in_keyring)

    def get(self, name: str) -> str | None:
        values, in_keyring = self._load()
        if name in values or name not in in_keyring:
            return values.get(name)
        ring = _keyring()
        if ring is None:
            raise ConfigError(
                f"secret {name} is in the OS keyring, which cannot be reached now (is the "
                "`keyring` package installed and the keyring unlocked?)"
            )
        value: str | None = ring.get_password(KEYRING_SERVICE, name)
        return value

    def set(self, name: str, value: str) -> None:
        check_name(name)
        values, in_keyring = self._load()
        ring = _keyring()
        if ring is not None:
            ring.set_password(KEYRING_SERVICE, name, value)
            values.pop(name, None)
            in_keyring.add(name)
        else:
            values[name] = value
            in_keyring.discard(name)
        self._write(values, in_keyring)

    def remove(self, name: str) -> bool:
        values, in_keyring = self._load()
        found = values.pop(name, None) is not None or name in in_keyring
        if name in in_keyring:
            in_keyring.discard(name)
            ring = _keyring()
            if ring is not None:
                with contextlib.suppress(Exception):  # gone already: what `remove` wants
                    ring.delete_password(KEYRING_SERVICE, name)
        if found:
            self._write(values, in_keyring)
        return found

    def _write(self, values: dict[str, str], in_keyring: AbstractSet[str]) -> None:
        document: dict[str, Any] = {"version": 1, "secrets": values}
        if in_keyring:
            document["keyring"] = sorted(in_keyring)
        write_atomically(self.path, json.dumps(document, indent=2) + "\n")


def _keyring() -> Any | None:
    """The `keyring` module when it is installed and has a usable backend (not the
    "fail" / "null" ones a headless machine gets); `MCPOD_SECRET_BACKEND=file` opts out."""
    if os.environ.get("MCPOD_SECRET_BACKEND") == "file":
        return None
    try:
        import keyring
        from keyring.backends import fail, null
    except ImportError:
        return None
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring | null.Keyring):
        return None
    return keyring


def secret_usage(
    store: SecretStore, config: Any
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Stored secret names -> the servers of `config` that refer to them; and the names
    referred to but not stored -> the servers that need them. Values are never read out."""
    used: dict[str, list[str]] = {name: [] for name in store.names()}
    missing: dict[str, list[str]] = {}
    for server in sorted(config.servers.values(), key=lambda s: s.name):
        secrets, _ = references(server)
        for secret in sorted(secrets):
            (used if secret in used else missing).setdefault(secret, []).append(server.name)
    return used, dict(sorted(missing.items()))


def check_name(name: str) -> None:
    if not SECRET_NAME.fullmatch(name):
        raise ConfigError(
            f"{name!r} is not a valid secret name: letters, digits, '_', '-', '.', "
            "starting with a letter or '_'"
        )


def looks_secret(key: str) -> bool:
    """Is an environment variable or header of this name a credential?"""
    return bool(SECRET_KEY.search(key))


def references(config: ServerConfig) -> tuple[set[str], set[str]]:
    """The secrets and environment variables a server's config refers to."""
    secrets: set[str] = set()
    variables: set[str] = set()
    for text in _texts(config):
        for kind, name in REFERENCE.findall(text):
            (secrets if kind == "secret" else variables).add(name)
    return secrets, variables


def resolve(
    config: ServerConfig, store: SecretStore, environ: Mapping[str, str] | None = None
) -> ServerConfig:
    """`config` with every reference replaced by its value; `MissingSecrets` names the
    ones that are not set. A config without references is returned as it is."""
    secrets, variables = references(config)
    if not secrets and not variables:
        return config
    env = os.environ if environ is None else environ
    stored = {name: store.get(name) for name in secrets} if secrets else {}
    missing_secrets = sorted(n for n, v in stored.items() if v is None)
    missing_vars = sorted(n for n in variables if n not in env)
    if missing_secrets or missing_vars:
        raise MissingSecrets(config.name, missing_secrets, missing_vars)

    def value(match: re.Match[str]) -> str:
        kind, name = match.groups()
        found = stored[name] if kind == "secret" else env[name]
        assert found is not None
        if kind == "secret":
            remember_secret(found)
        return found

    def sub(text: str) -> str:
        return REFERENCE.sub(value, text)

    return msgspec.structs.replace(
        config,
        command=sub(config.command) if config.command else config.command,
        args=tuple(sub(a) for a in config.args),
        env={k: sub(v) for k, v in config.env.items()},
        cwd=sub(config.cwd) if config.cwd else config.cwd,
        url=sub(config.url) if config.url else config.url,
        headers={k: sub(v) for k, v in config.headers.items()},
    )


def _texts(config: ServerConfig) -> list[str]:
    values: list[Any] = [config.command, config.cwd, config.url, *config.args]
    values += [*config.env.values(), *config.headers.values()]
    return [v for v in values if isinstance(v, str)]
