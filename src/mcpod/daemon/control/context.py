"""What the control verbs may reach: handed in by the app, so this room imports neither
the app nor the session server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from mcpod.daemon.catalog import Catalog
from mcpod.daemon.sources import Registry
from mcpod.daemon.store import CallStats
from mcpod.daemon.upstream import Pool
from mcpod.protocol import Paths
from mcpod.protocol.control import ReloadResponse, SessionStatus, SourceStatus


@dataclass(frozen=True)
class ControlContext:
    paths: Paths
    registry: Registry
    catalog: Catalog
    pool: Pool
    stats: CallStats
    sessions: Callable[[], list[SessionStatus]]
    started_at: float  # wall clock, for display
    started_monotonic: float  # for the uptime
    retire_socket: Callable[[], None]  # `shutdown`: no new client reaches this daemon
    reload: Callable[[str], Awaitable[ReloadResponse]]
    config_error: Callable[[], str | None]  # why the last reload was refused, if it was
    sources: Callable[[], list[SourceStatus]]  # the sources besides the config file
