"""One client session: the MCP server side that a shim connection sees.

Each request runs in its own task under a cancel scope keyed by the client's id, so
`notifications/cancelled` stops exactly that request (and the upstream hears of it).
Output goes through the session's `Outbox`, so no writer ever waits on this client.
Bounds: `MAX_INFLIGHT` requests at once (more get an error, not a task), the outbox's
byte and time limits, and a client that hangs up has its requests cancelled at once.

The other way, an upstream's sampling, elicitation and roots requests reach the client
through `forward_server_request` (see `asks`), if the client declared the capability.
"""

from __future__ import annotations

import logging
import select
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote, urlsplit

import anyio
import anyio.abc
import orjson

from mcpod.daemon.exposure import Surface
from mcpod.daemon.server import eras
from mcpod.daemon.server.asks import ClientAsks
from mcpod.daemon.server.messages import BadMessage, Incoming, id_key, read_message
from mcpod.daemon.server.outbox import Outbox
from mcpod.daemon.upstream.channel import CANCEL_NOTE, CancelNote
from mcpod.daemon.upstream.scopes import FORWARDED_CAPABILITIES, NEEDS_CAPABILITY, Origin
from mcpod.protocol import MAX_LINE_BYTES, ErrorCode, LineSplitter, McpodError, Oversized, RpcError
from mcpod.protocol.control import SessionStatus
from mcpod.protocol.mcp import is_request_id
from mcpod.protocol.wire import Hello

log = logging.getLogger(__name__)

DRAIN_TIMEOUT_S = 5.0
HANGUP_POLL_S = 0.05
MAX_INFLIGHT = 128
MAX_REASON_CHARS = 500
MAX_SHOWN_TEXT = 200  # a client's own strings in `mcpod status`: clientInfo can be anything
ROOTS_TIMEOUT_S = 5.0  # mcpod's own roots/list, to find a session's project

Handler = Callable[["Session", str, dict[str, Any], Any], Awaitable[dict[str, Any]]]
OnRootsChanged = Callable[["Session"], Awaitable[None]]


class Session:
    def __init__(
        self,
        session_id: str,
        stream: anyio.abc.ByteStream,
        handle_request: Handler,
        *,
        peer_pid: int | None,
        hello: Hello,
        on_roots_changed: OnRootsChanged | None = None,
    ) -> None:
        self.id = session_id
        self._stream = stream
        self._handle_request = handle_request
        self._on_roots_changed = on_roots_changed
        self.peer_pid = peer_pid
        self.hello = hello
        self.era: str | None = None  # None until the first request: "legacy" | "modern"
        self.protocol_version: str | None = None
        self.client_info: dict[str, Any] = {}
        self.client_capabilities: dict[str, Any] = {}  # the forwardable ones it declared
        self._project: str | None = None  # found at first need (see `project_dir`)
        self.started_at = time.time()
        # List kinds served, so list_changed goes only where it means something.
        self.listed: set[str] = set()
        self.surface = Surface(mode="all", allowed=frozenset())  # set at the first request
        self.listens: dict[Any, dict[str, Any]] = {}  # modern subscriptions/listen id -> filter
        self.resource_subscriptions: set[str] = set()
        self.log_level: str | None = None
        self.requests = 0
        self._inflight: dict[Any, _Request] = {}  # by id_key
        self._idle = anyio.Event()
        self._idle.set()
        self._reading = anyio.CancelScope()
        self._outbox = Outbox(stream, self._on_output_failure)
        self._asks = ClientAsks(self.send)

    @property
    def client_name(self) -> str | None:
        name = self.client_info.get("name")
        return name if isinstance(name, str) else None

    # -- life --------------------------------------------------------------------------

    async def run(self, initial: bytes) -> None:
        """Serve until the client closes its side, then let in-flight requests finish."""
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._outbox.run)
            await self._read(tg, initial)
            self._asks.end(f"client session {self.id} ended")
            self.end_listens()
            await self._drain()
            with anyio.move_on_after(DRAIN_TIMEOUT_S):
                await self._outbox.flush()
            tg.cancel_scope.cancel()

    async def _read(self, tg: anyio.abc.TaskGroup, initial: bytes) -> None:
        splitter = LineSplitter(MAX_LINE_BYTES)
        with self._reading:
            try:
                await self._feed(tg, splitter, initial)
                while True:
                    await self._feed(tg, splitter, await self._stream.receive(1 << 16))
            except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
                pass
            except OSError as exc:
                log.debug("session %s: %s", self.id, exc)

    async def _drain(self) -> None:
        """Let in-flight requests finish (bounded), unless nobody is left to answer."""
        with anyio.move_on_after(DRAIN_TIMEOUT_S):
            while self._inflight and not self._gone():
                with anyio.move_on_after(HANGUP_POLL_S):
                    await self._idle.wait()
        if self._inflight:
            self.cancel_all()

    def _gone(self) -> bool:
        """The client hung up completely (not a half-close: it may still read answers)."""
        if self._outbox.failed is not None:
            return True
        sock = self._stream.extra(anyio.abc.SocketAttribute.raw_socket, None)
        if not isinstance(sock, socket.socket):
            return False
        poller = select.poll()
        poller.register(sock.fileno(), select.POLLHUP)
        return any(events & (select.POLLHUP | select.POLLERR) for _, events in poller.poll(0))

    def cancel_all(self) -> None:
        for running in self._inflight.values():
            running.scope.cancel()

    def _on_output_failure(self, reason: str) -> None:
        log.warning("session %s (pid %s) disconnected: %s", self.id, self.peer_pid, reason)
        self._reading.cancel()
        self.cancel_all()

    # -- reading -----------------------------------------------------------------------

    async def _feed(self, tg: anyio.abc.TaskGroup, splitter: LineSplitter, data: bytes) -> None:
        for line in splitter.feed(data):
            if isinstance(line, Oversized):
                await self.send_error(
                    None,
                    ErrorCode.MESSAGE_TOO_LARGE,
                    f"message of {line.size} bytes exceeds mcpod's limit of {MAX_LINE_BYTES} "
                    "bytes and was dropped",
                )
                continue
            try:
                message = read_message(line)
            except BadMessage as bad:
                await self.send_error(bad.request_id, bad.code, bad.message)
                continue
            await self._on_message(tg, message)

    async def _on_message(self, tg: anyio.abc.TaskGroup, message: Incoming) -> None:
        if message.method is None:
            if not self._asks.answered(message.request_id, message.result, message.error):
                log.debug("session %s: an answer to no request of ours ignored", self.id)
            return
        if message.is_notification:
            self._on_notification(tg, message.method, message.params)
            return
        request_id = message.request_id
        key = id_key(request_id)
        if key in self._inflight:
            await self.send_error(
                request_id,
                ErrorCode.INVALID_REQUEST,
                f"request id {request_id!r} is already in flight",
            )
            return
        if len(self._inflight) >= MAX_INFLIGHT:
            await self.send_error(
                request_id,
                ErrorCode.OVERLOADED,
                f"this session already has {MAX_INFLIGHT} requests in flight (mcpod's limit); "
                "wait for answers before sending more",
            )
            return
        self._inflight[key] = running = _Request()
        self._idle = anyio.Event()
        self.requests += 1
        tg.start_soon(self._serve, request_id, message.method, message.params, running)

    def _on_notification(
        self, tg: anyio.abc.TaskGroup, method: str, params: dict[str, Any]
    ) -> None:
        if method == "notifications/cancelled":
            request_id = params.get("requestId")
            if not is_request_id(request_id):
                log.debug("session %s: cancellation with a bad requestId ignored", self.id)
                return
            # Forgotten at once, not when the task unwinds: the client may reuse the id next.
            running = self._inflight.pop(id_key(request_id), None)
            if running is not None:
                reason = params.get("reason")
                if isinstance(reason, str):
                    running.note.reason = reason[:MAX_REASON_CHARS]  # goes on to the server
                running.scope.cancel()
                self._set_idle_if_done()
        elif method == "notifications/roots/list_changed":
            tg.start_soon(self._roots_changed)
        # notifications/initialized needs no action from a shared daemon

    async def _serve(
        self,
        request_id: Any,
        method: str,
        params: dict[str, Any],
        running: _Request,
    ) -> None:
        # This task's own context: where the upstream looks for the client's cancel reason.
        CANCEL_NOTE.set(running.note)
        try:
            with running.scope:
                result = await self._handle_request(self, method, params, request_id)
                await self.send_result(request_id, eras.finish(self.era, method, result))
            # A cancelled request gets no answer (the spec's SHOULD NOT respond).
        except McpodError as exc:
            await self.send_error(request_id, exc.code, exc.message, exc.data)
        except Exception as exc:
            log.exception("session %s: %s failed", self.id, method)
            await self.send_error(
                request_id, ErrorCode.INTERNAL_ERROR, f"mcpod internal error in {method}: {exc}"
            )
        finally:
            key = id_key(request_id)
            if self._inflight.get(key) is running:
                del self._inflight[key]
            self._set_idle_if_done()

    async def _roots_changed(self) -> None:
        if self._on_roots_changed is not None:
            try:
                await self._on_roots_changed(self)
            except Exception:  # the news is lost, never the session
                log.exception("session %s: passing on its roots change failed", self.id)

    def _set_idle_if_done(self) -> None:
        if not self._inflight:
            self._idle.set()

    # -- writing -----------------------------------------------------------------------

    async def send(self, message: dict[str, Any]) -> None:
        """Queue one message (never waits on the client)."""
        try:
            data = orjson.dumps(message, option=orjson.OPT_APPEND_NEWLINE)
        except (orjson.JSONEncodeError, RecursionError) as exc:
            data = _unencodable(message, exc)
        if data:
            self._outbox.put(data)

    async def send_result(self, request_id: Any, result: dict[str, Any]) -> None:
        await self.send({"jsonrpc": "2.0", "id": request_id, "result": result})

    async def send_error(self, request_id: Any, code: int, message: str, data: Any = None) -> None:
        error: dict[str, Any] = {"code": int(code), "message": message}
        if data is not None:
            error["data"] = data
        await self.send({"jsonrpc": "2.0", "id": request_id, "error": error})

    async def send_notification(self, method: str, params: dict[str, Any] | None = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        await self.send(message)

    # -- requests to the client ----------------------------------------------------------

    def origin(self, project: str | None = None) -> Origin:
        """This session as the servers it uses see it."""
        return Origin(
            session_id=self.id,
            cwd=self.hello.cwd,
            env=self.hello.env,
            capabilities=self.client_capabilities,
            project=project,
        )

    def note_capabilities(self, declared: Any) -> None:
        """From `initialize`: the client capabilities mcpod can forward to upstreams."""
        if isinstance(declared, dict):
            self.client_capabilities = {
                k: v for k, v in declared.items() if k in FORWARDED_CAPABILITIES
                and isinstance(v, dict)
            }  # fmt: skip

    async def forward_server_request(
        self, server: str, method: str, params: dict[str, Any], *, timeout_s: float
    ) -> dict[str, Any]:
        """An upstream's request (sampling, elicitation, roots) put to this client."""
        needed = NEEDS_CAPABILITY.get(method)
        if needed is None:
            raise RpcError(f"mcpod does not forward {method} to clients",
                           code=ErrorCode.METHOD_NOT_FOUND)  # fmt: skip
        client = _shown(self.client_name) or "the client"
        if self.era == "modern":
            raise RpcError(
                f"{client} (session {self.id}) speaks MCP {eras.MODERN_VERSION}, which has no "
                f"requests from servers to clients, so it cannot answer {method} from {server!r}",
                code=ErrorCode.METHOD_NOT_FOUND,
            )
        if needed not in self.client_capabilities:
            raise RpcError(
                f"{client} (session {self.id}) did not declare the {needed!r} capability, "
                f"so it cannot answer {method} from {server!r}",
                code=ErrorCode.METHOD_NOT_FOUND,
            )
        return await self._asks.ask(method, params, timeout_s=timeout_s)

    async def project_dir(self) -> str | None:
        """The session's project: its client's first `file://` root, else its cwd.

        Found once, at first need, and kept for the session (an instance of a
        project-scoped server stays its instance).
        """
        if self._project is None:
            self._project = await self._first_root() or self.hello.cwd or "/"
        return self._project

    async def _first_root(self) -> str | None:
        if "roots" not in self.client_capabilities:
            return None
        try:
            result = await self._asks.ask("roots/list", None, timeout_s=ROOTS_TIMEOUT_S)
        except McpodError as exc:
            log.info("session %s: roots/list failed (%s); its cwd is its project", self.id,
                     exc.message)  # fmt: skip
            return None
        roots = result.get("roots")
        for root in roots if isinstance(roots, list) else ():
            uri = root.get("uri") if isinstance(root, dict) else None
            if isinstance(uri, str) and uri.startswith("file://"):
                return unquote(urlsplit(uri).path) or None
        return None

    # -- fan-out from upstreams ----------------------------------------------------------

    async def notify_list_changed(self, kind: str, *, force: bool = False) -> None:
        """Tell this session one of its lists changed, the way its era expects.

        Only after it has listed that kind, unless `force` (its own activation changed it).
        """
        if kind not in self.listed and not force:
            return
        method = f"notifications/{kind}/list_changed"
        if self.era == "legacy":
            await self.send_notification(method)
            return
        for listen_id, wanted in list(self.listens.items()):
            if wanted.get(f"{kind}ListChanged"):
                meta = {eras.META_SUBSCRIPTION: listen_id}
                await self.send_notification(method, {"_meta": meta})

    async def notify_resource_updated(self, params: dict[str, Any]) -> None:
        uri = params.get("uri")
        if self.era == "legacy":
            if uri in self.resource_subscriptions:
                await self.send_notification("notifications/resources/updated", params)
            return
        for listen_id, wanted in list(self.listens.items()):
            if uri in (wanted.get("resourceSubscriptions") or ()):
                meta = {eras.META_SUBSCRIPTION: listen_id}
                await self.send_notification(
                    "notifications/resources/updated", {**params, "_meta": meta}
                )

    async def wait_idle(self) -> None:
        """Until no request is in flight (call `end_listens` first: listens never finish)."""
        await self._idle.wait()

    def end_listens(self) -> None:
        """End the 2026-07-28 `subscriptions/listen` requests, which otherwise stay open."""
        for listen_id in list(self.listens):
            running = self._inflight.get(id_key(listen_id))
            if running is not None:
                running.scope.cancel()

    def describe(self) -> SessionStatus:
        surface = self.surface
        return SessionStatus(
            id=self.id,
            client=_shown(self.client_info.get("name")),
            client_version=_shown(self.client_info.get("version")),
            era=self.era,
            protocol_version=self.protocol_version,
            peer_pid=self.peer_pid,
            cwd=_shown(self.hello.cwd),
            requests=self.requests,
            mode=surface.mode,
            profile=surface.profile,
            active=sorted(surface.active),
            always_on=sorted(surface.always_on),
            inflight=len(self._inflight),
            queued_bytes=self._outbox.queued_bytes,
            started_at=self.started_at,
        )


class _Request:
    """A request in flight: the scope that cancels it, and why the client cancelled it."""

    __slots__ = ("note", "scope")

    def __init__(self) -> None:
        self.scope = anyio.CancelScope()
        self.note = CancelNote()


def _unencodable(message: dict[str, Any], exc: Exception) -> bytes:
    """An error in place of a message that cannot be encoded (e.g. nested too deeply)."""
    error = {
        "code": int(ErrorCode.INTERNAL_ERROR),
        "message": f"mcpod cannot forward this answer: {exc}",
    }
    request_id = message.get("id")
    if "id" not in message or "method" in message:  # a notification: nobody to tell
        log.warning("dropped an unencodable %s notification: %s", message.get("method"), exc)
        return b""
    return orjson.dumps(
        {"jsonrpc": "2.0", "id": request_id, "error": error}, option=orjson.OPT_APPEND_NEWLINE
    )


def _shown(value: Any) -> str | None:
    """A peer's string as status shows it: text, bounded; anything else becomes None."""
    if not isinstance(value, str):
        return None
    return value if len(value) <= MAX_SHOWN_TEXT else value[: MAX_SHOWN_TEXT - 1] + "…"
