"""The daemon's life: lock, listen, serve, and shut down in order.

`run()` is a library function, so tests run the daemon in-process (in their own event
loop, `await tg.start(serve, ...)`) as well as as the real `mcpod daemon` process.
This module wires the rooms together; none of them imports it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import anyio
import anyio.abc
import anyio.to_thread

from mcpod import __version__
from mcpod.config import Config, load_config
from mcpod.daemon.activation import inherited_listener
from mcpod.daemon.catalog import Catalog
from mcpod.daemon.control import ControlContext, ControlServer
from mcpod.daemon.embedding import Embedder
from mcpod.daemon.exposure import AdminTools, MetaTools
from mcpod.daemon.lock import DaemonLock, LockHeld
from mcpod.daemon.reload import Reloader
from mcpod.daemon.server import Listener, McpHandlers, Router, Session, Sessions
from mcpod.daemon.server.fanout import Fanout
from mcpod.daemon.signals import watch_signals
from mcpod.daemon.sources import Registry
from mcpod.daemon.sources.watch import Fingerprint, fingerprint, watch_config
from mcpod.daemon.store import Store, StoreError
from mcpod.daemon.upstream import Hooks, Indexer, ListKind, Pool, Supervisor, Upstream
from mcpod.daemon.upstream.reaper import reap_orphans
from mcpod.protocol import McpodError, Paths, ensure_private_dir

log = logging.getLogger(__name__)

EXIT_OK, EXIT_ERROR, EXIT_CONFIG, EXIT_LOCKED = 0, 1, 2, 3
SESSION_DRAIN_S = 3.0
# A spawned daemon waits this long for a stopping one to let go of the lock: stopping
# drains sessions (3 s) and stops servers (up to 8 s each, in parallel), and more on a
# loaded machine.
LOCK_WAIT_S = 60.0
STATS_FLUSH_S = 2.0
RESTART_PAUSE_S = 1.0  # before a failed background loop runs again


class Daemon:
    """The rooms of one running daemon, wired together."""

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
        self.registry = Registry(config)
        self.store = store
        self.activated = activated  # the service manager owns the socket: never unlink it
        self.stopping = False
        self._stop = anyio.Event()
        self.catalog = Catalog()
        self.catalog.configure(config.enabled, store.catalog.load())
        store.catalog.forget_all_but({s.name for s in config.enabled})
        store.sessions.forget_old()
        self.sessions = Sessions()
        self.fanout = Fanout(self.sessions, task_group)
        hooks = Hooks(
            lists_changed=self._lists_changed,
            notification=self.fanout.notification,
            client_request=self.fanout.client_request,
            session_capabilities=self.fanout.capabilities,
        )
        self.pool = Pool(self.registry, paths, task_group, hooks)
        self.indexer = Indexer(self.catalog, self.pool, store.catalog)
        self.embedder = Embedder(self.catalog, store.embeddings)
        # The session surface: shared by the socket's sessions and the HTTP front's.
        self.router = Router(self.catalog, self.pool, store.stats)
        meta = MetaTools(self.catalog, self.pool, self.indexer, store.history, store.sessions)
        self.handlers = McpHandlers(
            self.registry, self.catalog, self.pool, self.indexer, self.router, meta,
            store.sessions, AdminTools(paths),
        )  # fmt: skip
        self.reloader = Reloader(
            paths, self.registry, self.pool, self.catalog, self.indexer, self.sessions,
            store.catalog, task_group,
        )  # fmt: skip
        self._tg = task_group
        started_at = time.time()
        self.control_context = ControlContext(
            paths=paths,
            registry=self.registry,
            catalog=self.catalog,
            pool=self.pool,
            stats=store.stats,
            sessions=self.sessions.describe,
            started_at=started_at,
            started_monotonic=time.monotonic(),
            retire_socket=self.retire_socket,
            reload=self.reloader.reload,
            config_error=lambda: self.reloader.config_error,
            sources=self.reloader.sources,
        )
        control = ControlServer(self.control_context, on_shutdown=self.request_shutdown)
        self.listener = Listener(
            self.sessions, self.handlers, control.serve, lambda: self.stopping,
            on_roots_changed=self._roots_changed,
            on_session_end=lambda session: self.pool.session_ended(session.id),
        )  # fmt: skip

    def retire_socket(self) -> None:
        """Remove the socket so new clients start a new daemon instead of reaching this one."""
        if not self.activated:
            _unlink(self.paths.socket)

    def request_shutdown(self, why: str) -> None:
        if not self.stopping:
            log.info("shutting down (%s)", why)
            self.stopping = True
            self.retire_socket()
            self._stop.set()

    def request_reload(self, why: str) -> None:
        self._tg.start_soon(self.reloader.reload, why)

    async def wait_for_shutdown(self) -> None:
        await self._stop.wait()

    async def maintain_store(self) -> None:
        """Flush statistics and retry failed writes; a failing store is logged, never fatal."""
        while True:
            await anyio.sleep(STATS_FLUSH_S)
            for write in (self.store.stats.flush, self.store.history.flush):
                try:
                    write()
                except sqlite3.Error as exc:
                    log.warning("state store %s: %s; will retry", self.store.path, exc)
            self.indexer.retry_saves()

    async def _roots_changed(self, session: Session) -> None:
        """A session's roots changed: tell the servers that are its own."""
        for upstream in self.pool.of_session(session.id):
            await upstream.notify("notifications/roots/list_changed")

    async def _lists_changed(self, upstream: Upstream, kinds: set[ListKind]) -> None:
        if self.indexer.absorb(upstream):
            self.fanout.lists_changed(upstream.name, kinds)


async def run(
    paths: Paths,
    *,
    spawned: bool = False,
    handle_signals: bool = True,
    http: str | None = None,
    task_status: anyio.abc.TaskStatus[Daemon] = anyio.TASK_STATUS_IGNORED,
) -> int:
    """Run the daemon until SIGINT/SIGTERM or `mcpod stop`; return the exit status.

    `task_status.started()` hands over the `Daemon` once the socket listens. `http`
    (`HOST:PORT`) serves the HTTP front there, as the config's `http` key does.
    """
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
        seen = fingerprint(paths.config_file)  # first: a later edit must look like a change
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
            return await _serve(paths, config, seen, store, handle_signals, task_status, http)
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


async def _serve(
    paths: Paths,
    config: Config,
    seen: Fingerprint,
    store: Store,
    handle_signals: bool,
    task_status: anyio.abc.TaskStatus[Any],
    http: str | None = None,
) -> int:
    inherited = inherited_listener()
    if inherited is None:
        _unlink(paths.socket)  # stale from a crash: we hold the lock, so nobody else is using it
        # Bound and listening under a temporary name, then renamed into place: the socket
        # appears only once it accepts (a connect between bind and listen is refused).
        pending = paths.socket.with_name(paths.socket.name + "~")
        _unlink(pending)
        listener = await anyio.create_unix_listener(pending, mode=0o600)
        os.replace(pending, paths.socket)
    else:
        listener = await anyio.abc.SocketListener.from_socket(inherited)
    log.info(
        "mcpod %s daemon pid %d listening on %s%s (config %s, %d servers)",
        __version__,
        os.getpid(),
        paths.socket,
        " (socket activation)" if inherited else "",
        config.path,
        len(config.enabled),
    )
    # Before any server of ours starts: servers an earlier daemon left behind.
    await anyio.to_thread.run_sync(reap_orphans, str(paths.socket))
    async with anyio.create_task_group() as root:
        daemon = Daemon(paths, config, store, root, activated=inherited is not None)
        daemon.reloader.seen = seen
        if not await _start_http(daemon, config, http, root):
            await listener.aclose()
            daemon.retire_socket()
            root.cancel_scope.cancel()
            return EXIT_CONFIG
        if handle_signals:
            root.start_soon(watch_signals, daemon.request_shutdown, daemon.request_reload)
        root.start_soon(daemon.indexer.index_all_missing)
        for what, loop in (
            ("the store's maintenance", daemon.maintain_store),
            ("the upstream supervisor", Supervisor(daemon.pool).run),
            ("the Docker MCP Toolkit source", daemon.reloader.sync_docker),
            ("semantic search", daemon.embedder.run),
            (
                "the config watcher",
                partial(
                    watch_config, config.path, daemon.reloader.reload, lambda: daemon.reloader.seen
                ),
            ),
        ):
            root.start_soon(_keep_running, what, loop)
        async with anyio.create_task_group() as sessions_tg:
            accept_scope = anyio.CancelScope()
            sessions_tg.start_soon(_accept, daemon, listener, sessions_tg, accept_scope)
            task_status.started(daemon)
            await daemon.wait_for_shutdown()
            accept_scope.cancel()  # 1. stop accepting
            with anyio.move_on_after(SESSION_DRAIN_S):  # 2. let in-flight requests finish
                for session in daemon.sessions:
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


async def _start_http(
    daemon: Daemon, config: Config, flag: str | None, root: anyio.abc.TaskGroup
) -> bool:
    """The optional HTTP front; False if its settings are refused (a config error)."""
    if flag is None and config.http is None:
        return True
    from mcpod.daemon.http import http_settings, resolve_token, serve_http  # only when used

    listen, raw_token = http_settings(config, flag)
    try:
        token = resolve_token(raw_token, daemon.paths, dict(os.environ))
        await root.start(partial(serve_http, daemon, listen, token))
    except McpodError as exc:  # refused settings (the message never holds the token)
        log.error("%s", exc.message)
        return False
    except OSError as exc:  # e.g. the port is taken: the socket still serves
        log.error("HTTP front not started: cannot listen on %s: %s", listen, exc.strerror)
    return True


async def _accept(
    daemon: Daemon,
    listener: anyio.abc.SocketListener,
    sessions_tg: anyio.abc.TaskGroup,
    scope: anyio.CancelScope,
) -> None:
    with scope:
        async with listener:
            await daemon.listener.serve(listener, sessions_tg)


async def _keep_running(what: str, loop: Callable[[], Awaitable[object]]) -> None:
    """A background loop's exception boundary: a failure is logged, and it starts again."""
    while True:
        try:
            await loop()
            return
        except Exception:
            log.exception("%s failed; restarting it in %.0f s", what, RESTART_PAUSE_S)
        await anyio.sleep(RESTART_PAUSE_S)


def _unlink(path: os.PathLike[str]) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
