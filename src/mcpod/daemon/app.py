"""The daemon's life: lock, listen, serve, and shut down in order.

`run()` is a library function, so tests run the daemon in-process as well as as the
real `mcpod daemon` process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from typing import Any

import anyio
import anyio.abc

from mcpod import __version__
from mcpod.daemon.config import Config, load_config
from mcpod.daemon.handlers import McpHandlers
from mcpod.daemon.listener import handle_connection
from mcpod.daemon.lock import DaemonLock, LockHeld
from mcpod.daemon.pool import Pool
from mcpod.daemon.session import Session
from mcpod.daemon.upstream import ListKind, Upstream
from mcpod.protocol import McpodError, Paths, ensure_private_dir

log = logging.getLogger(__name__)

EXIT_OK, EXIT_ERROR, EXIT_CONFIG, EXIT_LOCKED = 0, 1, 2, 3
SESSION_DRAIN_S = 3.0
LOCK_WAIT_S = 10.0  # a spawned daemon waits this long for a stopping one to let go


class Daemon:
    def __init__(self, paths: Paths, config: Config, task_group: anyio.abc.TaskGroup) -> None:
        self.paths = paths
        self.config = config
        self.started_at = time.time()
        self.started_monotonic = time.monotonic()
        self.sessions: dict[str, Session] = {}
        self.pool = Pool(config, paths, task_group, self._broadcast, self._upstream_notification)
        self.handlers = McpHandlers(self.pool)
        self.stopping = False
        self.socket_retired = False
        self._stop = anyio.Event()

    def retire_socket(self) -> None:
        """Remove the socket so new clients start a new daemon instead of reaching this one."""
        self.socket_retired = True
        _unlink(self.paths.socket)

    def request_shutdown(self, why: str) -> None:
        if not self.stopping:
            log.info("shutting down (%s)", why)
            self.stopping = True
            self.retire_socket()
            self._stop.set()

    async def wait_for_shutdown(self) -> None:
        await self._stop.wait()

    async def _broadcast(self, upstream: Upstream, kinds: set[ListKind]) -> None:
        for session in list(self.sessions.values()):
            for kind in {"resources" if k == "resourceTemplates" else k for k in kinds}:
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
        return await _serve(paths, config)
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


async def _serve(paths: Paths, config: Config) -> int:
    _unlink(paths.socket)  # stale from a crash: we hold the lock, so nobody else is using it
    listener = await anyio.create_unix_listener(paths.socket, mode=0o600)
    log.info(
        "mcpod %s daemon pid %d listening on %s (config %s, %d servers)",
        __version__, os.getpid(), paths.socket, config.path, len(config.enabled),
    )  # fmt: skip
    async with anyio.create_task_group() as root:
        daemon = Daemon(paths, config, root)
        root.start_soon(_watch_signals, daemon)
        async with anyio.create_task_group() as sessions_tg:
            accept_scope = anyio.CancelScope()
            sessions_tg.start_soon(_accept, daemon, listener, sessions_tg, accept_scope)
            await daemon.wait_for_shutdown()
            accept_scope.cancel()  # 1. stop accepting
            with anyio.move_on_after(SESSION_DRAIN_S):  # 2. let in-flight requests finish
                for session in list(daemon.sessions.values()):
                    await session.wait_idle()
            sessions_tg.cancel_scope.cancel()
        with anyio.CancelScope(shield=True):
            await daemon.pool.stop_all()  # 3. stop upstreams
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
