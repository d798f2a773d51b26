"""One upstream MCP server: started on first need, initialized once, kept warm and shared.

The connection uses the SDK's client transports and its `JSONRPCDispatcher`, which
remaps request ids and progress tokens and turns a cancelled caller into
`notifications/cancelled` upstream. Requests are forwarded raw (`send_raw_request`):
payloads go through as the server wrote them, without model validation dropping fields.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, TextIO

import anyio
import anyio.abc
import mcp.types as types
from mcp import MCPError
from mcp.client.session import ClientSession
from mcp.shared.dispatcher import CallOptions, ProgressFnT
from mcp.shared.jsonrpc_dispatcher import JSONRPCDispatcher

from mcpod import __version__
from mcpod.config import ServerConfig
from mcpod.daemon.upstream.lists import CHANGED_BY, LISTS, ListKind, list_all
from mcpod.daemon.upstream.streams import WatchedReadStream
from mcpod.daemon.upstream.transports import find_child, open_transport
from mcpod.protocol import RpcError, UpstreamUnavailable, ensure_private_dir
from mcpod.protocol.control import ServerStatus

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 30.0
STOP_TIMEOUT_S = 8.0  # stdio_client: close stdin, 2 s, SIGTERM the group, 2 s, SIGKILL

OnListsChanged = Callable[["Upstream", set[ListKind]], Coroutine[Any, Any, None]]
OnNotification = Callable[["Upstream", str, dict[str, Any]], Coroutine[Any, Any, None]]


class Upstream:
    def __init__(
        self,
        config: ServerConfig,
        log_path: Path,
        task_group: anyio.abc.TaskGroup,
        on_lists_changed: OnListsChanged,
        on_notification: OnNotification,
    ) -> None:
        self.config = config
        self.name = config.name
        self.log_path = log_path
        self._tg = task_group
        self._on_lists_changed = on_lists_changed
        self._on_notification = on_notification
        self.state = "stopped"  # stopped | starting | ready | exited | failed | stopping
        self.pid: int | None = None
        self.calls = 0
        self.errors = 0
        self.starts = 0
        self.started_at: float | None = None
        self.last_error: str | None = None
        self.capabilities: dict[str, Any] = {}
        self.server_info: dict[str, Any] = {}
        self.lists: dict[ListKind, list[dict[str, Any]]] = {kind: [] for kind in LISTS}
        self.active_sessions: Counter[str] = Counter()  # session id -> requests in flight
        self._dispatcher: JSONRPCDispatcher | None = None
        self._starting: anyio.Event | None = None
        self._down: anyio.Event | None = None
        self._finished = anyio.Event()
        self._finished.set()
        self._failures = 0
        self._retry_at = 0.0

    @property
    def failing(self) -> bool:
        """Its last start failed (and it has not been ready since)."""
        return self._failures > 0

    # -- lifecycle ---------------------------------------------------------------------

    async def ensure_started(self) -> None:
        """Return once the server is ready; `UpstreamUnavailable` says why it is not."""
        if self.state == "ready" and self._dispatcher is not None:
            return
        if self._starting is None and not self._finished.is_set():
            with anyio.move_on_after(STOP_TIMEOUT_S):
                await self._finished.wait()  # the previous connection is still tearing down
        if self.state == "ready" and self._dispatcher is not None:
            return
        if self._starting is None:  # checked again: another caller may have started it
            if time.monotonic() < self._retry_at:
                raise self._unavailable(f"failed recently ({self.last_error}); retrying later")
            self._starting = anyio.Event()
            self._finished = anyio.Event()
            self._tg.start_soon(self._run, self._starting)
        starting = self._starting
        with anyio.move_on_after(self.config.startup_timeout + 1):
            await starting.wait()
        if self.state != "ready":
            raise self._unavailable(self.last_error or "still starting")

    async def stop(self) -> None:
        """Close the connection (and stop the process); bounded by `STOP_TIMEOUT_S`."""
        if self._down is not None:
            self.state = "stopping"
            self._down.set()
        with anyio.move_on_after(STOP_TIMEOUT_S):
            await self._finished.wait()

    async def _run(self, starting: anyio.Event) -> None:
        self.state, self.last_error = "starting", None
        self.starts += 1
        self._down = down = anyio.Event()
        try:
            async with AsyncExitStack() as stack:
                changed = await self._connect(stack, down)
                self.state, self.started_at, self._failures = "ready", time.time(), 0
                # The catalog is current before anyone waiting on `starting` looks at it.
                await self._on_lists_changed(self, changed)
                self._starting = None
                starting.set()
                log.info(
                    "server %s ready (pid %s, %d tools)",
                    self.name, self.pid, len(self.lists["tools"]),
                )  # fmt: skip
                await down.wait()
                self._dispatcher = None  # new requests wait for a fresh connection
                if self.state != "stopping":
                    self.state = "exited"
                    self.last_error = "the server closed its connection (exited?)"
                    log.warning("server %s went away; it restarts on next use", self.name)
        except Exception as exc:
            self.last_error = describe(exc)
            self._failures += 1
            self._retry_at = time.monotonic() + min(2 ** (self._failures - 1), MAX_BACKOFF_S)
            log.warning("server %s failed: %s (log: %s)", self.name, self.last_error, self.log_path)
        finally:
            self._dispatcher = None
            self.pid = None
            self.state = "stopped" if self.state in ("ready", "stopping", "exited") else "failed"
            if self._starting is starting:
                self._starting = None
            starting.set()
            self._finished.set()

    async def _connect(self, stack: AsyncExitStack, down: anyio.Event) -> set[ListKind]:
        """Open the transport, initialize and read every list, within the start-up timeout.

        Returns the kinds of list whose content differs from what was known before.
        """
        marker = f"{self.name}:{uuid.uuid4().hex}"
        errlog = stack.enter_context(self._open_log())
        read, write = await stack.enter_async_context(open_transport(self.config, errlog, marker))
        self._dispatcher = dispatcher = JSONRPCDispatcher(WatchedReadStream(read, down), write)
        session = ClientSession(
            dispatcher=dispatcher,
            message_handler=self._on_message,
            client_info=types.Implementation(name="mcpod", version=__version__),
        )
        await stack.enter_async_context(session)
        with anyio.fail_after(self.config.startup_timeout):
            init = await session.initialize()
            self.pid = find_child(marker) if self.config.transport == "stdio" else None
            self.capabilities = init.capabilities.model_dump(by_alias=True, exclude_none=True)
            self.server_info = init.server_info.model_dump(by_alias=True, exclude_none=True)
            return await self._refresh(set(LISTS))

    def _open_log(self) -> TextIO:
        ensure_private_dir(self.log_path.parent)
        errlog = open(self.log_path, "a", buffering=1, encoding="utf-8", errors="replace")  # noqa: SIM115
        errlog.write(f"--- mcpod: starting {self.name} at {time.strftime('%Y-%m-%dT%H:%M:%S')}\n")
        return errlog

    # -- requests ----------------------------------------------------------------------

    async def request(
        self,
        method: str,
        params: dict[str, Any] | None,
        *,
        session_id: str,
        on_progress: ProgressFnT | None = None,
    ) -> dict[str, Any]:
        """Forward one request; upstream errors come back as `RpcError` with their code."""
        await self.ensure_started()
        dispatcher = self._dispatcher
        if dispatcher is None:
            raise self._unavailable(self.last_error or "not connected")
        opts: CallOptions = {"timeout": self.config.call_timeout}
        if on_progress is not None:
            opts["on_progress"] = on_progress
        if method == "tools/call":
            self.calls += 1
        self.active_sessions[session_id] += 1
        try:
            return await dispatcher.send_raw_request(method, params, opts)
        except MCPError as exc:
            self.errors += 1
            raise RpcError(exc.error.message, code=exc.error.code, data=exc.error.data) from None
        finally:
            self.active_sessions[session_id] -= 1
            if self.active_sessions[session_id] <= 0:
                del self.active_sessions[session_id]

    async def _refresh(self, kinds: set[ListKind]) -> set[ListKind]:
        """Re-list `kinds` (all pages); return the kinds whose content changed."""
        dispatcher = self._dispatcher
        assert dispatcher is not None
        changed: set[ListKind] = set()
        for kind in kinds:
            capability = LISTS[kind][0]
            items = (
                await list_all(dispatcher, self.name, kind)
                if capability in self.capabilities
                else []
            )
            if items != self.lists[kind]:
                self.lists[kind] = items
                changed.add(kind)
        return changed

    async def _on_message(self, message: Any) -> None:
        if isinstance(message, Exception):
            log.debug("server %s transport: %s", self.name, describe(message))
            return
        method = getattr(message, "method", "")
        if method in CHANGED_BY and self._dispatcher is not None:
            changed = await self._refresh(CHANGED_BY[method])
            if changed and self.state == "ready":
                await self._on_lists_changed(self, changed)
            return
        if method == "notifications/progress":
            return  # delivered to the request's own on_progress callback
        params = getattr(message, "params", None)
        raw = params.model_dump(by_alias=True, exclude_none=True, mode="json") if params else {}
        await self._on_notification(self, method, raw)

    # -- reporting ---------------------------------------------------------------------

    def status(self) -> ServerStatus:
        return ServerStatus(
            name=self.name,
            transport=self.config.transport,
            state=self.state,
            pid=self.pid,
            calls=self.calls,
            errors=self.errors,
            starts=self.starts,
            tools=len(self.lists["tools"]) if self.state == "ready" else None,
            started_at=self.started_at,
            last_error=self.last_error,
            log=str(self.log_path),
        )

    def _unavailable(self, reason: str) -> UpstreamUnavailable:
        return UpstreamUnavailable(
            f"MCP server {self.name!r} is not available: {reason}. Its log: {self.log_path}"
        )


def describe(exc: BaseException) -> str:
    """One line for an exception, unwrapping the groups that task groups raise."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    if isinstance(exc, MCPError):
        return f"MCP error {exc.error.code}: {exc.error.message}"
    if isinstance(exc, TimeoutError):
        return "timed out while starting"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if str(exc) else text
