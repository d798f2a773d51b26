"""The upstream pool: one `Upstream` per enabled server, started on demand."""

from __future__ import annotations

import logging

import anyio
import anyio.abc

from mcpod.config import ServerConfig
from mcpod.daemon.sources import Registry
from mcpod.daemon.upstream.connection import OnListsChanged, OnNotification, Upstream
from mcpod.protocol import McpodError, Paths
from mcpod.protocol.control import ServerStatus

log = logging.getLogger(__name__)


class Pool:
    def __init__(
        self,
        registry: Registry,
        paths: Paths,
        task_group: anyio.abc.TaskGroup,
        on_lists_changed: OnListsChanged,
        on_notification: OnNotification,
    ) -> None:
        self._registry = registry
        self._tg = task_group
        self._paths = paths
        self._callbacks = (on_lists_changed, on_notification)
        self.upstreams: dict[str, Upstream] = {
            server.name: self._new(server) for server in registry.config.enabled
        }

    def _new(self, server: ServerConfig) -> Upstream:
        return Upstream(
            server,
            self._paths.server_log(server.name),
            self._tg,
            *self._callbacks,
            owner=str(self._paths.socket),
        )

    def add(self, server: ServerConfig) -> None:
        """A server new to the config (started on first need, like the others)."""
        self.upstreams[server.name] = self._new(server)

    async def remove(self, name: str, why: str) -> None:
        """Stop a server that left the config (its calls in flight fail at once)."""
        upstream = self.upstreams.pop(name, None)
        if upstream is not None:
            await upstream.stop(why)

    async def replace(self, server: ServerConfig) -> None:
        """A changed server: the old instance stops, the new one starts on next use."""
        await self.remove(server.name, "its config changed; restarting")
        self.add(server)

    async def ensure(self, names: list[str] | None = None) -> None:
        """Start the named servers (default: all) in parallel; wait until each is up or failed."""
        chosen = self.upstreams.values() if names is None else [self.get(n) for n in names]
        pending = [u for u in chosen if u.state != "ready"]
        if not pending:
            return
        async with anyio.create_task_group() as tg:
            for upstream in pending:
                tg.start_soon(_start_quietly, upstream)

    def start_in_background(self, names: list[str]) -> None:
        """Start these servers without waiting (their failures are logged, with backoff)."""
        for name in names:
            upstream = self.upstreams[name]
            if upstream.state not in ("ready", "starting"):
                self._tg.start_soon(_start_quietly, upstream)

    def get(self, name: str) -> Upstream:
        try:
            return self.upstreams[name]
        except KeyError:
            raise McpodError(f"no server named {name!r} in {self._registry.config.path}") from None

    async def stop_all(self) -> None:
        async with anyio.create_task_group() as tg:
            for upstream in self.upstreams.values():
                tg.start_soon(upstream.stop)

    def status(self) -> list[ServerStatus]:
        running = [u.status() for u in self.upstreams.values()]
        disabled = [
            ServerStatus(name=s.name, transport=s.transport, state="disabled")
            for s in self._registry.config.servers.values()
            if s.disabled
        ]
        return running + disabled


async def _start_quietly(upstream: Upstream) -> None:
    try:
        await upstream.ensure_started()
    except McpodError as exc:
        log.info("%s", exc.message)
    except Exception:  # a background start: its failure is the server's, never the daemon's
        log.exception("starting server %s failed", upstream.name)
