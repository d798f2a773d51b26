"""One daemon `Session` behind HTTP: requests in by POST, each answer (and what belongs
with it) out to the HTTP exchange that asked.

Every request a client POSTs gets a channel-unique id (and progress token) on its way
into the session, so several HTTP clients can share one session (the 2026-07-28 era has
no session of its own) and ids never collide; answers get the client's id back. What
the session sends goes to:

1. an answer: the exchange of that request, which it ends;
2. a 2026-07-28 subscription frame (`_meta` subscriptionId) or progress: that exchange;
3. legacy list_changed and resources/updated: the GET stream;
4. anything else (log messages, requests to the client): the one request in flight if
   there is exactly one, else the GET stream, else the newest request.
With no exchange to take it, a message waits (bounded) for the next GET stream.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import anyio.abc
import orjson

from mcpod.daemon.http.streams import MemoryByteStream, stream_pair
from mcpod.daemon.server import Session
from mcpod.daemon.server.eras import META_SUBSCRIPTION, as_dict
from mcpod.daemon.server.messages import id_key
from mcpod.protocol import MAX_LINE_BYTES, ErrorCode, LineSplitter, Oversized

log = logging.getLogger(__name__)

# Session-wide news, which belongs on the GET stream (held for it until one is open).
NEWS = frozenset(
    {"notifications/tools/list_changed", "notifications/prompts/list_changed",
     "notifications/resources/list_changed", "notifications/resources/updated"}
)  # fmt: skip
MAX_QUEUED = 1000  # messages held for one exchange (or for a GET stream not open yet)

SessionFactory = Callable[[anyio.abc.ByteStream], Session]
OnEnd = Callable[[Session], Awaitable[None]]


class Exchange:
    """What one HTTP request (a POST'ed request, or the GET stream) will be sent."""

    def __init__(self, original_id: Any = None, token: Any = None) -> None:
        self.original_id = original_id
        self.token = token  # the client's progress token, if it gave one
        self._items: deque[dict[str, Any]] = deque()
        self._ready = anyio.Event()
        self.done = False  # its answer is in (or the channel ended)

    def put(self, message: dict[str, Any], *, final: bool = False) -> None:
        if self.done:
            return
        if len(self._items) >= MAX_QUEUED and not final:
            log.debug("an HTTP client is not reading: a %s was dropped", message.get("method"))
            return
        self._items.append(message)
        self.done = final
        self._ready.set()

    def end(self) -> None:
        self.done = True
        self._ready.set()

    async def next(self) -> dict[str, Any] | None:
        """The next message, or None once the answer has been taken (or it ended)."""
        while not self._items:
            if self.done:
                return None
            self._ready = anyio.Event()
            await self._ready.wait()
        return self._items.popleft()


class Channel:
    def __init__(self, key: str, make_session: SessionFactory, on_end: OnEnd) -> None:
        self.key = key  # the Mcp-Session-Id (or the shared key of a 2026-07-28 endpoint)
        session_side, self._http = stream_pair()
        self.session = make_session(session_side)
        self._on_end = on_end
        self._ids = itertools.count(1)
        self._pending: dict[int, Exchange] = {}  # by the id the session saw
        self._by_client_id: dict[tuple[str, Any], int] = {}  # for notifications/cancelled
        self._stream: Exchange | None = None  # the open GET stream
        self._backlog: deque[dict[str, Any]] = deque(maxlen=MAX_QUEUED)
        self.closed = False
        self.last_used = time.monotonic()

    # -- life ----------------------------------------------------------------------------

    async def run(self) -> None:
        """Serve the session until it ends, then end every exchange still waiting."""
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._route_output, self._http)
                try:
                    await self.session.run(b"")
                finally:
                    tg.cancel_scope.cancel()
        finally:
            self.closed = True
            for exchange in [*self._pending.values(), self._stream]:
                if exchange is not None:
                    exchange.end()
            self._pending.clear()
            with anyio.CancelScope(shield=True):
                await self._on_end(self.session)

    async def close(self) -> None:
        """The client ended the session: the session drains its requests, then ends."""
        if not self.closed:
            self.closed = True
            await self._http.send_eof()

    # -- into the session ----------------------------------------------------------------

    async def request(self, message: dict[str, Any]) -> Exchange:
        """Send one request; its exchange receives the answer and what belongs with it."""
        self.last_used = time.monotonic()
        internal = next(self._ids)
        params = message.get("params")
        meta = as_dict(params.get("_meta")) if isinstance(params, dict) else {}
        exchange = Exchange(message.get("id"), meta.get("progressToken"))
        forwarded = {**message, "id": internal}
        if exchange.token is not None and isinstance(params, dict):
            forwarded["params"] = {**params, "_meta": {**meta, "progressToken": internal}}
        self._pending[internal] = exchange
        self._by_client_id[id_key(exchange.original_id)] = internal
        await self._write(forwarded)
        return exchange

    async def deliver(self, message: dict[str, Any]) -> None:
        """A notification, or an answer to a request of the session's own."""
        self.last_used = time.monotonic()
        if message.get("method") == "notifications/cancelled":
            params = as_dict(message.get("params"))
            internal = self._by_client_id.get(id_key(params.get("requestId")))
            if internal is None:
                return  # not in flight (any more): nothing to cancel
            message = {**message, "params": {**params, "requestId": internal}}
        await self._write(message)

    async def abandon(self, exchange: Exchange) -> None:
        """The client went away before the answer (2026-07-28: that is its cancellation)."""
        for internal, pending in list(self._pending.items()):
            if pending is exchange:
                note = {"requestId": internal, "reason": "the HTTP client disconnected"}
                await self._write({"jsonrpc": "2.0", "method": "notifications/cancelled",
                                   "params": note})  # fmt: skip
                self._forget(internal)

    def open_stream(self) -> Exchange | None:
        """The GET stream (None while another one is open); it gets the backlog first."""
        if self._stream is not None and not self._stream.done:
            return None
        self.last_used = time.monotonic()
        self._stream = Exchange()
        while self._backlog:
            self._stream.put(self._backlog.popleft())
        return self._stream

    def close_stream(self, exchange: Exchange) -> None:
        if self._stream is exchange:
            exchange.end()
            self._stream = None

    @property
    def busy(self) -> bool:
        """Requests in flight or a GET stream open: not idle, whatever the clock says."""
        return bool(self._pending) or (self._stream is not None and not self._stream.done)

    async def _write(self, message: dict[str, Any]) -> None:
        if self.closed:
            raise anyio.ClosedResourceError
        await self._http.send(orjson.dumps(message, option=orjson.OPT_APPEND_NEWLINE))

    def _forget(self, internal: int) -> None:
        exchange = self._pending.pop(internal, None)
        if exchange is not None:
            key = id_key(exchange.original_id)
            if self._by_client_id.get(key) == internal:
                del self._by_client_id[key]

    # -- out of the session --------------------------------------------------------------

    async def _route_output(self, stream: MemoryByteStream) -> None:
        splitter = LineSplitter(MAX_LINE_BYTES)
        try:
            while True:
                for line in splitter.feed(await stream.receive(1 << 20)):
                    if isinstance(line, Oversized):
                        continue  # the session never writes one
                    message = orjson.loads(line)
                    if isinstance(message, dict):
                        self._route(message)
        except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
            pass

    def _route(self, message: dict[str, Any]) -> None:
        if "method" not in message:
            self._answer(message)
            return
        params = as_dict(message.get("params"))
        meta = as_dict(params.get("_meta"))
        target = self._pending.get(_as_int(meta.get(META_SUBSCRIPTION)))
        if target is not None:
            meta[META_SUBSCRIPTION] = target.original_id
            message = {**message, "params": {**params, "_meta": meta}}
        elif message["method"] == "notifications/progress":
            target = self._pending.get(_as_int(params.get("progressToken")))
            if target is None:
                return  # for a request that is over
            message = {**message, "params": {**params, "progressToken": target.token}}
        else:
            target = self._unrelated_target(message["method"])
        if target is None:
            self._backlog.append(message)
        else:
            target.put(message)

    def _answer(self, message: dict[str, Any]) -> None:
        internal = _as_int(message.get("id"))
        exchange = self._pending.get(internal)
        if exchange is None:
            if message.get("error") is not None and message.get("id") is None:
                code = as_dict(message.get("error")).get("code")
                log.debug("HTTP session %s: an error for no request (%s)", self.key, code)
            return
        self._forget(internal)
        exchange.put({**message, "id": exchange.original_id}, final=True)

    def _unrelated_target(self, method: str) -> Exchange | None:
        stream = self._stream if self._stream is not None and not self._stream.done else None
        if method in NEWS:
            return stream
        pending = list(self._pending.values())
        if len(pending) == 1:
            return pending[0]
        if stream is not None:
            return stream
        return pending[-1] if pending else None


def _as_int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def error_message(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": int(code), "message": message}}


__all__ = ["Channel", "ErrorCode", "Exchange", "error_message"]
