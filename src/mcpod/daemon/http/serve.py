"""`serve_http`: the optional HTTP front, run inside the daemon's task group.

uvicorn serves the app on a socket bound here (so a bad address or a port in use is
known before `task_status.started()`), without its signal handlers (the daemon owns
SIGINT/SIGTERM), lifespan or logging config. When the daemon shuts down the HTTP
sessions are ended and uvicorn gets `STOP_GRACE_S` to finish, then it is cancelled.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Callable, Generator
from typing import Protocol

import anyio
import anyio.abc
import uvicorn

from mcpod.config import Config
from mcpod.daemon.catalog import Catalog
from mcpod.daemon.control import ControlContext
from mcpod.daemon.http.api import Api
from mcpod.daemon.http.app import Boundary, build_app
from mcpod.daemon.http.front import Endpoint, McpFront
from mcpod.daemon.http.mcp_endpoint import McpEndpoint
from mcpod.daemon.http.security import Guard, HttpSetupError, check_listen, parse_listen
from mcpod.daemon.http.single import SingleServerHandler
from mcpod.daemon.server import McpHandlers, Router, Sessions
from mcpod.daemon.server.session import Handler
from mcpod.daemon.sources import Registry
from mcpod.daemon.store import Store
from mcpod.daemon.upstream import Indexer, Pool
from mcpod.protocol import Paths
from mcpod.protocol.control import ReloadResponse, SourceStatus

log = logging.getLogger(__name__)

STOP_GRACE_S = 3.0


class ReloaderParts(Protocol):
    @property
    def config_error(self) -> str | None: ...

    async def reload(self, why: str) -> ReloadResponse: ...
    def sources(self) -> list[SourceStatus]: ...


class DaemonParts(Protocol):
    """What the HTTP front uses of the `Daemon` (the app wires it; this room cannot import it)."""

    @property
    def paths(self) -> Paths: ...
    @property
    def registry(self) -> Registry: ...
    @property
    def catalog(self) -> Catalog: ...
    @property
    def pool(self) -> Pool: ...
    @property
    def indexer(self) -> Indexer: ...
    @property
    def store(self) -> Store: ...
    @property
    def sessions(self) -> Sessions: ...
    @property
    def reloader(self) -> ReloaderParts: ...
    @property
    def handlers(self) -> McpHandlers: ...
    @property
    def router(self) -> Router: ...
    @property
    def control_context(self) -> ControlContext: ...
    @property
    def stopping(self) -> bool: ...
    def retire_socket(self) -> None: ...
    def request_shutdown(self, why: str) -> None: ...
    async def wait_for_shutdown(self) -> None: ...


async def serve_http(
    daemon: DaemonParts,
    listen: str,
    token: str | None,
    *,
    task_status: anyio.abc.TaskStatus[int] = anyio.TASK_STATUS_IGNORED,
) -> None:
    """Serve until cancelled or the daemon stops; `task_status` gets the bound port.

    `HttpSetupError` (before started) for an address that is refused; `OSError` if it
    cannot be bound.
    """
    logging.getLogger("uvicorn").setLevel(logging.WARNING)  # its start/stop chatter
    where = parse_listen(listen)
    check_listen(where, token)
    sock = _bind(where.host, where.port)
    port = int(sock.getsockname()[1])
    async with anyio.create_task_group() as tg:
        front = McpFront(daemon.sessions, daemon.pool, _handlers(daemon), tg)
        endpoint = McpEndpoint(
            front, lambda name: name in daemon.registry.config.enabled_names,
            lambda: daemon.stopping,
        )  # fmt: skip
        api = Api(daemon.control_context, daemon.request_shutdown)
        app = Boundary(Guard(build_app(endpoint, api), where, port, token))
        config = uvicorn.Config(
            app, lifespan="off", log_config=None, access_log=False, http="h11", ws="none",
            timeout_graceful_shutdown=int(STOP_GRACE_S), server_header=False,
        )  # fmt: skip
        server = _Server(config)
        tg.start_soon(front.sweep)
        tg.start_soon(_stop_on_shutdown, daemon, server, front)
        log.info(
            "HTTP front on http://%s/ (/mcp, /mcp/{server}, /api, dashboard)%s",
            where.authority(port), " with a bearer token" if token else "",
        )  # fmt: skip
        task_status.started(port)
        try:
            await server.serve(sockets=[sock])
        except Exception:  # the boundary: the daemon goes on without its HTTP front
            log.exception("the HTTP front failed; it is off until the daemon restarts")
        finally:
            sock.close()
            tg.cancel_scope.cancel()
    log.info("HTTP front stopped")


def http_settings(config: Config, flag: str | None) -> tuple[str, str | None]:
    """(listen address, raw token) from `--http` (first) or the config's `http` key."""
    http = config.http
    listen = flag or (http.listen if http is not None else "")
    return listen, http.token if http is not None else None


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the daemon's own signal handling stays in place


async def _stop_on_shutdown(daemon: DaemonParts, server: _Server, front: McpFront) -> None:
    await daemon.wait_for_shutdown()
    await front.close_all()
    server.should_exit = True
    await anyio.sleep(STOP_GRACE_S + 1)
    server.force_exit = True


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def _handlers(daemon: DaemonParts) -> Callable[[Endpoint], Handler]:
    """The daemon's own MCP handlers; for `/mcp/{server}`, one server's view of them."""

    def handler_for(endpoint: Endpoint) -> Handler:
        if endpoint.server is None:
            return daemon.handlers
        return SingleServerHandler(
            endpoint.server, daemon.handlers, daemon.registry, daemon.catalog, daemon.indexer,
            daemon.router,
        )  # fmt: skip

    return handler_for


__all__ = ["HttpSetupError", "http_settings", "serve_http"]
