"""The config model: immutable msgspec Structs, one `Config` snapshot per load.

A snapshot is never mutated: the daemon replaces it whole (one assignment) and diffs the
old against the new one (`mcpod.config.diff`), which is what hot reload builds on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import msgspec

from mcpod.protocol.redact import redact

Transport = Literal["stdio", "http", "sse"]
Mode = Literal["lazy", "all"]
# Who shares one running instance: everyone (global), one client session (session), or
# the sessions working in one directory (project).
Scope = Literal["global", "session", "project"]
MODES: tuple[Mode, ...] = ("lazy", "all")

DEFAULT_STARTUP_TIMEOUT_S = 60.0
DEFAULT_CALL_TIMEOUT_S = 600.0
DEFAULT_IDLE_TIMEOUT_S = 1800.0  # a server nobody used for this long is stopped (0: never)


class ServerConfig(msgspec.Struct, frozen=True, kw_only=True):
    """One server, normalised: the transport is decided and `~` in `cwd` expanded."""

    name: str
    transport: Transport
    command: str | None = None
    args: tuple[str, ...] = ()
    env: dict[str, str] = msgspec.field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    disabled: bool = False
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT_S
    call_timeout: float = DEFAULT_CALL_TIMEOUT_S
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT_S
    scope: Scope = "global"
    instances: int = 1  # running copies of a stateless global server, least-loaded first
    source: str = "config"  # where it comes from: "config" (the file) | "docker" (the Toolkit)
    needs: str = ""  # what its source says it lacks to run (e.g. a Docker secret): shown, not run
    title: str = ""
    description: str = ""
    category: str = ""

    def __repr__(self) -> str:
        # env values and headers carry secrets: a repr must never show them.
        where = redact(self.url or "") if self.transport != "stdio" else self.command
        return f"ServerConfig({self.name!r}, {self.transport}, {where!r})"


class Profile(msgspec.Struct, frozen=True, kw_only=True):
    """A named selection of servers and an exposure mode (`mcpod-shim --profile NAME`)."""

    name: str
    servers: tuple[str, ...] | None = None  # None: every configured server
    mode: Mode | None = None
    always_on: tuple[str, ...] = ()
    admin: bool = False  # its sessions get the mcpod_config_* / mcpod_secret_* tools


class HttpConfig(msgspec.Struct, frozen=True, kw_only=True):
    """The optional HTTP front (`"http": {"listen": "127.0.0.1:8765", "token": ...}`)."""

    listen: str = "127.0.0.1:8765"
    token: str | None = None  # a literal or a `${secret:NAME}` reference; resolved at start

    def __repr__(self) -> str:
        return f"HttpConfig(listen={self.listen!r}, token={'***' if self.token else None})"


class Config(msgspec.Struct, frozen=True, kw_only=True):
    path: Path
    servers: dict[str, ServerConfig]
    created: bool = False  # True when this load wrote the default file
    mode: Mode | None = None  # None: each client's default mode (then `lazy`)
    profiles: dict[str, Profile] = msgspec.field(default_factory=dict)
    clients: dict[str, Profile] = msgspec.field(default_factory=dict)  # by clientInfo.name
    http: HttpConfig | None = None  # None: no HTTP front (unless `mcpod daemon --http`)

    @property
    def enabled(self) -> list[ServerConfig]:
        return [s for s in self.servers.values() if not s.disabled]

    @property
    def enabled_names(self) -> frozenset[str]:
        return frozenset(s.name for s in self.servers.values() if not s.disabled)
