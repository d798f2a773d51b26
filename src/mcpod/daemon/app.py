"""The daemon's life: lock, listen, serve, and shut down in order.

`run()` is a library function, so tests run the daemon in-process as well as as the
real `mcpod daemon` process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sqlite3
import time
from typing import Any

import anyio
import anyio.abc

from mcpod import __version__
from mcpod.daemon.activation import inherited_listener
from mcpod.daemon.catalog import KINDS, Catalog
from mcpod.daemon.config import Config, load_config
from mcpod.daemon.handlers import McpHandlers
from mcpod.daemon.listener import handle_connection
from mcpod.daemon.lock import DaemonLock, LockHeld
from mcpod.daemon.pool import Pool
from mcpod.daemon.session import Session
from mcpod.daemon.store import Store, StoreError
from mcpod.daemon.upstream import ListKind, Upstream
from mcpod.protocol import McpodError, Paths, ensure_private_dir

log = logging.getLogger(__name__)

EXIT_OK, EXIT_ERROR, EXIT_CONFIG, EXIT_LOCKED = 0, 1, 2, 3
SESSION_DRAIN_S = 3.0
LOCK_WAIT_S = 10.0
INDEX_CONCURRENCY = 3  # servers started at once to learn their tools
STATS_FLUSH_S = 2.0  # a spawned daemon waits this long for a stopping one to let go


class Daemon:
    def __init__(
        self,
        paths: Paths,
        config: Config,
        store: Store,
        task_group: anyio.abc.TaskGroup,
        *,
        activated: bool = False,
    ) -> None:
        self.paths = paths
        self.config = config
        self.store = store
        self.started_at = time.time()
        self.started_monotonic = time.monotonic()
        self.sessions: dict[str, Session] = {}
        self._tg = task_group
        self.catalog = Catalog()
        self.catalog.configure(config.enabled, store.load_catalog())
        store.forget_servers({s.name for s in config.enabled})
        self.pool = Pool(
            config, paths, task_group, self._lists_changed, self._upstream_notification
        )
        self.handlers = McpHandlers(config, self.catalog, self.pool, store)
        self.stopping = False
        self.socket_retired = False
        self.activated = activated  # the service manager owns the socket: never unlink it
        self._stop = anyio.Event()

    def retire_socket(self) -> None:
        """Remove the socket so new clients start a new daemon instead of reaching this one."""
        self.socket_retired = True
        if not self.activated:
            _unlink(self.paths.socket)

    def request_shutdown(self, why: str) -> None:
        if not self.stopping:
            log.info("shutting down (%s)", why)
            self.stopping = True
            self.retire_socket()
            self._stop.set()

    async def wait_for_shutdown(self) -> None:
        await self._stop.wait()

    async def index_in_background(self) -> None:
        """Learn the tools of servers the store knows nothing (current) about."""
        missing = [name for name, entry in self.catalog.entries.items() if not entry.indexed]
        if missing:
            log.info(
                "indexing %d server(s) in the background: %s", len(missing), ", ".join(missing)
            )
            limiter = anyio.CapacityLimiter(INDEX_CONCURRENCY)
            async with anyio.create_task_group() as tg:
                for name in missing:
                    tg.start_soon(self._index_one, name, limiter)

    async def _index_one(self, name: str, limiter: anyio.CapacityLimiter) -> None:
        async with limiter:
            await self.pool.ensure([name])

    async def flush_statistics(self) -> None:
        while True:
            await anyio.sleep(STATS_FLUSH_S)
            self.store.flush()

    async def _lists_changed(self, upstream: Upstream, kinds: set[ListKind]) -> None:
        lists = {kind: upstream.lists[kind] for kind in KINDS}
        changed = self.catalog.update(upstream.name, lists, upstream.server_info, time.time())
        entry = self.catalog.entries[upstream.name]
        self.store.save_catalog(upstream.name, entry.config_hash, upstream.server_info, lists)
        if changed and kinds:
            self._tg.start_soon(self._broadcast, upstream.name, kinds)

    async def _broadcast(self, server: str, kinds: set[ListKind]) -> None:
        # Templates have no list_changed of their own: clients re-list them with resources.
        notified = {"resources" if k == "resourceTemplates" else k for k in kinds}
        for session in list(self.sessions.values()):
            if server in session.surface.visible():
                for kind in notified:
                    await session.notify_list_changed(kind)

    async def _upstream_notification(
        self, upstream: Upstream, method: str, params: dict[str, Any]
    ) -> None:
        if method == "notifications/resources/updated":
            for session in list(self.sessions.values()):
                await session.notify_resource_updated(params)
        elif method == "notifications/message":
            for session in self._log_recipients(upstream):
                await session.send_notification(method, params)

    def _log_recipients(self, upstream: Upstream) -> list[Session]:
        """Who gets a shared server's log message, which names no request.

        The one session with requests in flight on that server, when there is exactly
        one; otherwise the sessions that asked for logs with logging/setLevel.
        """
        active = [self.sessions[s] for s in upstream.active_sessions if s in self.sessions]
        if len(active) == 1:
            return active
        return [s for s in self.sessions.values() if s.log_level is not None]


async def run(paths: Paths, *, spawned: bool = False) -> int:
    """Run the daemon until SIGINT/SIGTERM or `mcpod stop`; return the exit status."""
    try:
        for directory in (paths.runtime_dir, paths.state_dir, paths.log_dir):
            ensure_private_dir(directory)
        paths.check_socket_path()
    except McpodError as exc:
        log.error("%s", exc.message)
        return EXIT_ERROR
    lock = DaemonLock(paths.lock_file)
    if not await _acquire(lock, paths, spawned):
        return EXIT_LOCKED
    try:
        try:
            config = load_config(paths.config_file)
        except McpodError as exc:
            log.error("%s", exc.message)
            return EXIT_CONFIG
        if config.created:
            log.info("created a default config at %s", config.path)
        try:
            store = Store(paths.state_dir / "state.db")
        except (StoreError, sqlite3.Error) as exc:
            log.error("state store %s: %s", paths.state_dir / "state.db", exc)
            return EXIT_ERROR
        try:
            return await _serve(paths, config, store)
        finally:
            store.close()
    finally:
        lock.release()


async def _acquire(lock: DaemonLock, paths: Paths, spawned: bool) -> bool:
    deadline = time.monotonic() + (LOCK_WAIT_S if spawned else 0)
    while True:
        try:
            lock.acquire()
            return True
        except LockHeld as held:
            if time.monotonic() >= deadline or paths.socket.exists():
                log.info("another mcpod daemon (pid %s) holds %s", held.pid, paths.lock_file)
                return False
        await anyio.sleep(0.05)


async def _serve(paths: Paths, config: Config, store: Store) -> int:
    inherited = inherited_listener()
    if inherited is None:
        _unlink(paths.socket)  # stale from a crash: we hold the lock, so nobody else is using it
        listener = await anyio.create_unix_listener(paths.socket, mode=0o600)
    else:
        listener = await anyio.abc.SocketListener.from_socket(inherited)
    log.info(
        "mcpod %s daemon pid %d listening on %s%s (config %s, %d servers)",
        __version__, os.getpid(), paths.socket, " (socket activation)" if inherited else "",
        config.path, len(config.enabled),
    )  # fmt: skip
    async with anyio.create_task_group() as root:
        daemon = Daemon(paths, config, store, root, activated=inherited is not None)
        root.start_soon(_watch_signals, daemon)
        root.start_soon(daemon.index_in_background)
        root.start_soon(daemon.flush_statistics)
        async with anyio.create_task_group() as sessions_tg:
            accept_scope = anyio.CancelScope()
            sessions_tg.start_soon(_accept, daemon, listener, sessions_tg, accept_scope)
            await daemon.wait_for_shutdown()
            accept_scope.cancel()  # 1. stop accepting
            with anyio.move_on_after(SESSION_DRAIN_S):  # 2. let in-flight requests finish
                for session in list(daemon.sessions.values()):
                    session.end_listens()
                    await session.wait_idle()
            sessions_tg.cancel_scope.cancel()
        with anyio.CancelScope(shield=True):
            await daemon.pool.stop_all()  # 3. stop upstreams
        if not daemon.activated:
            _unlink(paths.socket)  # 4. the socket (already gone after `mcpod stop`)
        root.cancel_scope.cancel()
    log.info("stopped")
    return EXIT_OK


async def _accept(
    daemon: Daemon,
    listener: anyio.abc.SocketListener,
    sessions_tg: anyio.abc.TaskGroup,
    scope: anyio.CancelScope,
) -> None:
    with scope:
        async with listener:
            await listener.serve(
                lambda stream: handle_connection(daemon, stream), task_group=sessions_tg
            )


async def _watch_signals(daemon: Daemon) -> None:
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT, signal.SIGHUP) as signals:
        async for signum in signals:
            if signum == signal.SIGHUP:
                log.info("SIGHUP: config reload arrives with the registry; ignoring")
                continue
            daemon.request_shutdown(signal.Signals(signum).name)


def _unlink(path: os.PathLike[str]) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
