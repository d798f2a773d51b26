"""Applying a new config while sessions run: only what changed is touched.

Triggered by an edit of the file (`sources.watch`), `mcpod reload` and SIGHUP. The new
snapshot is diffed against the running one: removed servers stop, changed ones restart
with their new config, added ones join the pool (started on first need, indexed in the
background); the others keep running untouched (same processes, calls in flight go on).
Each session's surface is chosen again, and a session whose list changed is told so. A
file that cannot be used changes nothing: the previous config goes on, and the error is
shown in `mcpod status` and the log.

The Docker MCP Toolkit is looked at in the same loop's rhythm (`sync_docker`): its enabled
servers join the snapshot as if written in the file, and every server in its catalog is
offered to the catalog (searchable, tools included, nothing started).
"""

from __future__ import annotations

import logging
import time

import anyio
import anyio.abc

from mcpod.config import ConfigDiff, load_config
from mcpod.daemon.catalog import Catalog
from mcpod.daemon.exposure import Surface, choose_surface
from mcpod.daemon.server import Session, Sessions
from mcpod.daemon.sources import Registry
from mcpod.daemon.sources.docker import DockerState, InspectCache, discover, with_docker
from mcpod.daemon.sources.watch import Fingerprint, fingerprint
from mcpod.daemon.store import CatalogStore
from mcpod.daemon.upstream import Indexer, Pool
from mcpod.protocol import McpodError, Paths
from mcpod.protocol.control import ReloadResponse, SourceStatus

log = logging.getLogger(__name__)

DOCKER_SYNC_S = 60.0  # how often the Docker MCP Toolkit is looked at


class Reloader:
    def __init__(
        self,
        paths: Paths,
        registry: Registry,
        pool: Pool,
        catalog: Catalog,
        indexer: Indexer,
        sessions: Sessions,
        stored: CatalogStore,
        task_group: anyio.abc.TaskGroup,
    ) -> None:
        self._paths = paths
        self._registry = registry
        self._pool = pool
        self._catalog = catalog
        self._indexer = indexer
        self._sessions = sessions
        self._stored = stored
        self._tg = task_group
        self._lock = anyio.Lock()
        self.config_error: str | None = None
        self.seen: Fingerprint = None  # the config file as last read (set by the app)
        self.docker = DockerState("unknown", "not looked at yet")
        self._inspected: InspectCache = {}

    async def reload(self, why: str) -> ReloadResponse:
        async with self._lock:  # one reload at a time, in order
            self.seen = fingerprint(self._paths.config_file)
            try:
                new = with_docker(load_config(self._paths.config_file), self.docker)
            except McpodError as exc:
                self.config_error = exc.message
                log.error("%s, but it cannot be used: %s; the previous config goes on", why,
                          exc.message)  # fmt: skip
                return ReloadResponse(error=exc.message)
            self.config_error = None
            diff = self._registry.replace(new)
            if diff.empty:
                self._offer_docker()
                return ReloadResponse()
            log.info(
                "%s: %d server(s) added, %d removed, %d changed",
                why, len(diff.added), len(diff.removed), len(diff.changed),
            )  # fmt: skip
            await self._apply_servers(diff)
            self._offer_docker()
            await self._update_sessions(diff)
            self._tg.start_soon(self._indexer.index_all_missing)
            return ReloadResponse(
                added=sorted(diff.added), removed=sorted(diff.removed), changed=sorted(diff.changed)
            )

    async def sync_docker(self) -> None:
        """Look at the Docker MCP Toolkit now and every `DOCKER_SYNC_S`; apply changes."""
        first = True
        while True:
            # The first look reads only the enabled servers' tools, so they serve at once;
            # the next one, straight after, the whole catalog's (once: they are cached).
            state = await discover(cache=self._inspected, every_tool=not first)
            if state != self.docker:
                if state.state != self.docker.state or state.detail != self.docker.detail:
                    log.info("Docker MCP Toolkit: %s (%s)", state.state, state.detail)
                self.docker = state
                await self.reload("the Docker MCP Toolkit changed")
            if not first or state.state != "ok":
                await anyio.sleep(DOCKER_SYNC_S)
            first = False

    def sources(self) -> list[SourceStatus]:
        docker = self.docker
        return [
            SourceStatus(
                name="docker", state=docker.state, detail=docker.detail, era=docker.era,
                version=docker.version, servers=len(docker.servers), enabled=len(docker.enabled),
            )
        ]  # fmt: skip

    def _offer_docker(self) -> None:
        """Every server of Docker's catalog into mcpod's catalog, tools included (the file's
        own server of the same name wins)."""
        config = self._registry.config
        offered = set()
        for server in self.docker.servers:
            mine = config.servers.get(server.name)
            if mine is not None and mine.source != "docker":
                continue
            offered.add(server.name)
            self._catalog.offer(
                server.name, title=server.title, description=server.description,
                category=server.category, tools=list(server.tools),
                runnable=mine is not None and not mine.disabled, source="docker", now=time.time(),
            )  # fmt: skip
        self._catalog.forget_offered(offered)

    async def _apply_servers(self, diff: ConfigDiff) -> None:
        config = self._registry.config
        async with anyio.create_task_group() as tg:
            for name in diff.removed:
                tg.start_soon(self._pool.remove, name, "removed from the config")
            for name in diff.changed:
                tg.start_soon(self._pool.replace, config.servers[name])
        for name in diff.added:
            self._pool.add(config.servers[name])
        self._catalog.remove(set(diff.removed | diff.changed))
        fresh = [config.servers[name] for name in sorted(diff.added | diff.changed)]
        self._catalog.configure(fresh, self._stored.load())
        self._stored.forget_all_but({s.name for s in config.enabled})

    async def _update_sessions(self, diff: ConfigDiff) -> None:
        touched = diff.added | diff.removed | diff.changed
        for session in self._sessions:
            if session.era is None:
                continue  # its surface is chosen at its first request, from the new config
            before = (session.surface.visible(), session.surface.allowed)
            session.surface = self._surface_for(session)
            after = (session.surface.visible(), session.surface.allowed)
            if before != after or after[1] & touched:
                for kind in ("tools", "prompts", "resources"):
                    await session.notify_list_changed(kind, force=kind == "tools")

    def _surface_for(self, session: Session) -> Surface:
        """The session's surface under the new config, keeping what it activated."""
        old = session.surface
        enabled = self._registry.config.enabled_names
        try:
            surface = choose_surface(
                self._registry.config, session.hello.client_args, session.client_name
            )
        except McpodError:  # e.g. its profile is gone: keep its surface, minus gone servers
            surface = Surface(old.mode, old.allowed & enabled, old.always_on & enabled,
                              profile=old.profile, admin=old.admin)  # fmt: skip
        surface.active = old.active & surface.allowed
        return surface
