"""Accept connections: check the peer's uid, read the hello, hand off to a session or
the control API. Nothing a peer sends can take the daemon down: every failure here ends
that one connection with a handshake error."""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from typing import TYPE_CHECKING

import anyio
import anyio.abc
import msgspec

from mcpod import __version__
from mcpod.daemon.control import serve_control
from mcpod.daemon.peercred import peer_credentials
from mcpod.daemon.session import Session
from mcpod.protocol import CAPABILITIES, PROTOCOL_VERSION, ErrorCode
from mcpod.protocol.wire import HandshakeError, Hello, Welcome, encoder, handshake_decoder

if TYPE_CHECKING:
    from mcpod.daemon.app import Daemon

log = logging.getLogger(__name__)

HELLO_TIMEOUT_S = 10.0
MAX_HELLO_BYTES = 1 << 20


async def handle_connection(daemon: Daemon, stream: anyio.abc.SocketStream) -> None:
    async with stream:
        try:
            raw = stream.extra(anyio.abc.SocketAttribute.raw_socket)
            pid, uid = peer_credentials(raw)
        except OSError as exc:
            log.warning("refused a connection: cannot read peer credentials: %s", exc)
            return
        if uid != os.getuid():
            log.warning("refused a connection from uid %s (pid %s)", uid, pid)
            await _refuse(
                stream, ErrorCode.PERMISSION_DENIED, "this daemon serves only its own user"
            )
            return
        try:
            hello, rest = await _read_hello(stream)
        except _BadHello as exc:
            await _refuse(stream, ErrorCode.HANDSHAKE_FAILED, str(exc))
            return
        if hello.protocol != PROTOCOL_VERSION:
            await _refuse(
                stream,
                ErrorCode.PROTOCOL_MISMATCH,
                f"this daemon (mcpod {__version__}) speaks socket protocol {PROTOCOL_VERSION}, "
                f"the client (mcpod {hello.version}) speaks {hello.protocol}; run `mcpod stop` so "
                "the next client starts the installed version",
            )
            return
        if daemon.stopping:
            await _refuse(stream, ErrorCode.SHUTTING_DOWN, "the daemon is shutting down; retry")
            return
        if hello.role == "control":
            await _welcome(stream, None)
            await serve_control(daemon, stream, rest)
            return
        session = Session(uuid.uuid4().hex[:12], stream, daemon.handlers, peer_pid=pid, hello=hello)
        await _welcome(stream, session.id)
        daemon.sessions[session.id] = session
        log.info("session %s opened (pid %s, cwd %s)", session.id, pid, hello.cwd)
        try:
            await session.run(rest)
        finally:
            del daemon.sessions[session.id]
            log.info("session %s closed after %d requests", session.id, session.requests)


class _BadHello(Exception):
    pass


async def _read_hello(stream: anyio.abc.SocketStream) -> tuple[Hello, bytes]:
    received = b""
    with anyio.move_on_after(HELLO_TIMEOUT_S):
        while b"\n" not in received:
            try:
                chunk = await stream.receive(65536)
            except (anyio.EndOfStream, anyio.BrokenResourceError, OSError):
                raise _BadHello("connection closed before the hello") from None
            received += chunk
            if len(received) > MAX_HELLO_BYTES:
                raise _BadHello("the hello is larger than 1 MiB")
    if b"\n" not in received:
        raise _BadHello(f"no hello within {HELLO_TIMEOUT_S:.0f} s")
    first, _, rest = received.partition(b"\n")
    if not first.strip():
        raise _BadHello("empty hello")
    try:
        message = handshake_decoder.decode(first)
    except msgspec.MsgspecError as exc:
        raise _BadHello(f"unreadable hello: {exc}") from None
    if not isinstance(message, Hello):
        raise _BadHello("the first message must be a hello")
    return message, rest


async def _welcome(stream: anyio.abc.SocketStream, session_id: str | None) -> None:
    welcome = Welcome(
        protocol=PROTOCOL_VERSION,
        version=__version__,
        pid=os.getpid(),
        capabilities=list(CAPABILITIES),
        session_id=session_id,
    )
    await stream.send(encoder.encode(welcome) + b"\n")


async def _refuse(stream: anyio.abc.SocketStream, code: ErrorCode, message: str) -> None:
    refusal = encoder.encode(HandshakeError(code=int(code), message=message)) + b"\n"
    with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
        await stream.send(refusal)
