"""Accept connections: check the peer's uid, read the hello, hand off to a session or
to the control API. Nothing a peer sends can take the daemon down: every failure here
ends that one connection with a handshake error."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Awaitable, Callable

import anyio.abc

from mcpod.daemon.server.handshake import BadHello, mismatch_reason, read_hello, refuse, welcome
from mcpod.daemon.server.peercred import peer_credentials
from mcpod.daemon.server.session import Handler, Session
from mcpod.daemon.server.sessions import Sessions
from mcpod.protocol import ErrorCode

log = logging.getLogger(__name__)

ServeControl = Callable[[anyio.abc.SocketStream, bytes], Awaitable[None]]


class Listener:
    def __init__(
        self,
        sessions: Sessions,
        handle_request: Handler,
        serve_control: ServeControl,
        stopping: Callable[[], bool],
    ) -> None:
        self._sessions = sessions
        self._handle_request = handle_request
        self._serve_control = serve_control
        self._stopping = stopping

    async def handle(self, stream: anyio.abc.SocketStream) -> None:
        async with stream:
            try:
                raw = stream.extra(anyio.abc.SocketAttribute.raw_socket)
                pid, uid = peer_credentials(raw)
            except OSError as exc:
                log.warning("refused a connection: cannot read peer credentials: %s", exc)
                return
            if uid != os.getuid():
                log.warning("refused a connection from uid %s (pid %s)", uid, pid)
                await refuse(
                    stream, ErrorCode.PERMISSION_DENIED, "this daemon serves only its own user"
                )
                return
            await self._handshake_and_serve(stream, pid)

    async def _handshake_and_serve(self, stream: anyio.abc.SocketStream, pid: int | None) -> None:
        try:
            hello, rest = await read_hello(stream)
        except BadHello as exc:
            await refuse(stream, ErrorCode.HANDSHAKE_FAILED, str(exc))
            return
        mismatch = mismatch_reason(hello)
        if mismatch is not None:
            await refuse(stream, ErrorCode.PROTOCOL_MISMATCH, mismatch)
            return
        if self._stopping():
            await refuse(stream, ErrorCode.SHUTTING_DOWN, "the daemon is shutting down; retry")
            return
        if hello.role == "control":
            await welcome(stream, None)
            await self._serve_control(stream, rest)
            return
        session = Session(
            uuid.uuid4().hex[:12], stream, self._handle_request, peer_pid=pid, hello=hello
        )
        await welcome(stream, session.id)
        self._sessions.add(session)
        log.info("session %s opened (pid %s, cwd %s)", session.id, pid, hello.cwd)
        try:
            await session.run(rest)
        finally:
            self._sessions.remove(session)
            log.info("session %s closed after %d requests", session.id, session.requests)
