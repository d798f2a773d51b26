"""Read the config file: Claude Desktop / Cursor `mcpServers` JSON plus mcpod's own keys.

The file is decoded with msgspec into the `*Spec` Structs below (its own shape, camelCase
keys), then normalised into the model. Unknown keys are ignored (client configs carry
extras); wrong types are refused with the file and the key path named; a missing file is
created with a default that works out of the box: the `time` server from
`mcp-server-time`, installed with mcpod.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Annotated, Any, TypeVar

import msgspec

from mcpod.config.model import (
    DEFAULT_CALL_TIMEOUT_S,
    DEFAULT_IDLE_TIMEOUT_S,
    DEFAULT_STARTUP_TIMEOUT_S,
    Config,
    HttpConfig,
    Mode,
    Profile,
    Scope,
    ServerConfig,
    Transport,
)
from mcpod.config.write import write_atomically
from mcpod.protocol import ConfigError

SERVER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
REMOTE_TYPES: dict[str, Transport] = {
    "http": "http",
    "streamable-http": "http",
    "streamablehttp": "http",
    "sse": "sse",
}
MAX_INSTANCES = 32
Seconds = Annotated[float, msgspec.Meta(gt=0)]
SecondsOrNever = Annotated[float, msgspec.Meta(ge=0)]  # 0: never


class ServerSpec(msgspec.Struct, rename="camel", frozen=True):
    """One `mcpServers` entry as written in the file."""

    command: str | None = None
    args: list[str] = []
    env: dict[str, str] = {}
    cwd: str | None = None
    url: str | None = None
    type: str | None = None
    transport: str | None = None
    headers: dict[str, str] = {}
    disabled: bool = False
    startup_timeout: Seconds = DEFAULT_STARTUP_TIMEOUT_S
    timeout: Seconds = DEFAULT_CALL_TIMEOUT_S
    idle_timeout: SecondsOrNever = DEFAULT_IDLE_TIMEOUT_S
    scope: Scope = "global"
    instances: Annotated[int, msgspec.Meta(ge=1, le=MAX_INSTANCES)] = 1
    title: str = ""
    description: str = ""
    category: str = ""


class ProfileSpec(msgspec.Struct, rename="camel", frozen=True):
    servers: list[str] | None = None
    mode: Mode | None = None
    always_on: list[str] = []
    admin: bool = False


class FileSpec(msgspec.Struct, rename={"servers": "mcpServers"}, frozen=True):
    """The top level. Entries stay raw here so each is decoded with its name in errors."""

    servers: dict[str, Any] = {}
    mode: Mode | None = None  # None: each client's default (see exposure.defaults)
    profiles: dict[str, Any] = {}
    clients: dict[str, Any] = {}
    http: Any = None


def default_config() -> dict[str, Any]:
    return {"mcpServers": {"time": {"command": sys.executable, "args": ["-m", "mcp_server_time"]}}}


def load_config(path: Path) -> Config:
    """Read `path`, creating the default config if it does not exist."""
    created = False
    if not path.exists():
        write_atomically(path, json.dumps(default_config(), indent=2) + "\n")
        created = True
    return parse_config(read_document(path), path, created=created)


def read_document(path: Path, hint: str = "") -> Any:
    """The JSON document in `path`; `ConfigError` names the file, line and column."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}{hint}"
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason})") from None


def parse_config(raw: Any, path: Path, *, created: bool = False) -> Config:
    """The model of an already-parsed JSON document (errors name `path` and the key)."""
    where = str(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: the top level must be a JSON object with 'mcpServers'")
    spec = _convert(raw, FileSpec, where, "")
    servers = {name: parse_server(name, entry, where) for name, entry in spec.servers.items()}
    return Config(
        path=path,
        servers=servers,
        created=created,
        mode=spec.mode,
        profiles=_profiles(spec.profiles, servers, where, "profiles"),
        clients=_profiles(spec.clients, servers, where, "clients"),
        http=_http(spec.http, where),
    )


def parse_servers(raw: Any, where: str) -> dict[str, ServerConfig]:
    """Only the `mcpServers` of a document (used for other clients' config files too)."""
    return parse_config(raw, Path(where)).servers


def parse_server(name: str, raw: Any, where: str) -> ServerConfig:
    at = f"mcpServers.{name}"
    if not SERVER_NAME.match(name):
        raise ConfigError(
            f"{where}: {at}: server names are 1-63 characters of letters, digits, '_', '-', '.'"
        )
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: {at}: must be an object with 'command' or 'url'")
    spec = _convert(raw, ServerSpec, where, at)
    if spec.instances > 1 and spec.scope != "global":
        raise ConfigError(
            f"{where}: {at}.instances: only a global server runs several instances (a "
            f"{spec.scope}-scoped one already has one per {spec.scope})"
        )
    if spec.url is not None:
        kind = (spec.type or spec.transport or "http").lower()
        if kind not in REMOTE_TYPES:
            raise ConfigError(
                f"{where}: {at}.type: {kind!r} is not one of http, streamable-http, sse"
            )
        _non_empty(spec.url, where, f"{at}.url")
        return _server(name, spec, REMOTE_TYPES[kind], url=spec.url, headers=dict(spec.headers))
    if spec.command is None:
        raise ConfigError(
            f"{where}: {at}: needs 'command' (a local server) or 'url' (a remote one)"
        )
    _non_empty(spec.command, where, f"{at}.command")
    cwd = os.path.expanduser(spec.cwd) if spec.cwd else None
    return _server(
        name,
        spec,
        "stdio",
        command=spec.command,
        args=tuple(spec.args),
        env=dict(spec.env),
        cwd=cwd,
    )


def _server(
    name: str,
    spec: ServerSpec,
    transport: Transport,
    *,
    command: str | None = None,
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    url: str | None = None,
    headers: dict[str, str] | None = None,
) -> ServerConfig:
    return ServerConfig(
        name=name,
        transport=transport,
        command=command,
        args=args,
        env=env or {},
        cwd=cwd,
        url=url,
        headers=headers or {},
        disabled=spec.disabled,
        startup_timeout=float(spec.startup_timeout),
        call_timeout=float(spec.timeout),
        idle_timeout=float(spec.idle_timeout),
        scope=spec.scope,
        instances=spec.instances,
        title=spec.title,
        description=spec.description,
        category=spec.category,
    )


def _profiles(
    raw: dict[str, Any], servers: dict[str, ServerConfig], where: str, key: str
) -> dict[str, Profile]:
    profiles = {}
    for name, entry in raw.items():
        at = f"{key}.{name}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: {at}: must be an object of servers, mode, alwaysOn")
        spec = _convert(entry, ProfileSpec, where, at)
        _known(spec.servers or [], servers, where, f"{at}.servers")
        _known(spec.always_on, servers, where, f"{at}.alwaysOn")
        selected = tuple(spec.servers) if spec.servers is not None else None
        profiles[name] = Profile(
            name=name,
            servers=selected,
            mode=spec.mode,
            always_on=tuple(spec.always_on),
            admin=spec.admin,
        )
    return profiles


def _http(raw: Any, where: str) -> HttpConfig | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: http: must be an object of listen, token")
    return _convert(raw, HttpConfig, where, "http")


def _known(names: list[str], servers: dict[str, ServerConfig], where: str, at: str) -> None:
    unknown = [n for n in names if n not in servers]
    if unknown:
        raise ConfigError(
            f"{where}: {at}: no server named {', '.join(map(repr, unknown))} in mcpServers"
        )


def _non_empty(value: str, where: str, at: str) -> None:
    if not value:
        raise ConfigError(f"{where}: {at}: must be a non-empty string")


S = TypeVar("S")
_TYPE_WORDS = {
    "float": "a number", "int": "an integer", "str": "a string", "bool": "true or false",
    "array": "a list", "object": "an object",
}  # fmt: skip
_TYPE_WORD = re.compile(r"\b(" + "|".join(_TYPE_WORDS) + r")\b")
_MSGSPEC_PATH = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)


def _convert(raw: Any, kind: type[S], where: str, at: str) -> S:
    """msgspec's decode, its error rewritten as `file: key.path: what is wrong`."""
    try:
        return msgspec.convert(raw, kind)
    except msgspec.ValidationError as exc:
        match = _MSGSPEC_PATH.match(str(exc))
        assert match is not None  # the pattern matches any text
        path = (at + (match["path"] or "")).lstrip(".")
        what = _TYPE_WORD.sub(lambda m: _TYPE_WORDS[m[1]], match["what"].replace("`", ""))
        what = what[:1].lower() + what[1:]
        raise ConfigError(f"{where}: {path or 'top level'}: {what}") from None
