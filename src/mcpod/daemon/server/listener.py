"""Accept connections: check the peer's uid, read the hello, hand off to a session or
to the control API.

Nothing a peer does can take the daemon down: each connection runs inside its own
exception boundary, which logs and closes only that connection; accepting survives
running out of file descriptors (it backs off and goes on); and the number of open
connections is capped, with an error that says so.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import uuid
from collections.abc import Awaitable, Callable

import anyio
import anyio.abc

from mcpod.daemon.server.handshake import BadHello, mismatch_reason, read_hello, refuse, welcome
from mcpod.daemon.server.session import Handler, OnRootsChanged, Session
from mcpod.daemon.server.sessions import Sessions
from mcpod.daemon.upstream import describe
from mcpod.protocol import ErrorCode
from mcpod.protocol.peercred import peer_credentials

log = logging.getLogger(__name__)

ServeControl = Callable[[anyio.abc.SocketStream, bytes], Awaitable[None]]

MAX_CONNECTIONS = 512
_SESSION_ID = re.compile(r"[0-9a-f]{12}")
# Out of descriptors or buffers: the condition passes when connections close.
ACCEPT_RETRY_ERRNOS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
ACCEPT_BACKOFF_S = (0.01, 1.0)  # first and longest pause after a failed accept


class Listener:
    def __init__(
        self,
        sessions: Sessions,
        handle_request: Handler,
        serve_control: ServeControl,
        stopping: Callable[[], bool],
        *,
        on_roots_changed: OnRootsChanged | None = None,
        on_session_end: Callable[[Session], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._handle_request = handle_request
        self._on_roots_changed = on_roots_changed
        self._on_session_end = on_session_end
        self._serve_control = serve_control
        self._stopping = stopping
        self.connections = 0

    async def serve(
        self, listener: anyio.abc.SocketListener, task_group: anyio.abc.TaskGroup
    ) -> None:
        """Accept until cancelled; each connection is handled in `task_group`."""
        pause = ACCEPT_BACKOFF_S[0]
        while True:
            try:
                stream = await listener.accept()
            except (OSError, anyio.BrokenResourceError) as exc:
                # anyio reports a failed accept as BrokenResourceError from the OSError.
                cause = exc if isinstance(exc, OSError) else exc.__cause__
                if not isinstance(cause, OSError) or cause.errno not in ACCEPT_RETRY_ERRNOS:
                    raise
                log.warning("cannot accept a connection (%s); retrying in %.2f s", cause, pause)
                await anyio.sleep(pause)
                pause = min(pause * 2, ACCEPT_BACKOFF_S[1])
                continue
            pause = ACCEPT_BACKOFF_S[0]
            task_group.start_soon(self.handle, stream)

    async def handle(self, stream: anyio.abc.SocketStream) -> None:
        """One connection, inside its own exception boundary."""
        self.connections += 1
        try:
            await self._handle(stream)
        except Exception as exc:
            log.warning("a connection ended on an error: %s", describe(exc))
            log.debug("connection error", exc_info=True)
        finally:
            self.connections -= 1

    async def _handle(self, stream: anyio.abc.SocketStream) -> None:
        async with stream:
            if self.connections > MAX_CONNECTIONS:
                await refuse(
                    stream,
                    ErrorCode.OVERLOADED,
                    f"the daemon already serves {MAX_CONNECTIONS} connections (its limit); "
                    "close clients you no longer use",
                )
                return
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

    def _session_id(self, resume: str | None) -> str:
        """A new id, or the one a reconnecting shim had, while it is well formed and free."""
        if resume and _SESSION_ID.fullmatch(resume) and self._sessions.get(resume) is None:
            return resume
        return uuid.uuid4().hex[:12]

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
            self._session_id(hello.resume), stream, self._handle_request, peer_pid=pid,
            hello=hello, on_roots_changed=self._on_roots_changed,
        )  # fmt: skip
        await welcome(stream, session.id)
        self._sessions.add(session)
        log.info("session %s opened (pid %s, cwd %s)", session.id, pid, hello.cwd)
        try:
            await session.run(rest)
        finally:
            self._sessions.remove(session)
            if self._on_session_end is not None:
                self._on_session_end(session)
            log.info("session %s closed after %d requests", session.id, session.requests)
