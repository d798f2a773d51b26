"""The config file: Claude Desktop / Cursor `mcpServers` JSON plus mcpod's own keys.

Unknown keys are ignored (client configs carry extras), wrong types are refused with the
file and key named, and a missing file is created with a default that works out of the
box: the `time` server from `mcp-server-time`, installed with mcpod.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mcpod.protocol import ConfigError

Transport = Literal["stdio", "http", "sse"]
SERVER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
_REMOTE_TYPES: dict[str, Transport] = {
    "http": "http",
    "streamable-http": "http",
    "streamablehttp": "http",
    "sse": "sse",
}

DEFAULT_STARTUP_TIMEOUT_S = 60.0
DEFAULT_CALL_TIMEOUT_S = 600.0


@dataclass(frozen=True, slots=True)
class ServerConfig:
    name: str
    transport: Transport
    command: str | None = None
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    disabled: bool = False
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT_S
    call_timeout: float = DEFAULT_CALL_TIMEOUT_S
    title: str = ""
    description: str = ""
    category: str = ""


Mode = Literal["lazy", "all"]
MODES: tuple[Mode, ...] = ("lazy", "all")


@dataclass(frozen=True, slots=True)
class Profile:
    """A named selection of servers and an exposure mode (`mcpod-shim --profile NAME`)."""

    name: str
    servers: tuple[str, ...] | None = None  # None: every configured server
    mode: Mode | None = None
    always_on: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Config:
    path: Path
    servers: dict[str, ServerConfig]
    created: bool = False  # True when this load wrote the default file
    mode: Mode = "lazy"
    profiles: dict[str, Profile] = field(default_factory=dict)
    clients: dict[str, Profile] = field(default_factory=dict)  # keyed by clientInfo.name

    @property
    def enabled(self) -> list[ServerConfig]:
        return [s for s in self.servers.values() if not s.disabled]


def default_config() -> dict[str, Any]:
    return {
        "mcpServers": {
            "time": {
                "command": sys.executable,
                "args": ["-m", "mcp_server_time"],
            }
        }
    }


def load_config(path: Path) -> Config:
    """Read `path`, creating the default config if it does not exist."""
    created = False
    if not path.exists():
        write_atomically(path, json.dumps(default_config(), indent=2) + "\n")
        created = True
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    servers = parse_servers(raw, str(path))
    where = str(path)
    return Config(
        path=path,
        servers=servers,
        created=created,
        mode=_mode(raw.get("mode", "lazy"), f"{where}: mode"),
        profiles=_profiles(raw.get("profiles", {}), servers, f"{where}: profiles"),
        clients=_profiles(raw.get("clients", {}), servers, f"{where}: clients"),
    )


def _mode(value: Any, at: str) -> Mode:
    if value not in MODES:
        raise ConfigError(f"{at}: {value!r} is not one of lazy, all")
    mode: Mode = value
    return mode


def _profiles(raw: Any, servers: dict[str, ServerConfig], at: str) -> dict[str, Profile]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{at}: must be an object of name -> {{servers, mode, alwaysOn}}")
    profiles = {}
    for name, spec in raw.items():
        where = f"{at}.{name}"
        if not isinstance(spec, dict):
            raise ConfigError(f"{where}: must be an object")
        selected = _names(spec.get("servers"), servers, f"{where}.servers")
        always_on = _names(spec.get("alwaysOn", []), servers, f"{where}.alwaysOn") or ()
        mode = _mode(spec["mode"], f"{where}.mode") if "mode" in spec else None
        profiles[name] = Profile(name, selected, mode, always_on)
    return profiles


def _names(value: Any, servers: dict[str, ServerConfig], at: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{at}: must be a list of server names")
    unknown = [v for v in value if v not in servers]
    if unknown:
        raise ConfigError(f"{at}: no server named {', '.join(map(repr, unknown))} in mcpServers")
    return tuple(value)


def parse_servers(raw: Any, where: str) -> dict[str, ServerConfig]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: the top level must be a JSON object with 'mcpServers'")
    servers = raw.get("mcpServers", {})
    if not isinstance(servers, dict):
        raise ConfigError(f"{where}: 'mcpServers' must be an object of name -> server")
    return {name: parse_server(name, spec, where) for name, spec in servers.items()}


def parse_server(name: str, spec: Any, where: str) -> ServerConfig:
    at = f"{where}: mcpServers.{name}"
    if not SERVER_NAME.match(name):
        raise ConfigError(
            f"{at}: server names are 1-63 characters of letters, digits, '_', '-', '.'"
        )
    if not isinstance(spec, dict):
        raise ConfigError(f"{at}: must be an object with 'command' or 'url'")
    title = _opt_str(spec, "title", at)
    description = _opt_str(spec, "description", at)
    category = _opt_str(spec, "category", at)
    disabled = _bool(spec, "disabled", at)
    startup_timeout = _seconds(spec, "startupTimeout", DEFAULT_STARTUP_TIMEOUT_S, at)
    call_timeout = _seconds(spec, "timeout", DEFAULT_CALL_TIMEOUT_S, at)
    if "url" in spec:
        kind = str(spec.get("type") or spec.get("transport") or "http").lower()
        if kind not in _REMOTE_TYPES:
            raise ConfigError(f"{at}.type: {kind!r} is not one of http, streamable-http, sse")
        return ServerConfig(
            name=name,
            transport=_REMOTE_TYPES[kind],
            url=_str(spec, "url", at),
            headers=_str_map(spec, "headers", at),
            disabled=disabled,
            startup_timeout=startup_timeout,
            call_timeout=call_timeout,
            title=title,
            description=description,
            category=category,
        )
    if "command" not in spec:
        raise ConfigError(f"{at}: needs 'command' (a local server) or 'url' (a remote one)")
    args = spec.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise ConfigError(f"{at}.args: must be a list of strings")
    cwd = spec.get("cwd")
    if cwd is not None and not isinstance(cwd, str):
        raise ConfigError(f"{at}.cwd: must be a string")
    return ServerConfig(
        name=name,
        transport="stdio",
        command=_str(spec, "command", at),
        args=tuple(args),
        env=_str_map(spec, "env", at),
        cwd=os.path.expanduser(cwd) if cwd else None,
        disabled=disabled,
        startup_timeout=startup_timeout,
        call_timeout=call_timeout,
        title=title,
        description=description,
        category=category,
    )


def _str(spec: dict[str, Any], key: str, at: str) -> str:
    value = spec.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{at}.{key}: must be a non-empty string")
    return value


def _opt_str(spec: dict[str, Any], key: str, at: str) -> str:
    value = spec.get(key, "")
    if not isinstance(value, str):
        raise ConfigError(f"{at}.{key}: must be a string")
    return value


def _str_map(spec: dict[str, Any], key: str, at: str) -> dict[str, str]:
    value = spec.get(key) or {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f"{at}.{key}: must be an object of string values")
    return dict(value)


def _bool(spec: dict[str, Any], key: str, at: str) -> bool:
    value = spec.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{at}.{key}: must be true or false")
    return value


def _seconds(spec: dict[str, Any], key: str, default: float, at: str) -> float:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{at}.{key}: must be a positive number of seconds")
    return float(value)


def write_atomically(path: Path, text: str) -> None:
    """Write via a temp file and rename, so a crash never leaves half a config."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
