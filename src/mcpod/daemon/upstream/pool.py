"""The upstream pool: the running instances of the enabled servers, started on demand.

Each enabled server has one shared `Upstream` in `upstreams`: for `global` scope it is
the instance everyone uses; for `session` and `project` scope it only learns the tools
(started alone, stopped once its lists are read), and `instances` holds the private
instances, made on first use by a session and stopped with their session (or project).

A global server with `instances: N` (stateless servers only) has up to N-1 replicas
beside the shared one ("replica 2" ...), made when every running copy is busy; each call
goes to the least-loaded ready copy, so one busy server is not the ceiling.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import anyio
import anyio.abc

from mcpod.config import SecretStore, ServerConfig
from mcpod.daemon.sources import Registry
from mcpod.daemon.upstream.connection import Hooks, Upstream
from mcpod.daemon.upstream.scopes import Origin, instance_key
from mcpod.protocol import McpodError, Paths
from mcpod.protocol.control import ServerStatus

log = logging.getLogger(__name__)

REPLICA = "replica "  # the key prefix of a global server's extra copies


class Pool:
    def __init__(
        self,
        registry: Registry,
        paths: Paths,
        task_group: anyio.abc.TaskGroup,
        hooks: Hooks,
    ) -> None:
        self._registry = registry
        self._tg = task_group
        self._paths = paths
        self._hooks = hooks
        self._secrets = SecretStore(paths.secrets_file)
        self.upstreams: dict[str, Upstream] = {
            server.name: self._new(server) for server in registry.config.enabled
        }
        self.instances: dict[tuple[str, str], Upstream] = {}  # (server, key) -> private one

    def _new(self, server: ServerConfig, key: str = "", origin: Origin | None = None) -> Upstream:
        return Upstream(
            server,
            self._paths.server_log(server.name),
            self._tg,
            self._hooks,
            owner=str(self._paths.socket),
            key=key,
            origin=origin,
            secrets=self._secrets,
        )

    def __iter__(self) -> Iterator[Upstream]:
        """Every instance: the shared ones, then the private ones (a copy: they change)."""
        return iter([*self.upstreams.values(), *self.instances.values()])

    # -- which instance ------------------------------------------------------------------

    def instance(self, name: str, origin: Origin) -> Upstream:
        """The instance of server `name` that serves `origin`'s session (made if new)."""
        shared = self.get(name)
        key = instance_key(shared.config.scope, origin)
        if not key:
            return self._least_loaded(shared) if shared.config.instances > 1 else shared
        upstream = self.instances.get((name, key))
        if upstream is None:
            upstream = self.instances[(name, key)] = self._new(shared.config, key, origin)
            log.info("server %s: a new instance for %s", name, key)
        upstream.served.add(origin.session_id)
        return upstream

    def _least_loaded(self, shared: Upstream) -> Upstream:
        """A ready copy with no call in flight; else an idle one (it starts); else a new
        replica while there are fewer than `instances`; else the least busy copy."""
        copies = [shared, *(u for (n, k), u in self.instances.items()
                            if n == shared.name and k.startswith(REPLICA))]  # fmt: skip
        idle = [u for u in copies if not u.inflight and not u.failing]
        ready = [u for u in idle if u.state == "ready"]
        if ready or idle:
            return (ready or idle)[0]
        if len(copies) < shared.config.instances:
            taken = {u.key for u in copies}
            key = next(f"{REPLICA}{i}" for i in range(2, len(copies) + 2)
                       if f"{REPLICA}{i}" not in taken)  # fmt: skip
            log.info("server %s: all %d copies busy, starting %s", shared.name, len(copies), key)
            self.instances[(shared.name, key)] = self._new(shared.config, key)
            return self.instances[(shared.name, key)]
        return min(copies, key=lambda u: (u.failing, u.inflight))

    def session_ended(self, session_id: str) -> None:
        """Stop the session's own instances (in the background); forget it everywhere.

        A project's instance whose last session this was stays until its idle timeout
        (the supervisor stops it), so a new session there finds it warm.
        """
        own = instance_key("session", Origin(session_id))
        for (name, key), upstream in list(self.instances.items()):
            if key == own:
                del self.instances[(name, key)]
                self._tg.start_soon(upstream.stop, "its session ended")
        for upstream in self:
            upstream.served.discard(session_id)

    def of_session(self, session_id: str) -> list[Upstream]:
        """The instances that are this session's alone."""
        own = instance_key("session", Origin(session_id))
        return [u for (_, key), u in self.instances.items() if key == own]

    async def stop_server(self, name: str, why: str) -> None:
        """Stop every instance of a server (it starts again on next use)."""
        instances = [self.get(name), *(u for (n, _), u in self.instances.items() if n == name)]
        async with anyio.create_task_group() as tg:
            for upstream in instances:
                tg.start_soon(upstream.stop, why)

    async def evict(self, upstream: Upstream, why: str) -> None:
        """Stop an idle instance; a private one is forgotten too (made again if needed)."""
        if upstream.key and self.instances.get((upstream.name, upstream.key)) is upstream:
            del self.instances[(upstream.name, upstream.key)]
        await upstream.stop(why)

    # -- the config's servers ------------------------------------------------------------

    def add(self, server: ServerConfig) -> None:
        """A server new to the config (started on first need, like the others)."""
        self.upstreams[server.name] = self._new(server)

    async def remove(self, name: str, why: str) -> None:
        """Stop a server that left the config, every instance (calls in flight fail at once)."""
        gone = [self.upstreams.pop(name)] if name in self.upstreams else []
        for server, key in [k for k in self.instances if k[0] == name]:
            gone.append(self.instances.pop((server, key)))
        async with anyio.create_task_group() as tg:
            for upstream in gone:
                tg.start_soon(upstream.stop, why)

    async def replace(self, server: ServerConfig) -> None:
        """A changed server: the old instances stop, new ones start on next use."""
        await self.remove(server.name, "its config changed; restarting")
        self.add(server)

    async def ensure(self, names: list[str] | None = None) -> None:
        """Start the named servers (default: all) in parallel; wait until each is up or failed.

        For a server private to sessions or projects this learns its tools only: the
        instance started for that stops again at once.
        """
        chosen = self.upstreams.values() if names is None else [self.get(n) for n in names]
        pending = [u for u in chosen if u.state != "ready"]
        if not pending:
            return
        async with anyio.create_task_group() as tg:
            for upstream in pending:
                tg.start_soon(_start_quietly, upstream, self._tg)

    def start_in_background(self, names: list[str]) -> None:
        """Start these servers without waiting (their failures are logged, with backoff)."""
        for name in names:
            upstream = self.upstreams[name]
            if upstream.state not in ("ready", "starting"):
                self._tg.start_soon(_start_quietly, upstream, self._tg)

    def get(self, name: str) -> Upstream:
        try:
            return self.upstreams[name]
        except KeyError:
            raise McpodError(f"no server named {name!r} in {self._registry.config.path}") from None

    async def stop_all(self) -> None:
        async with anyio.create_task_group() as tg:
            for upstream in self:
                tg.start_soon(upstream.stop)

    def status(self) -> list[ServerStatus]:
        running = [u.status() for u in self]
        disabled = [
            ServerStatus(name=s.name, transport=s.transport, state="disabled", scope=s.scope)
            for s in self._registry.config.servers.values()
            if s.disabled
        ]
        return running + disabled


async def _start_quietly(upstream: Upstream, background: anyio.abc.TaskGroup) -> None:
    try:
        await upstream.ensure_started()
        if upstream.learns_only:  # stopped in the background: whoever waits needs only lists
            why = f"its tools are known; it runs one instance per {upstream.config.scope}"
            background.start_soon(upstream.stop, why)
    except McpodError as exc:
        log.info("%s", exc.message)
    except Exception:  # a background start: its failure is the server's, never the daemon's
        log.exception("starting server %s failed", upstream.name)
