"""One client session: the MCP server side that a shim connection sees.

Only the JSON-RPC envelope is decoded on the hot path; each request runs in its own task
under a cancel scope keyed by the client's id, so `notifications/cancelled` stops exactly
that request (and the upstream hears of it through the SDK dispatcher). The era is set
by the first request: `initialize` means the handshake era, a request carrying
`_meta["io.modelcontextprotocol/protocolVersion"]` means 2026-07-28.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import anyio.abc
import msgspec
import orjson

from mcpod.daemon.exposure import Surface
from mcpod.daemon.server import eras
from mcpod.protocol import MAX_LINE_BYTES, ErrorCode, LineSplitter, McpodError, Oversized
from mcpod.protocol.control import SessionStatus
from mcpod.protocol.wire import Envelope, Hello, envelope_decoder

log = logging.getLogger(__name__)

DRAIN_TIMEOUT_S = 5.0
MAX_SHOWN_TEXT = 200  # a client's own strings in `mcpod status`: clientInfo can be anything

Handler = Callable[["Session", str, dict[str, Any], Any], Awaitable[dict[str, Any]]]


class Session:
    def __init__(
        self,
        session_id: str,
        stream: anyio.abc.ByteStream,
        handle_request: Handler,
        *,
        peer_pid: int | None,
        hello: Hello,
    ) -> None:
        self.id = session_id
        self._stream = stream
        self._handle_request = handle_request
        self.peer_pid = peer_pid
        self.hello = hello
        self.era: str | None = None  # None until the first request: "legacy" | "modern"
        self.protocol_version: str | None = None
        self.client_info: dict[str, Any] = {}
        self.started_at = time.time()
        # List kinds served, so list_changed goes only where it means something.
        self.listed: set[str] = set()
        self.surface = Surface(mode="all", allowed=frozenset())  # set at the first request
        self.listens: dict[Any, dict[str, Any]] = {}  # modern subscriptions/listen id -> filter
        self.resource_subscriptions: set[str] = set()
        self.log_level: str | None = None
        self.requests = 0
        self._inflight: dict[Any, anyio.CancelScope] = {}
        self._idle = anyio.Event()
        self._idle.set()
        self._write_lock = anyio.Lock()
        self._closed = False

    @property
    def client_name(self) -> str | None:
        name = self.client_info.get("name")
        return name if isinstance(name, str) else None

    # -- reading -----------------------------------------------------------------------

    async def run(self, initial: bytes) -> None:
        """Serve until the client closes its side, then let in-flight requests finish."""
        splitter = LineSplitter(MAX_LINE_BYTES)
        async with anyio.create_task_group() as tg:
            try:
                await self._feed(tg, splitter, initial)
                while True:
                    await self._feed(tg, splitter, await self._stream.receive(1 << 16))
            except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
                pass
            except OSError as exc:
                log.debug("session %s: %s", self.id, exc)
            self.end_listens()
            with anyio.move_on_after(DRAIN_TIMEOUT_S):
                await self._idle.wait()
            tg.cancel_scope.cancel()
        self._closed = True

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
            await self._on_line(tg, line)

    async def _on_line(self, tg: anyio.abc.TaskGroup, line: bytes) -> None:
        try:
            envelope = envelope_decoder.decode(line)
            params = _params(envelope)
        except (msgspec.ValidationError, TypeError) as exc:  # before DecodeError: a subclass
            request_id = _safe_id(line)
            await self.send_error(request_id, ErrorCode.INVALID_REQUEST, f"Invalid request: {exc}")
            return
        except msgspec.DecodeError as exc:
            await self.send_error(None, ErrorCode.PARSE_ERROR, f"Parse error: {exc}")
            return
        method = envelope.method
        if method is msgspec.UNSET:
            return  # a response: mcpod sends no requests to clients yet
        if envelope.id is msgspec.UNSET:
            self._on_notification(method, params)
            return
        request_id = envelope.id
        key = _key(request_id)
        if key in self._inflight:
            await self.send_error(
                request_id,
                ErrorCode.INVALID_REQUEST,
                f"request id {request_id!r} is already in flight",
            )
            return
        scope = anyio.CancelScope()
        self._inflight[key] = scope
        self._idle = anyio.Event()
        self.requests += 1
        tg.start_soon(self._serve, request_id, method, params, scope)

    def _on_notification(self, method: str, params: dict[str, Any]) -> None:
        if method == "notifications/cancelled":
            # Forgotten at once, not when the task unwinds: the client may reuse the id next.
            scope = self._inflight.pop(_key(params.get("requestId")), None)
            if scope is not None:
                scope.cancel()
                self._set_idle_if_done()
        # notifications/initialized and roots changes need no action from a shared daemon

    async def _serve(
        self, request_id: Any, method: str, params: dict[str, Any], scope: anyio.CancelScope
    ) -> None:
        try:
            with scope:
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
            key = _key(request_id)
            if self._inflight.get(key) is scope:
                del self._inflight[key]
            self._set_idle_if_done()

    def _set_idle_if_done(self) -> None:
        if not self._inflight:
            self._idle.set()

    # -- writing -----------------------------------------------------------------------

    async def send(self, message: dict[str, Any]) -> None:
        if self._closed:
            return
        data = orjson.dumps(message, option=orjson.OPT_APPEND_NEWLINE)
        try:
            async with self._write_lock:
                await self._stream.send(data)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            self._closed = True

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
            scope = self._inflight.get(_key(listen_id))
            if scope is not None:
                scope.cancel()

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
            started_at=self.started_at,
        )


def _shown(value: Any) -> str | None:
    """A peer's string as status shows it: text, bounded; anything else becomes None."""
    if not isinstance(value, str):
        return None
    return value if len(value) <= MAX_SHOWN_TEXT else value[: MAX_SHOWN_TEXT - 1] + "…"


def _params(envelope: Envelope) -> dict[str, Any]:
    if envelope.params is msgspec.UNSET:
        return {}
    params = _decode_params(envelope.params)
    if not isinstance(params, dict):
        raise TypeError("params must be an object")
    return params


_decode_params = msgspec.json.Decoder().decode


def _key(request_id: Any) -> Any:
    # JSON-RPC ids 1 and "1" are distinct; bool is not a valid id but must not alias 1.
    return (type(request_id).__name__, request_id)


def _safe_id(line: bytes) -> Any:
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    request_id = value.get("id") if isinstance(value, dict) else None
    return request_id if isinstance(request_id, int | str) else None
