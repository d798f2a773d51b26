"""The upstream pool: one `Upstream` per enabled server, started on demand."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

import anyio
import anyio.abc

from mcpod.daemon.config import Config
from mcpod.daemon.upstream import ListKind, Upstream
from mcpod.protocol import McpodError, Paths

log = logging.getLogger(__name__)

Broadcast = Callable[[Upstream, set[ListKind]], Coroutine[Any, Any, None]]
Notify = Callable[[Upstream, str, dict[str, Any]], Coroutine[Any, Any, None]]


class Pool:
    def __init__(
        self,
        config: Config,
        paths: Paths,
        task_group: anyio.abc.TaskGroup,
        broadcast: Broadcast,
        notify: Notify,
    ) -> None:
        self.upstreams: dict[str, Upstream] = {
            server.name: Upstream(server, paths, task_group, broadcast, notify)
            for server in config.enabled
        }
        self.config = config
        self._tg = task_group

    async def ensure(self, names: list[str] | None = None) -> None:
        """Start the named servers (default: all) in parallel; wait until each is up or failed."""
        chosen = self.upstreams.values() if names is None else [self.upstreams[n] for n in names]
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
            raise McpodError(f"no server named {name!r} in {self.config.path}") from None

    async def stop_all(self) -> None:
        async with anyio.create_task_group() as tg:
            for upstream in self.upstreams.values():
                tg.start_soon(upstream.stop)

    def status(self) -> list[dict[str, Any]]:
        running = [u.status() for u in self.upstreams.values()]
        disabled = [
            {"name": s.name, "transport": s.transport, "state": "disabled", "pid": None, "calls": 0}
            for s in self.config.servers.values()
            if s.disabled
        ]
        return running + disabled


async def _start_quietly(upstream: Upstream) -> None:
    try:
        await upstream.ensure_started()
    except McpodError as exc:
        log.info("%s", exc.message)
