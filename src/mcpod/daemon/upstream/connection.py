"""One upstream MCP server: started on first need, initialized once, kept warm and shared.

States: `stopped -> starting -> ready -> stopped` (by an exit, idle eviction, a failed
health check or shutdown), `failed` / `broken` after failed starts (see `Backoff`),
`needs-secret` while a secret its config refers to is not set, and `needs-login` while a
remote server wants an OAuth login its stored tokens do not give (`mcpod auth NAME`).
`reason` says why a server is in its state, for `mcpod status`.

The connection is a `Channel`: mcpod's own for stdio servers (`stdio.StdioChannel`), the
SDK's for remote ones (`sdk.SdkChannel`). Either remaps request ids and progress tokens,
turns a cancelled caller into `notifications/cancelled` upstream, and forwards results
as the server wrote them.

An instance serves one sharing scope (`scopes`): the shared one (`key` ""), or one
session's or one project's (`origin` fixed). A request the server sends goes to the one
session it can be for (see `_requester`); the rest is mcpod's to refuse.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import anyio
import anyio.abc
from mcp import MCPError

from mcpod.config import MissingSecrets, SecretStore, ServerConfig, resolve
from mcpod.daemon.upstream.backoff import Backoff
from mcpod.daemon.upstream.channel import Channel, OnProgress
from mcpod.daemon.upstream.lists import CHANGED_BY, LISTS, ListKind, list_all
from mcpod.daemon.upstream.oauth import find_needs_login
from mcpod.daemon.upstream.scopes import (
    CONTROL_SESSION,
    FORWARDED_CAPABILITIES,
    Origin,
    launch_cwd,
    launch_env,
    merged_capabilities,
)
from mcpod.daemon.upstream.sdk import SdkChannel
from mcpod.daemon.upstream.serverlog import ServerLog
from mcpod.daemon.upstream.stdio import StdioChannel
from mcpod.protocol import ConfigError, ErrorCode, RpcError, UpstreamUnavailable, ensure_private_dir
from mcpod.protocol.control import ServerStatus
from mcpod.protocol.mcp import as_dict
from mcpod.protocol.redact import redact

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 8.0  # stdio_client: close stdin, 2 s, SIGTERM the group, 2 s, SIGKILL
STABLE_AFTER_S = 30.0  # an exit sooner than this after `ready` counts as a crash
PING_TIMEOUT_S = 10.0

OnListsChanged = Callable[["Upstream", set[ListKind]], Coroutine[Any, Any, None]]
OnNotification = Callable[["Upstream", str, dict[str, Any]], Coroutine[Any, Any, None]]
# (upstream, session id, method, params) -> the session's answer to the server's request
OnClientRequest = Callable[
    ["Upstream", str, str, dict[str, Any]], Coroutine[Any, Any, dict[str, Any]]
]


@dataclass(frozen=True, slots=True)
class Hooks:
    """What an upstream tells the rest of the daemon, and asks of it."""

    lists_changed: OnListsChanged
    notification: OnNotification
    client_request: OnClientRequest
    # The forwardable capabilities of the sessions connected now (for a shared instance).
    session_capabilities: Callable[[], Sequence[Mapping[str, Any]]]


class Upstream:
    def __init__(
        self,
        config: ServerConfig,
        log_path: Path,
        task_group: anyio.abc.TaskGroup,
        hooks: Hooks,
        *,
        owner: str,
        secrets: SecretStore,
        key: str = "",
        origin: Origin | None = None,
    ) -> None:
        self.config = config
        self._resolved = config  # with its references filled in, at each start
        self._secrets = secrets
        self.owner = owner  # the daemon's socket path, carried by its children
        self.name = config.name
        self.key = key  # which instance: "" shared, "session <id>", "project <dir>"
        self.origin = origin  # fixed for a session's or a project's instance
        self.log_path = log_path
        self._tg = task_group
        self._hooks = hooks
        # stopped | starting | ready | stopping | failed | broken | needs-secret | needs-login
        self.state = "stopped"
        self.state_since = time.time()
        self.reason: str | None = None  # why it is in its state, when that needs saying
        self.pid: int | None = None
        self.calls = 0
        self.errors = 0
        self.starts = 0
        self.started_at: float | None = None
        self.last_error: str | None = None
        self.last_used = time.monotonic()
        self.capabilities: dict[str, Any] = {}
        self.server_info: dict[str, Any] = {}
        self.lists: dict[ListKind, list[dict[str, Any]]] = {kind: [] for kind in LISTS}
        self.active_sessions: Counter[str] = Counter()  # session id -> requests in flight
        self.served: set[str] = set()  # the open sessions that have used this instance
        self._launch: Origin | None = None  # the session this start is for
        self.backoff = Backoff()
        self._channel: Channel | None = None
        self._starting: anyio.Event | None = None
        self._down: anyio.Event | None = None
        self._stop_reason: str | None = None
        self._finished = anyio.Event()
        self._finished.set()
        self._stale: set[ListKind] = set()  # lists a notification invalidated, not re-read yet
        self._refreshing = False
        self._quick_exits = 0  # exits in a row soon after `ready`: a crash loop from two on

    @property
    def failing(self) -> bool:
        """Its last start failed, or it is crash-looping."""
        return self.state in ("failed", "broken")

    def note_stable(self) -> None:
        """Called by the supervisor: a server up this long is not crash-looping."""
        if self.state == "ready" and time.time() - (self.started_at or 0) >= STABLE_AFTER_S:
            self._quick_exits = 0
            self.backoff.succeeded()

    @property
    def inflight(self) -> int:
        return sum(self.active_sessions.values())

    @property
    def _connected(self) -> bool:
        return self._channel is not None and not self._channel.closed.is_set()

    def _set_state(self, state: str, reason: str | None = None) -> None:
        self.state, self.reason, self.state_since = state, reason, time.time()

    # -- lifecycle ---------------------------------------------------------------------

    async def ensure_started(self, origin: Origin | None = None) -> None:
        """Return once the server is ready; `UpstreamUnavailable` says why it is not.

        A start this causes uses `origin`'s environment (a scoped instance: its own).
        """
        if self.state == "ready" and self._connected:
            return
        if self._starting is None and not self._finished.is_set():
            with anyio.move_on_after(STOP_TIMEOUT_S):
                await self._finished.wait()  # the previous connection is still tearing down
        if self.state == "ready" and self._connected:
            return
        if self._starting is None:  # checked again: another caller may have started it
            if not self.backoff.may_try():
                raise self._unavailable(self._backoff_note())
            launch = self.origin or origin
            self._resolved = self._resolve(launch)
            self._starting = anyio.Event()
            self._finished = anyio.Event()
            self._launch = launch
            self._tg.start_soon(self._run, self._starting)
        starting = self._starting
        with anyio.move_on_after(self.config.startup_timeout + 1):
            await starting.wait()
        if self.state != "ready":
            raise self._unavailable(self.last_error or "still starting")

    def _resolve(self, launch: Origin | None) -> ServerConfig:
        """The config with its `${secret:..}` / `${env:..}` references filled in.

        A missing one is not a failed start (nothing to back off from): the server waits
        in `needs-secret` until it is set, and the error says which command sets it.
        """
        if self.config.needs:  # its source says it cannot run yet (e.g. a Docker secret)
            self._set_state("needs-secret", self.config.needs)
            raise UpstreamUnavailable(f"MCP server {self.name!r} {self.config.needs}")
        environ = {**os.environ, **(launch.env if launch else {})}
        try:
            return resolve(self.config, self._secrets, environ)
        except MissingSecrets as exc:
            self._set_state("needs-secret", exc.message)
            raise UpstreamUnavailable(exc.message) from None
        except ConfigError as exc:
            raise self._unavailable(exc.message) from None

    async def stop(self, reason: str | None = None) -> None:
        """Close the connection (and stop the process); bounded by `STOP_TIMEOUT_S`."""
        if self._down is not None and not self._finished.is_set():
            self._stop_reason = reason
            self._set_state("stopping", reason)
            self._down.set()
            if self._channel is not None:
                self._channel.close(reason or "stopped by mcpod")
        with anyio.move_on_after(STOP_TIMEOUT_S):
            await self._finished.wait()

    async def _run(self, starting: anyio.Event) -> None:
        self._set_state("starting")
        self.last_error, self._stop_reason = None, None
        self.starts += 1
        self._down = down = anyio.Event()
        was_ready = False
        try:
            async with AsyncExitStack() as stack:
                changed = await self._connect(stack, down)
                self._set_state("ready")
                was_ready = True
                self.started_at = time.time()
                self.last_used = time.monotonic()
                # The catalog is current before anyone waiting on `starting` looks at it.
                await self._hooks.lists_changed(self, changed)
                self._starting = None
                starting.set()
                log.info(
                    "server %s ready (pid %s, %d tools)",
                    self.name, self.pid, len(self.lists["tools"]),
                )  # fmt: skip
                # `stop` closes the channel (or, while starting, `_connect` does on seeing
                # `down`), so the channel's end is the one thing to wait for.
                channel = self._channel
                assert channel is not None
                await channel.closed.wait()
                if self.state != "stopping":
                    self._exited_unexpectedly()
        except Exception as exc:
            needs_login = find_needs_login(exc)
            if needs_login is not None and not was_ready and self.state != "stopping":
                # Not a failed start (no backoff): it waits for `mcpod auth`, and each use
                # tries again, so the tokens it stores are picked up without a reload.
                self.last_error = needs_login.message
                self._set_state("needs-login", needs_login.message)
                log.info("server %s: %s", self.name, needs_login.message)
            elif was_ready or self.state == "stopping":  # not a failed start: it was told to end
                log.info("server %s: error while disconnecting: %s", self.name, describe(exc))
            else:
                self.last_error = describe(exc)
                self.backoff.failed()
                log.warning(
                    "server %s failed: %s (log: %s)", self.name, self.last_error, self.log_path
                )
        finally:
            self._channel = None
            self.pid = None
            if self.state == "stopping":
                self._set_state("stopped", self._stop_reason)
            elif self.state not in ("stopped", "failed", "broken", "needs-login"):
                state = "broken" if self.backoff.breaker_open else "failed"
                self._set_state(state, self._backoff_note())
            if self._starting is starting:
                self._starting = None
            starting.set()
            self._finished.set()

    def _exited_unexpectedly(self) -> None:
        """A one-off exit restarts on next use; exits in a row soon after start back off."""
        self.last_error = "the server closed its connection (exited?)"
        uptime = time.time() - (self.started_at or 0)
        if uptime >= STABLE_AFTER_S:
            self._quick_exits = 0
            self.backoff.succeeded()
        else:
            self._quick_exits += 1
        if self._quick_exits >= 2:
            self.backoff.failed()  # a crash loop: back off, and open the breaker if it goes on
            state = "broken" if self.backoff.breaker_open else "failed"
            self._set_state(state, self._backoff_note())
        else:
            self._set_state("stopped", "exited; restarts on next use")
        log.warning("server %s went away after %.1f s (%s)", self.name, uptime, self.reason)

    async def _connect(self, stack: AsyncExitStack, down: anyio.Event) -> set[ListKind]:
        """Open the connection, initialize and read every list, within the start-up timeout.

        Returns the kinds of list whose content differs from what was known before.
        """
        startup = self.config.startup_timeout
        config = self._resolved
        # Contexts that hold task groups are entered outside the deadline's cancel scope.
        if config.transport == "stdio":
            server_log = ServerLog(self.log_path)
            stack.callback(server_log.close)
            server_log.note(f"starting {self.name}")
            marker = f"{self.name}:{uuid.uuid4().hex}"
            channel = await stack.enter_async_context(
                StdioChannel.open(
                    config, server_log,
                    env=launch_env(config, self._launch, marker=marker, owner=self.owner),
                    cwd=launch_cwd(config, self._launch),
                    on_notification=self._on_server_notification,
                    on_request=self._on_server_request,
                )
            )  # fmt: skip
            self._channel = channel
            with anyio.fail_after(startup):
                init = await channel.initialize(startup, self._client_capabilities())
        else:
            errlog = stack.enter_context(self._open_log())
            remote, init = await SdkChannel.open(
                stack, config, errlog, startup,
                on_notification=self._on_server_notification,
                on_request=self._on_server_request,
                capabilities=self._client_capabilities(), secrets=self._secrets,
            )  # fmt: skip
            self._channel = remote
        self.pid = self._channel.pid
        self.capabilities = as_dict(init.get("capabilities"))
        self.server_info = as_dict(init.get("serverInfo"))
        if down.is_set():  # stopped while starting
            self._channel.close(self._stop_reason or "stopped by mcpod")
        with anyio.fail_after(startup):
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
        origin: Origin,
        on_progress: OnProgress | None = None,
    ) -> dict[str, Any]:
        """Forward one request; upstream errors come back as `RpcError` with their code.

        It counts as in flight from the start, a wait for the server to start included,
        so that routing among copies (`instances`) sees the calls already headed here.
        """
        session_id = origin.session_id
        if session_id != CONTROL_SESSION:
            self.served.add(session_id)
        self.active_sessions[session_id] += 1
        try:
            await self.ensure_started(origin)
            channel = self._channel
            if channel is None or channel.closed.is_set():
                raise self._unavailable(self.last_error or "not connected")
            if method == "tools/call":
                self.calls += 1
            self.last_used = time.monotonic()
            try:
                return await channel.request(
                    method, params, timeout_s=self.config.call_timeout, on_progress=on_progress
                )
            except RpcError:
                self.errors += 1
                raise
        finally:
            self.last_used = time.monotonic()
            self.active_sessions[session_id] -= 1
            if self.active_sessions[session_id] <= 0:
                del self.active_sessions[session_id]

    async def ping(self) -> bool:
        """A health check: does the server answer at all (an error answer counts)?"""
        channel = self._channel
        if self.state != "ready" or channel is None:
            return True  # nothing to check
        try:
            await channel.request("ping", None, timeout_s=PING_TIMEOUT_S)
        except RpcError as exc:
            lost = (ErrorCode.REQUEST_TIMEOUT, ErrorCode.CONNECTION_CLOSED)
            return exc.code not in lost and not channel.closed.is_set()
        return True

    async def _refresh(self, kinds: set[ListKind]) -> set[ListKind]:
        """Re-list `kinds` (all pages); return the kinds whose content changed."""
        channel = self._channel
        assert channel is not None
        changed: set[ListKind] = set()
        for kind in kinds:
            supported = LISTS[kind][0] in self.capabilities
            items = await list_all(channel, self.name, kind) if supported else []
            if items != self.lists[kind]:
                self.lists[kind] = items
                changed.add(kind)
        return changed

    async def _refresh_stale(self) -> None:
        """Re-read what notifications invalidated; bursts coalesce into one pass.

        Each pass starts after the notifications it serves arrived, so what it reads is
        never older than them; one arriving during a pass gets another pass.
        """
        try:
            while self._stale and self._connected:
                kinds, self._stale = self._stale, set()
                changed = await self._refresh(kinds)
                if changed and self.state == "ready":
                    await self._hooks.lists_changed(self, changed)
        except Exception as exc:
            log.info("server %s: re-reading its lists failed: %s", self.name, describe(exc))
        finally:
            self._refreshing = False

    async def _on_server_notification(self, method: str, params: dict[str, Any]) -> None:
        if method in CHANGED_BY:
            self._stale |= CHANGED_BY[method]
            if not self._refreshing and self._connected:
                self._refreshing = True
                self._tg.start_soon(self._refresh_stale)
            return
        await self._hooks.notification(self, method, params)

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        """A notification to the server, if it is connected."""
        channel = self._channel
        if self.state == "ready" and channel is not None:
            await channel.notify(method, params)

    # -- the server's own requests -----------------------------------------------------

    async def _on_server_request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Sampling, elicitation, roots: answered by the one session the request is for."""
        if self.learns_only:
            raise RpcError(
                f"this instance of {self.name!r} only learns its tools; each "
                f"{self.config.scope} gets its own instance, which can ask its client",
                code=ErrorCode.METHOD_NOT_FOUND,
            )
        session_id = self._requester()
        if session_id is None:
            busy = len(self.active_sessions)
            why = "no call is in flight on it" if not busy else f"{busy} sessions have calls on it"
            message = (
                f"mcpod cannot tell which client session this {method} request from MCP "
                f"server {self.name!r} is for: the server is shared and {why}. Give it "
                f'"scope": "session" in the mcpod config so that each session has its own.'
            )
            log.warning("%s", message)
            raise RpcError(message, code=ErrorCode.AMBIGUOUS_SESSION)
        return await self._hooks.client_request(self, session_id, method, params)

    def _requester(self) -> str | None:
        """The session a server's request must be for, if exactly one can be.

        A session's own instance: that session. Otherwise the one session with calls in
        flight on it, or the only session a project's instance serves.
        """
        if self.origin is not None and self.config.scope == "session":
            return self.origin.session_id
        if len(self.active_sessions) == 1:
            return next(iter(self.active_sessions))
        if not self.active_sessions and self.config.scope == "project" and len(self.served) == 1:
            return next(iter(self.served))
        return None

    @property
    def learns_only(self) -> bool:
        """The shared instance of a session- or project-scoped server: it lists, no more."""
        return not self.key and self.config.scope != "global"

    def _client_capabilities(self) -> dict[str, Any]:
        """What this start offers the server: its session's capabilities (a session's
        instance), else those of every session connected now and the one starting it.

        An instance that only learns the tools offers all: its lists stand for what any
        client's instance may list (some servers list more for more capable clients).
        """
        if self.learns_only:
            return merged_capabilities([{key: {} for key in FORWARDED_CAPABILITIES}])
        launch = self._launch
        if self.config.scope == "session" and launch is not None:
            return merged_capabilities([launch.capabilities])
        sessions = self._hooks.session_capabilities()
        return merged_capabilities([*sessions, launch.capabilities] if launch else sessions)

    # -- reporting ---------------------------------------------------------------------

    def _backoff_note(self) -> str:
        retry = self.backoff.retry_at_wall()
        when = time.strftime("%H:%M:%S", time.localtime(retry)) if retry else "on next use"
        if self.backoff.breaker_open:
            return (
                f"circuit breaker open after {self.backoff.failures} failures in a row "
                f"(last: {self.last_error}); next try at {when}"
            )
        return f"failed ({self.last_error}); next try {'at ' if retry else ''}{when}"

    def _unavailable(self, reason: str) -> UpstreamUnavailable:
        return UpstreamUnavailable(
            f"MCP server {self.name!r} is not available: {reason}. Its log: {self.log_path}"
        )

    def shown_state(self) -> tuple[str, str | None]:
        """The state and reason to show: a stopped server that cannot start for want of a
        secret says so before anyone tries it (read afresh: `mcpod secret set` clears it)."""
        if self.state not in ("stopped", "needs-secret"):
            return self.state, self.reason
        if self.config.needs:
            return "needs-secret", self.config.needs
        try:
            resolve(self.config, self._secrets, os.environ)
        except MissingSecrets as exc:
            if exc.secrets:  # a variable may yet come from the session that starts it
                return "needs-secret", exc.message
        except ConfigError:
            pass
        if self.state == "needs-secret":
            return "stopped", "its secrets are set now; starts on next use"
        return self.state, self.reason

    def status(self) -> ServerStatus:
        state, reason = self.shown_state()
        return ServerStatus(
            name=self.name,
            transport=self.config.transport,
            state=state,
            pid=self.pid,
            calls=self.calls,
            errors=self.errors,
            starts=self.starts,
            tools=len(self.lists["tools"]) if self.state == "ready" else None,
            started_at=self.started_at,
            last_error=self.last_error,
            log=str(self.log_path),
            reason=reason,
            state_since=self.state_since,
            failures=self.backoff.failures,
            retry_at=self.backoff.retry_at_wall() if self.state in ("failed", "broken") else None,
            inflight=self.inflight,
            scope=self.config.scope,
            instance=self.key or None,
            sessions=sorted(self.served),
        )


def describe(exc: BaseException) -> str:
    """One line for an exception (credentials in URLs masked), unwrapping task groups'."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    if isinstance(exc, MCPError):
        return redact(f"MCP error {exc.error.code}: {exc.error.message}")
    if isinstance(exc, TimeoutError):
        return "timed out while starting"
    text = str(exc) or type(exc).__name__
    return redact(f"{type(exc).__name__}: {text}" if str(exc) else text)
