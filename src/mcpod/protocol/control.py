"""The control API's messages (`mcpod status`, `mcpod tools`, tests): `<Verb>Request` in,
`<Noun>Response` out, as msgspec Structs shared by the daemon and the CLI.

A request's Struct is its `params`; a response's is its `result`. Evolve them only by
adding fields with defaults; unknown fields are ignored on both sides, so an older CLI
reads a newer daemon's answers and the other way round.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

MAX_SEARCH_LIMIT = 200


# -- requests -------------------------------------------------------------------------


class StatusRequest(msgspec.Struct, frozen=True):
    pass


class ShutdownRequest(msgspec.Struct, frozen=True):
    pass


class PingRequest(msgspec.Struct, frozen=True):
    pass


class StartRequest(msgspec.Struct, frozen=True):
    """Start servers now and wait until each is up or failed (default: every server)."""

    servers: list[str] | None = None


class ReloadRequest(msgspec.Struct, frozen=True):
    """Read the config file again and apply what changed (as a file change or SIGHUP does)."""


class StopServersRequest(msgspec.Struct, frozen=True):
    """Stop these servers (every instance); they start again on next use."""

    servers: Annotated[list[str], msgspec.Meta(min_length=1)]


class RestartRequest(msgspec.Struct, frozen=True):
    servers: Annotated[list[str], msgspec.Meta(min_length=1)]


class CallRequest(msgspec.Struct, frozen=True):
    server: Annotated[str, msgspec.Meta(min_length=1)]
    tool: Annotated[str, msgspec.Meta(min_length=1)]
    arguments: dict[str, Any] = {}


class ToolsRequest(msgspec.Struct, frozen=True):
    server: str | None = None


class ServersRequest(msgspec.Struct, frozen=True):
    pass


class SearchRequest(msgspec.Struct, frozen=True):
    query: Annotated[str, msgspec.Meta(min_length=1)]
    limit: int = 10  # clamped to 1..MAX_SEARCH_LIMIT


# -- responses ------------------------------------------------------------------------


class ServerStatus(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    transport: str
    state: str  # stopped | starting | ready | stopping | failed | broken | needs-secret | disabled
    pid: int | None = None
    calls: int = 0
    errors: int = 0
    starts: int = 0
    tools: int | None = None  # known only while the server is ready
    started_at: float | None = None
    last_error: str | None = None
    log: str | None = None
    reason: str | None = None  # why it is in its state: idle since, breaker open until, ...
    state_since: float | None = None
    failures: int = 0  # consecutive failed starts (or crashes soon after starting)
    retry_at: float | None = None  # when a failed server may be tried again
    inflight: int = 0
    scope: str = "global"  # global | session | project
    instance: str | None = None  # None: the shared instance; "session <id>", "project <dir>"
    sessions: list[str] = []  # the open sessions this instance has served
    uptime_s: float | None = None  # while it runs
    restarts: int = 0  # starts after the first
    rss_bytes: int | None = None  # its whole process tree, while it runs
    cpu_percent: float | None = None  # since the previous `status` (first: 0.0)
    p50_ms: float | None = None  # call latency, over every call the store has counted
    p95_ms: float | None = None


class SessionStatus(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    client: str | None = None
    client_version: str | None = None
    era: str | None = None  # legacy (initialize) | modern (2026-07-28) | None before a request
    protocol_version: str | None = None
    peer_pid: int | None = None
    cwd: str | None = None
    requests: int = 0
    mode: str = "lazy"
    profile: str | None = None
    active: list[str] = []
    always_on: list[str] = []
    inflight: int = 0
    queued_bytes: int = 0  # output the client has not read yet
    started_at: float = 0.0


class SourceStatus(msgspec.Struct, frozen=True, kw_only=True):
    """A source of servers besides the config file (today: the Docker MCP Toolkit)."""

    name: str
    state: str  # ok | absent | failed | unknown (not looked at yet)
    detail: str = ""
    era: str | None = None  # docker: legacy | profiles
    version: str | None = None
    servers: int = 0
    enabled: int = 0


class StatusResponse(msgspec.Struct, frozen=True, kw_only=True):
    pid: int
    version: str
    protocol: int
    uptime_s: float
    started_at: float
    config: str
    socket: str
    log: str
    sessions: int
    session_details: list[SessionStatus] = []
    servers: list[ServerStatus] = []
    config_error: str | None = None  # the last reload failed: the previous config still runs
    sources: list[SourceStatus] = []
    daemon: dict[str, float | int | None] = {}  # rss_bytes, cpu_percent, threads, open_files


class ShutdownResponse(msgspec.Struct, frozen=True):
    stopping: bool
    pid: int


class ReloadResponse(msgspec.Struct, frozen=True, kw_only=True):
    added: list[str] = []
    removed: list[str] = []
    changed: list[str] = []  # restarted with their new config
    error: str | None = None  # the file could not be used: nothing changed


class PongResponse(msgspec.Struct, frozen=True):
    pong: bool = True


class StartResponse(msgspec.Struct, frozen=True):
    servers: list[ServerStatus]


class ToolRow(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    exposed: str  # the name a session in `all` mode sees: server__tool
    description: str
    tokens: int


class CallResponse(msgspec.Struct, frozen=True):
    result: dict[str, Any]  # the server's CallToolResult, as it wrote it
    ms: float


class ServerTools(msgspec.Struct, frozen=True, kw_only=True):
    server: str
    title: str
    category: str
    description: str
    indexed: bool  # False: never started under this config, tools unknown
    tokens: int
    state: str
    tools: list[ToolRow]


class ToolsResponse(msgspec.Struct, frozen=True):
    servers: list[ServerTools]


class ServerRow(msgspec.Struct, frozen=True, kw_only=True):
    """One server mcpod knows of, configured or only offered by a source."""

    name: str
    source: str  # config | docker
    enabled: bool  # False: in a source's catalog but not enabled there (or disabled)
    state: str  # the upstream's state; "available" for a server that is not enabled
    scope: str = "global"
    title: str = ""
    description: str = ""
    category: str = ""
    tools: int | None = None  # None: not known yet
    reason: str | None = None  # why it is in its state (e.g. which secret it needs)


class ServersResponse(msgspec.Struct, frozen=True):
    servers: list[ServerRow]


class SearchHit(msgspec.Struct, frozen=True, kw_only=True):
    server: str
    tool: str
    score: float
    name: str
    exposed: str
    description: str
    tokens: int


class SearchResponse(msgspec.Struct, frozen=True):
    results: list[SearchHit]
    # False: even the closest tool is far from the request (semantic search only; None
    # when it cannot be told).
    fits: bool | None = None
