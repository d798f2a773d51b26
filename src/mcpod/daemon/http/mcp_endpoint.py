"""Streamable HTTP (MCP 2025-03-26 .. 2025-11-25, and 2026-07-28) at `/mcp` and
`/mcp/{server}`, on top of the `McpFront`'s channels.

POST carries one JSON-RPC message. A request is answered with `application/json` when
its answer is all there is, or else (progress, log messages, a request to the client, a
2026-07-28 subscription) with `text/event-stream`; notifications and answers from the
client get 202. GET opens the session's stream for what belongs to no request; DELETE
ends the session. `initialize` opens a session (`Mcp-Session-Id` in the answer); a
2026-07-28 request needs none. Closing a 2026-07-28 response stream cancels its request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import anyio
import orjson
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from mcpod.daemon.http.channel import Channel, Exchange, error_message
from mcpod.daemon.http.front import Endpoint, McpFront
from mcpod.daemon.server.eras import HANDSHAKE_VERSIONS, META_VERSION, MODERN_VERSION, as_dict
from mcpod.protocol import MAX_LINE_BYTES, ErrorCode, McpodError

log = logging.getLogger(__name__)

SESSION_HEADER = "mcp-session-id"
VERSION_HEADER = "mcp-protocol-version"
PING_EVERY_S = 15.0  # an SSE comment, so proxies and clients see a live stream
SSE_AFTER_S = 5.0  # an answer not in by then is streamed (pings keep it alive)
KNOWN_VERSIONS = frozenset({*HANDSHAKE_VERSIONS, MODERN_VERSION})
CLIENT_ARGS = ("mode", "profile")
Headers = list[tuple[bytes, bytes]]


class HttpError(Exception):
    def __init__(self, status: int, message: str, code: int = ErrorCode.INVALID_REQUEST) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


class McpEndpoint:
    """The ASGI app of `/mcp` and `/mcp/{server}`."""

    def __init__(
        self, front: McpFront, known_server: Callable[[str], bool], stopping: Callable[[], bool]
    ) -> None:
        self._front = front
        self._known_server = known_server
        self._stopping = stopping

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            endpoint = self._endpoint(request)
            if request.method == "POST":
                await self._post(request, endpoint, send)
            elif request.method == "GET":
                await self._get(request, endpoint, send)
            elif request.method == "DELETE":
                await self._delete(request, endpoint, send)
            else:
                raise HttpError(405, f"Method Not Allowed: {request.method}")
        except HttpError as exc:
            extra = [(b"allow", b"GET, POST, DELETE")] if exc.status == 405 else []
            await _json(send, exc.status, error_message(None, exc.code, exc.message), extra)

    def _endpoint(self, request: Request) -> Endpoint:
        server = request.path_params.get("server")
        if server is not None:
            if not self._known_server(server):
                raise HttpError(404, f"Not Found: no enabled server named {server!r}")
            return Endpoint(server=server)
        args = {k: request.query_params[k] for k in CLIENT_ARGS if k in request.query_params}
        return Endpoint(client_args=args)

    # -- POST ----------------------------------------------------------------------------

    async def _post(self, request: Request, endpoint: Endpoint, send: Send) -> None:
        accept = request.headers.get("accept", "*/*")
        wants_sse = "text/event-stream" in accept or "*/*" in accept
        if not wants_sse and "application/json" not in accept:
            raise HttpError(406, "Not Acceptable: accept application/json or text/event-stream")
        if "application/json" not in request.headers.get("content-type", ""):
            raise HttpError(415, "Unsupported Media Type: POST a JSON-RPC message as JSON")
        version = request.headers.get(VERSION_HEADER)
        if version is not None and version not in KNOWN_VERSIONS:
            raise HttpError(400, f"Bad Request: unsupported MCP-Protocol-Version {version!r}")
        message = _parse(await _body(request))
        channel, opened = self._channel(request, endpoint, message)
        headers: Headers = [(SESSION_HEADER.encode(), channel.key.encode())] if opened else []
        if "method" not in message or "id" not in message:  # a notification, or an answer
            try:
                await channel.deliver(message)
            except anyio.ClosedResourceError:
                raise HttpError(404, "Not Found: the session has ended") from None
            await _empty(send, 202)
            return
        try:
            exchange = await channel.request(message)
        except anyio.ClosedResourceError:
            raise HttpError(404, "Not Found: the session has ended") from None
        await _Answer(channel, exchange, send, request.receive, wants_sse, headers).run()

    def _channel(
        self, request: Request, endpoint: Endpoint, message: dict[str, Any]
    ) -> tuple[Channel, bool]:
        key = request.headers.get(SESSION_HEADER)
        if key:
            channel = self._front.get(key, endpoint)
            if channel is None:
                raise HttpError(404, "Not Found: no such session (it ended, or never began)")
            return channel, False
        if self._stopping():
            raise HttpError(503, "Service Unavailable: the daemon is shutting down; retry")
        method = message.get("method")
        meta = as_dict(as_dict(message.get("params")).get("_meta"))
        try:
            if method == "initialize" and "id" in message:
                return self._front.open(endpoint), True
            if META_VERSION in meta or request.headers.get(VERSION_HEADER) == MODERN_VERSION:
                return self._front.shared(endpoint), False
        except McpodError as exc:
            raise HttpError(503, exc.message, exc.code) from None
        raise HttpError(400, "Bad Request: no Mcp-Session-Id (send initialize first)")

    # -- GET and DELETE ------------------------------------------------------------------

    async def _get(self, request: Request, endpoint: Endpoint, send: Send) -> None:
        if "text/event-stream" not in request.headers.get("accept", ""):
            raise HttpError(406, "Not Acceptable: the GET stream is text/event-stream")
        channel = self._session(request, endpoint)
        stream = channel.open_stream()
        if stream is None:
            raise HttpError(409, "Conflict: this session's GET stream is already open")
        try:
            await _Answer(channel, stream, send, request.receive, True, []).run_stream()
        finally:
            channel.close_stream(stream)

    async def _delete(self, request: Request, endpoint: Endpoint, send: Send) -> None:
        channel = self._session(request, endpoint)
        await channel.close()
        await _empty(send, 200)

    def _session(self, request: Request, endpoint: Endpoint) -> Channel:
        key = request.headers.get(SESSION_HEADER)
        if not key:
            raise HttpError(400, "Bad Request: no Mcp-Session-Id")
        channel = self._front.get(key, endpoint)
        if channel is None:
            raise HttpError(404, "Not Found: no such session (it ended, or never began)")
        return channel


class _Answer:
    """Writes one exchange as JSON or as an event stream; a disconnect ends it."""

    def __init__(
        self,
        channel: Channel,
        exchange: Exchange,
        send: Send,
        receive: Receive,
        sse: bool,
        headers: Headers,
    ) -> None:
        self._channel = channel
        self._exchange = exchange
        self._send = send
        self._receive = receive
        self._sse = sse
        self._headers = headers
        self._answered = False

    async def run(self) -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._watch_disconnect, tg.cancel_scope)
            try:
                await self._respond()
            finally:
                tg.cancel_scope.cancel()
        if not self._answered:  # the client went away first
            if self._channel.session.era == "modern":
                await self._channel.abandon(self._exchange)
            self._exchange.end()

    async def _respond(self) -> None:
        if not self._sse:
            while (message := await self._exchange.next()) is not None:
                if "method" not in message:
                    self._answered = True
                    await _json(self._send, 200, message, self._headers)
                    return
            await _json(self._send, 500, self._ended(), self._headers)
            return
        first = None
        with anyio.move_on_after(SSE_AFTER_S) as waited:
            first = await self._exchange.next()
        if waited.cancelled_caught or (first is not None and "method" in first):
            await self.stream(first)
            return
        self._answered = True
        if first is None:
            await _json(self._send, 500, self._ended(), self._headers)
        else:
            await _json(self._send, 200, first, self._headers)

    def _ended(self) -> dict[str, Any]:
        return error_message(self._exchange.original_id, ErrorCode.CONNECTION_CLOSED,
                             "the session ended before answering")  # fmt: skip

    async def stream(self, first: dict[str, Any] | None) -> None:
        """An event stream of the exchange, from `first`, until it ends or the client goes."""
        headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache"),
                   (b"x-accel-buffering", b"no"), *self._headers]  # fmt: skip
        await self._send({"type": "http.response.start", "status": 200, "headers": headers})
        message = first
        try:
            while True:
                if message is not None:
                    await self._chunk(b"event: message\ndata: " + orjson.dumps(message) + b"\n\n")
                    if "method" not in message:
                        self._answered = True
                message = None
                with anyio.move_on_after(PING_EVERY_S):
                    message = await self._exchange.next()
                    if message is None:
                        return
                if message is None:
                    await self._chunk(b": ping\n\n")
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(1), suppress(Exception):
                await self._send({"type": "http.response.body", "body": b"", "more_body": False})

    async def run_stream(self) -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._watch_disconnect, tg.cancel_scope)
            try:
                await self.stream(None)
            finally:
                tg.cancel_scope.cancel()

    async def _chunk(self, data: bytes) -> None:
        await self._send({"type": "http.response.body", "body": data, "more_body": True})

    async def _watch_disconnect(self, scope: anyio.CancelScope) -> None:
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                scope.cancel()
                return


async def _body(request: Request) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_LINE_BYTES:
            raise HttpError(413, f"Payload Too Large: over mcpod's limit of {MAX_LINE_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(body: bytes) -> dict[str, Any]:
    try:
        message = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise HttpError(400, f"Parse error: {exc}", ErrorCode.PARSE_ERROR) from None
    if isinstance(message, list):
        raise HttpError(400, "Invalid Request: JSON-RPC batches are not supported")
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        raise HttpError(400, "Invalid Request: not a JSON-RPC 2.0 message")
    request_id = message.get("id")
    bad_id = isinstance(request_id, bool) or not isinstance(request_id, int | str)
    if "id" in message and "method" in message and bad_id:
        raise HttpError(400, "Invalid Request: id must be a string or an integer")
    if "method" in message and not isinstance(message["method"], str):
        raise HttpError(400, "Invalid Request: method must be a string")
    return message


async def _json(send: Send, status: int, body: dict[str, Any], headers: Headers) -> None:
    data = orjson.dumps(body)
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
        *headers]})  # fmt: skip
    await send({"type": "http.response.body", "body": data})


async def _empty(send: Send, status: int) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-length", b"0")]})  # fmt: skip
    await send({"type": "http.response.body", "body": b""})
