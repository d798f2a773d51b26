"""One client's server entry in mcpod's `mcpServers` format, and mcpod's entry in theirs.

Each client's fields map onto mcpod's (`command`, `args`, `env`, `cwd`, `url`, `type`,
`headers`, `disabled`, `timeout`, `startupTimeout`, `description`); the result is checked
by the parser mcpod itself uses (`parse_server`). What has no counterpart is named in the
entry's notes, and what would change how the server runs makes it unusable, with the
reason: nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mcpod.config.clients.registry import Location
from mcpod.config.clients.values import Scope, Unusable, env_ref, translate_entry
from mcpod.config.load import REMOTE_TYPES, SERVER_NAME, parse_server
from mcpod.config.model import ServerConfig, Transport
from mcpod.protocol import ConfigError

SHIM = "mcpod-shim"
_NAME_JUNK = re.compile(r"[^A-Za-z0-9_.-]+")
# Fields that change how the server starts or authenticates: without them it would not
# work the same, so the entry is not imported.
_BLOCKERS = {
    "envFile": "reads its variables from an envFile, which mcpod does not: copy them into 'env'",
    "headersHelper": "gets its headers from a headersHelper command, which mcpod does not run",
    "tcp": "uses a WebSocket transport ('tcp'), which mcpod does not have",
}


@dataclass(frozen=True, slots=True)
class Entry:
    """A client's server as mcpod would have it, or the reason it cannot."""

    name: str  # the client's name for it
    target: str  # the name in mcpod (the same unless it is not a valid mcpod name)
    entry: dict[str, Any] | None  # mcpod's entry with literal values (secrets not moved)
    config: ServerConfig | None = None
    reason: str = ""
    notes: tuple[str, ...] = ()
    is_mcpod: bool = False

    @property
    def transport(self) -> Transport | None:
        return self.config.transport if self.config else None


def normalise(location: Location, name: str, raw: Any, scope: Scope) -> Entry:
    target = mcpod_name(name)
    if not isinstance(raw, dict):
        return Entry(name, target or name, None, reason="is not an object of settings")
    if is_mcpod(raw):
        return Entry(
            name, target or name, None, reason="runs mcpod-shim (mcpod itself)", is_mcpod=True
        )
    if target is None:
        return Entry(name, name, None, reason="has no usable name (letters, digits, _ - .)")
    notes = [] if target == name else [f"named {target!r} in mcpod (not a valid mcpod name)"]
    try:
        if location.client == "codex":
            entry, extra = _from_codex(raw)
        else:
            entry, extra = _from_json(location.client, raw)
        notes += extra
        entry = translate_entry(entry, scope)
        if location.workspace is not None and entry.get("command") is not None:
            notes += _run_in_workspace(entry, location)
        config = parse_server(target, entry, location.label)
    except Unusable as exc:
        return Entry(name, target, None, reason=str(exc), notes=tuple(notes))
    except ConfigError as exc:
        return Entry(name, target, None, reason=exc.message, notes=tuple(notes))
    return Entry(name, target, entry, config, notes=tuple(notes))


def is_mcpod(raw: dict[str, Any]) -> bool:
    """Does this entry run mcpod-shim (`mcpod-shim`, `mcpod shim`, `python -m mcpod.shim`)?"""
    command = raw.get("command")
    if not isinstance(command, str):
        return False
    args: list[Any] = raw["args"] if isinstance(raw.get("args"), list) else []
    program = command.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".exe")
    return (
        program.endswith(SHIM)
        or (program == "mcpod" and args[:1] == ["shim"])
        or args[:2] == ["-m", "mcpod.shim"]
        or args[:3] == ["-m", "mcpod", "shim"]
    )


def shim_entry(client: str, shim: str, env: dict[str, str]) -> dict[str, Any]:
    """mcpod's own entry, as `mcpod install` writes it into `client`'s file."""
    entry: dict[str, Any] = {"type": "stdio"} if client in ("vscode", "claude-code") else {}
    entry |= {"command": shim, "args": []}
    if env:
        entry["env"] = dict(env)
    return entry


def mcpod_name(name: str) -> str | None:
    """`name` if mcpod accepts it, else the nearest name it does (None if there is none)."""
    if SERVER_NAME.match(name):
        return name
    cleaned = _NAME_JUNK.sub("-", name).strip("-_.")[:63]
    return cleaned if SERVER_NAME.match(cleaned) else None


def _from_json(client: str, raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    for key, why in _BLOCKERS.items():
        if key in raw:
            raise Unusable(why)
    url_key = next((k for k in ("httpUrl", "serverUrl", "url") if k in raw), None)
    kind = _transport(client, raw, url_key)
    fields = ("command", "args", "env", "cwd") if kind == "stdio" else ("headers",)
    entry = {k: raw[k] for k in fields if k in raw}
    if kind != "stdio":
        entry = {"url": raw[url_key or "url"], "type": kind} | entry
    elif isinstance(entry.get("env"), dict):
        entry["env"] = {k: _env_text(k, v) for k, v in entry["env"].items()}
    used = {*fields, "type", "transport", "disabled", url_key}
    if "disabled" in raw:
        entry["disabled"] = raw["disabled"]
    if client == "gemini":
        entry |= _gemini_extras(raw)
        used |= {"timeout", "description"}
    ignored = sorted(k for k in raw if k not in used)
    return entry, [f"not carried over: {', '.join(ignored)}"] if ignored else []


def _transport(client: str, raw: dict[str, Any], url_key: str | None) -> str:
    declared = raw.get("type", raw.get("transport"))
    if declared is not None and not isinstance(declared, str):
        raise Unusable("'type' is not a string")
    kind = (declared or "").lower().replace("_", "-")
    if kind == "stdio":
        return "stdio"
    if kind:
        if kind not in REMOTE_TYPES:
            raise Unusable(f"type {declared!r} is not one of stdio, http, sse")
        if url_key is None:
            raise Unusable(f"is of type {declared!r} but has no URL")
        return REMOTE_TYPES[kind]
    if url_key is None:
        if "command" not in raw:
            raise Unusable("has neither 'command' (a local server) nor a URL (a remote one)")
        return "stdio"
    if "command" in raw:
        raise Unusable(f"has both 'command' and {url_key!r}: which one is meant?")
    if url_key == "httpUrl":
        return "http"
    if client == "gemini" and url_key == "url":
        return "sse"  # Gemini CLI: `url` is the SSE endpoint, `httpUrl` the streamable one
    url = raw[url_key]
    return "sse" if isinstance(url, str) and url.rstrip("/").endswith("/sse") else "http"


def _gemini_extras(raw: dict[str, Any]) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    timeout = _seconds(raw, "timeout", 1000)  # milliseconds there, seconds in mcpod
    if timeout is not None:
        extras["timeout"] = timeout
    if isinstance(raw.get("description"), str):
        extras["description"] = raw["description"]
    return extras


def _from_codex(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Codex CLI's `[mcp_servers.NAME]` table (codex-rs `RawMcpServerConfig`)."""
    if "command" in raw and "url" in raw:
        raise Unusable("has both 'command' and 'url' (Codex refuses it too)")
    if "command" in raw:
        entry: dict[str, Any] = {k: raw[k] for k in ("command", "args", "cwd") if k in raw}
        env, variables = raw.get("env") or {}, raw.get("env_vars") or []
        if not isinstance(env, dict):
            raise Unusable("'env' is not a table")
        if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
            raise Unusable("'env_vars' is not a list of variable names")
        env = dict(env)
        for variable in variables:
            env.setdefault(variable, env_ref(variable))  # passed through from the client
        if env:
            entry["env"] = env
        used = {"command", "args", "cwd", "env", "env_vars"}
    elif "url" in raw:
        entry = {"url": raw["url"], "type": "http", "headers": _codex_headers(raw)}
        used = {"url", "http_headers", "env_http_headers", "bearer_token", "bearer_token_env_var"}
    else:
        raise Unusable("has neither 'command' nor 'url' (Codex: invalid transport)")
    if raw.get("enabled") is False:
        entry["disabled"] = True
    startup = _seconds(raw, "startup_timeout_sec", 1)
    if startup is None:
        startup = _seconds(raw, "startup_timeout_ms", 1000)
    if startup is not None:
        entry["startupTimeout"] = startup
    tool = _seconds(raw, "tool_timeout_sec", 1)
    if tool is not None:
        entry["timeout"] = tool
    used |= {"enabled", "startup_timeout_sec", "startup_timeout_ms", "tool_timeout_sec"}
    ignored = sorted(k for k in raw if k not in used)
    return entry, [f"not carried over: {', '.join(ignored)}"] if ignored else []


def _codex_headers(raw: dict[str, Any]) -> dict[str, Any]:
    static, from_env = raw.get("http_headers") or {}, raw.get("env_http_headers") or {}
    if not isinstance(static, dict) or not isinstance(from_env, dict):
        raise Unusable("'http_headers' and 'env_http_headers' must be tables")
    headers = dict(static)
    for header, variable in from_env.items():
        headers[header] = env_ref(variable)
    if isinstance(raw.get("bearer_token_env_var"), str):
        headers["Authorization"] = "Bearer " + env_ref(raw["bearer_token_env_var"])
    elif isinstance(raw.get("bearer_token"), str):
        headers["Authorization"] = f"Bearer {raw['bearer_token']}"
    return headers


def _seconds(raw: dict[str, Any], key: str, per_second: int) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        unit = "seconds" if per_second == 1 else "milliseconds"
        raise Unusable(f"{key!r} is not a positive number of {unit}")
    return value / per_second


def _run_in_workspace(entry: dict[str, Any], location: Location) -> list[str]:
    """A project's server runs in the project folder, as its client ran it there."""
    assert location.workspace is not None
    cwd = entry.get("cwd")
    if isinstance(cwd, str) and cwd.startswith(("/", "~")):
        return []
    entry["cwd"] = (
        str(location.workspace / cwd) if isinstance(cwd, str) else str(location.workspace)
    )
    return [f"runs in {entry['cwd']} (a project's server)"]


def _env_text(key: str, value: Any) -> Any:
    """Numbers and booleans in `env` as the strings a process gets; null is refused."""
    if value is None:
        raise Unusable(f"env.{key} is null (unset), which mcpod cannot express")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int | float) else value
