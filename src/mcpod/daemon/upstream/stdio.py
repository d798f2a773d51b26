"""mcpod's own connection to a stdio MCP server: the hot path, without the SDK.

Newline-delimited JSON-RPC over the child's stdin/stdout. Only the envelope of each line
is decoded; results go back to the caller as the server wrote them. Ids are mcpod's own
integers, and a caller's progress token is replaced by the request's id, so answers and
progress go back to exactly the caller. What the caller cannot get is answered at once,
never left to the call timeout: a connection that ends fails everything in flight, and an
answer that cannot be read or is not an object fails its request. stderr goes to the
server's rotated log; the child runs in its own process group, stopped as a whole.

Requests from the server (sampling, elicitation, roots) each run in a task of their own
(the reading goes on meanwhile), are answered with what `on_request` returns, and are
cancelled when the server cancels them; `ping` is answered at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.abc
import msgspec
import orjson

from mcpod import __version__
from mcpod.config import ServerConfig
from mcpod.daemon.upstream.channel import (
    OnProgress,
    OnServerNotification,
    OnServerRequest,
    cancel_reason,
)
from mcpod.daemon.upstream.serverlog import ServerLog
from mcpod.protocol import MAX_LINE_BYTES, ErrorCode, LineSplitter, Oversized, RpcError
from mcpod.protocol.mcp import HANDSHAKE_VERSIONS, LATEST_HANDSHAKE, id_key, is_request_id
from mcpod.protocol.redact import redact

log = logging.getLogger(__name__)

WRITE_TIMEOUT_S = 30.0  # a server that stops reading its stdin for this long is dropped
MAX_OUTGOING_BYTES = 16 << 20  # queued for a server's stdin before senders wait
EXIT_GRACE_S = 2.0  # after stdin closes, then after SIGTERM, before SIGKILL
MAX_SERVER_REQUESTS = 16  # the server's own requests in flight at once; more get an error
_LOOSE_ID = re.compile(rb'"id"\s*:\s*(-?\d+)')


class _Envelope(msgspec.Struct):
    id: int | str | msgspec.UnsetType | None = msgspec.UNSET
    method: str | msgspec.UnsetType = msgspec.UNSET
    params: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    result: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    error: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET


class _Error(msgspec.Struct):
    code: int = int(ErrorCode.INTERNAL_ERROR)
    message: str = "error"
    data: Any = None


_envelope = msgspec.json.Decoder(_Envelope)
_decode_object = msgspec.json.Decoder(dict[str, Any]).decode
_error = msgspec.json.Decoder(_Error)


class _Call:
    __slots__ = ("done", "error", "on_progress", "result")

    def __init__(self, on_progress: OnProgress | None) -> None:
        self.done = anyio.Event()
        self.on_progress = on_progress
        self.result: dict[str, Any] | None = None
        self.error: RpcError | None = None

    def settle(self, result: dict[str, Any] | None = None, error: RpcError | None = None) -> None:
        if not self.done.is_set():
            self.result, self.error = result, error
            self.done.set()


class StdioChannel:
    def __init__(
        self,
        name: str,
        process: anyio.abc.Process,
        on_notification: OnServerNotification,
        on_request: OnServerRequest,
        task_group: anyio.abc.TaskGroup,
    ) -> None:
        self.name = name
        self.pid: int | None = process.pid
        self.closed = anyio.Event()
        self._process = process
        self._on_notification = on_notification
        self._on_request = on_request
        self._tg = task_group
        self._calls: dict[int, _Call] = {}
        self._served: dict[tuple[str, Any], anyio.CancelScope] = {}  # the server's requests
        self._next_id = 0
        # Messages to the server's stdin, written by one task (`_writer`): a request only
        # queues its bytes, and under load one write carries many of them.
        self._outgoing: list[bytes] = []
        self._outgoing_bytes = 0
        self._wake_writer = anyio.Event()
        self._room = anyio.Event()  # set while the queue is under MAX_OUTGOING_BYTES
        self._room.set()
        self._why_closed = "the connection is closed"

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        config: ServerConfig,
        server_log: ServerLog,
        *,
        env: dict[str, str],
        cwd: str | None,
        on_notification: OnServerNotification,
        on_request: OnServerRequest,
    ) -> AsyncIterator[StdioChannel]:
        """Start the server; on exit stop it (stdin closed, then its whole process group)."""
        assert config.command is not None
        process = await anyio.open_process(
            [config.command, *config.args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=cwd, env=env, start_new_session=True,
        )  # fmt: skip
        try:
            async with anyio.create_task_group() as tg:
                channel = cls(config.name, process, on_notification, on_request, tg)
                tg.start_soon(channel._read)
                tg.start_soon(channel._writer)
                tg.start_soon(_copy_stderr, process, server_log)
                try:
                    yield channel
                finally:
                    channel.close("the connection was closed by mcpod")
                    with anyio.CancelScope(shield=True):
                        await _stop(process)
                    tg.cancel_scope.cancel()
        finally:
            with contextlib.suppress(ProcessLookupError):
                if process.returncode is None:
                    os.killpg(process.pid, signal.SIGKILL)

    # -- the handshake -------------------------------------------------------------------

    async def initialize(self, timeout_s: float, capabilities: dict[str, Any]) -> dict[str, Any]:
        """The handshake, offering the client `capabilities` mcpod can forward."""
        params = {
            "protocolVersion": LATEST_HANDSHAKE,
            "capabilities": capabilities,
            "clientInfo": {"name": "mcpod", "version": __version__},
        }
        result = await self.request("initialize", params, timeout_s=timeout_s)
        version = result.get("protocolVersion")
        if version not in HANDSHAKE_VERSIONS:
            raise RpcError(f"the server speaks protocol version {version!r}, which mcpod does not")
        await self._write({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return result

    # -- requests ------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        params: dict[str, Any] | None,
        *,
        timeout_s: float,
        on_progress: OnProgress | None = None,
    ) -> dict[str, Any]:
        if self.closed.is_set():
            raise self._gone()
        self._next_id += 1
        request_id = self._next_id
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if on_progress is not None:
            params = dict(params or {})
            params["_meta"] = {**(params.get("_meta") or {}), "progressToken": request_id}
        if params is not None:
            message["params"] = params
        call = self._calls[request_id] = _Call(on_progress)
        try:
            await self._write(message)
            with anyio.fail_after(timeout_s):
                await call.done.wait()
        except TimeoutError:
            await self._cancel(request_id, f"mcpod: no answer within {timeout_s:g} s")
            raise RpcError(
                f"MCP server {self.name!r} did not answer {method} within {timeout_s:g} s "
                "(its `timeout` in the config)",
                code=ErrorCode.REQUEST_TIMEOUT,
            ) from None
        except anyio.get_cancelled_exc_class():
            with anyio.CancelScope(shield=True):
                await self._cancel(request_id, cancel_reason("the client cancelled the request"))
            raise
        finally:
            self._calls.pop(request_id, None)
        if call.error is not None:
            raise call.error
        assert call.result is not None
        return call.result

    async def _cancel(self, request_id: int, reason: str) -> None:
        call = self._calls.get(request_id)
        if not self.closed.is_set() and call is not None and not call.done.is_set():
            params = {"requestId": request_id, "reason": reason}
            with contextlib.suppress(RpcError):
                await self._write({"jsonrpc": "2.0", "method": "notifications/cancelled",
                                   "params": params})  # fmt: skip

    async def _write(self, message: dict[str, Any]) -> None:
        """Queue `message` for the server (waiting only while the queue is full)."""
        try:
            data = orjson.dumps(message, option=orjson.OPT_APPEND_NEWLINE)
        except (orjson.JSONEncodeError, RecursionError) as exc:
            raise RpcError(f"mcpod cannot forward this request: {exc}",
                           code=ErrorCode.INVALID_PARAMS) from None  # fmt: skip
        while self._outgoing_bytes and self._outgoing_bytes + len(data) > MAX_OUTGOING_BYTES:
            if self.closed.is_set():
                break
            if self._room.is_set():
                self._room = anyio.Event()
            await self._room.wait()  # the server reads slower than it is sent to
        if self.closed.is_set():
            raise self._gone()
        self._outgoing.append(data)
        self._outgoing_bytes += len(data)
        self._wake_writer.set()

    async def _writer(self) -> None:
        """Write what is queued, in order; a server that stops reading is dropped."""
        stdin = self._process.stdin
        assert stdin is not None
        try:
            while not self.closed.is_set():
                await self._wake_writer.wait()
                self._wake_writer = anyio.Event()
                while self._outgoing and not self.closed.is_set():
                    batch, self._outgoing = self._outgoing, []
                    data = batch[0] if len(batch) == 1 else b"".join(batch)
                    with anyio.move_on_after(WRITE_TIMEOUT_S) as deadline:
                        await stdin.send(data)
                    if deadline.cancelled_caught:
                        self.close(
                            f"the server stopped reading its stdin for {WRITE_TIMEOUT_S:.0f} s"
                        )
                        return
                    self._outgoing_bytes -= len(data)
                    if self._outgoing_bytes < MAX_OUTGOING_BYTES:
                        self._room.set()
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            self.close("the server closed its stdin (exited?)")

    # -- reading -------------------------------------------------------------------------

    async def _read(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        splitter = LineSplitter(MAX_LINE_BYTES)
        try:
            async for chunk in stdout:
                for line in splitter.feed(chunk):
                    if isinstance(line, Oversized):
                        log.warning(
                            "server %s sent a line of %d bytes: dropped", self.name, line.size
                        )
                        continue
                    await self._on_line(line)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            pass
        finally:
            self.close("the server closed its connection (exited?)")

    async def _on_line(self, line: bytes) -> None:
        try:
            envelope = _envelope.decode(line)
        except (msgspec.DecodeError, RecursionError):
            self._unreadable(line)
            return
        if isinstance(envelope.method, str):
            params = _object(envelope.params) or {}
            if envelope.id is msgspec.UNSET:
                await self._notification(envelope.method, params)
            else:
                await self._server_request(envelope.id, envelope.method, params)
            return
        call = self._calls.get(envelope.id) if isinstance(envelope.id, int) else None
        if call is None:
            log.debug("server %s answered a request mcpod no longer waits for", self.name)
        elif envelope.error is not msgspec.UNSET:
            call.settle(error=_as_error(envelope.error))
        else:
            result = _object(envelope.result)
            if result is None:
                call.settle(error=RpcError(
                    f"MCP server {self.name!r} answered with a result that is not a JSON "
                    "object; mcpod cannot forward it", code=ErrorCode.INTERNAL_ERROR,
                ))  # fmt: skip
            else:
                call.settle(result=result)

    def _unreadable(self, line: bytes) -> None:
        """A line that is not JSON: fail its request at once if its id can be made out."""
        found = _LOOSE_ID.search(line[:256])
        call = self._calls.get(int(found.group(1))) if found else None
        shown = redact(line[:120].decode(errors="replace"))
        if call is None:
            log.info("server %s wrote a line that is not JSON-RPC to stdout: %r", self.name, shown)
            return
        call.settle(error=RpcError(
            f"MCP server {self.name!r} sent an answer mcpod cannot read: {shown!r}",
            code=ErrorCode.INTERNAL_ERROR,
        ))  # fmt: skip

    async def _notification(self, method: str, params: dict[str, Any]) -> None:
        if method == "notifications/progress":
            token = params.get("progressToken")
            call = self._calls.get(token) if isinstance(token, int) else None
            if call is not None and call.on_progress is not None and not call.done.is_set():
                # Inline, before the answer that follows it can be read: order is kept.
                await call.on_progress({k: v for k, v in params.items() if k != "progressToken"})
            return
        if method == "notifications/cancelled":
            # The server gave up on one of its own requests (one of ours is settled by
            # its answer, if any).
            request_id = params.get("requestId")
            scope = self._served.get(id_key(request_id)) if is_request_id(request_id) else None
            if scope is not None:
                scope.cancel()
            return
        await self._on_notification(method, params)

    async def _server_request(self, request_id: Any, method: str, params: dict[str, Any]) -> None:
        if method == "ping":
            await self._answer(request_id, result={})
        elif not is_request_id(request_id) or id_key(request_id) in self._served:
            log.info("server %s sent a request with a bad or reused id: ignored", self.name)
        elif len(self._served) >= MAX_SERVER_REQUESTS:
            message = f"mcpod serves at most {MAX_SERVER_REQUESTS} requests from a server at once"
            await self._answer(request_id, error=RpcError(message, code=ErrorCode.OVERLOADED))
        else:
            scope = self._served[id_key(request_id)] = anyio.CancelScope()
            self._tg.start_soon(self._serve, request_id, method, params, scope)

    async def _serve(
        self, request_id: Any, method: str, params: dict[str, Any], scope: anyio.CancelScope
    ) -> None:
        """One request from the server, answered with what `on_request` makes of it."""
        try:
            with scope:
                try:
                    result = await self._on_request(method, params)
                except RpcError as exc:
                    await self._answer(request_id, error=exc)
                except Exception as exc:  # the server's request fails, never the connection
                    log.exception("server %s: serving its %s failed", self.name, method)
                    failure = RpcError(f"mcpod internal error: {exc}")
                    await self._answer(request_id, error=failure)
                else:
                    await self._answer(request_id, result=result)
        finally:
            self._served.pop(id_key(request_id), None)

    async def _answer(
        self, request_id: Any, *, result: dict[str, Any] | None = None,
        error: RpcError | None = None,
    ) -> None:  # fmt: skip
        answer: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id}
        if error is not None:
            answer["error"] = error.to_error_object()
        else:
            answer["result"] = result
        with contextlib.suppress(RpcError):
            await self._write(answer)

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        if not self.closed.is_set():
            with contextlib.suppress(RpcError):
                await self._write(message)

    # -- the end -------------------------------------------------------------------------

    def close(self, why: str) -> None:
        """Mark the connection ended and fail every request in flight, at once."""
        if self.closed.is_set():
            return
        self._why_closed = why
        self.closed.set()
        self._room.set()  # writers waiting for room fail now
        self._wake_writer.set()
        for call in list(self._calls.values()):
            call.settle(error=self._gone())

    def _gone(self) -> RpcError:
        return RpcError(f"MCP server {self.name!r}: {self._why_closed}",
                        code=ErrorCode.CONNECTION_CLOSED)  # fmt: skip


def _object(raw: msgspec.Raw | msgspec.UnsetType) -> dict[str, Any] | None:
    """The JSON object in `raw`; None if it is absent, not an object or unreadable."""
    if raw is msgspec.UNSET:
        return None
    try:
        return _decode_object(raw)
    except (msgspec.DecodeError, RecursionError):
        return None


def _as_error(raw: msgspec.Raw) -> RpcError:
    try:
        error = _error.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        return RpcError("the server sent an error mcpod cannot read", code=ErrorCode.INTERNAL_ERROR)
    return RpcError(redact(error.message), code=error.code, data=error.data)


async def _copy_stderr(process: anyio.abc.Process, server_log: ServerLog) -> None:
    stderr = process.stderr
    assert stderr is not None
    with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
        async for chunk in stderr:
            server_log.write(chunk)


async def _stop(process: anyio.abc.Process) -> None:
    """Close stdin and wait; then SIGTERM the process group and wait; then SIGKILL it.

    The group is signalled even after its leader exited: a server's own children (npx
    starts node, uvx starts python) must not outlive it.
    """
    if process.stdin is not None:
        with contextlib.suppress(Exception):
            await process.stdin.aclose()
    for signum in (None, signal.SIGTERM, signal.SIGKILL):
        if signum is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signum)
        with anyio.move_on_after(EXIT_GRACE_S):
            await process.wait()
            break
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)  # stragglers of an exited leader
