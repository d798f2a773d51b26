"""The first line of every connection: read the peer's hello, answer welcome or an error."""

from __future__ import annotations

import contextlib
import os

import anyio
import anyio.abc
import msgspec

from mcpod import __version__
from mcpod.protocol import CAPABILITIES, PROTOCOL_VERSION, ErrorCode
from mcpod.protocol.wire import HandshakeError, Hello, Welcome, encoder, handshake_decoder

HELLO_TIMEOUT_S = 5.0  # a peer that has not said hello by then never will
MAX_HELLO_BYTES = 1 << 20


class BadHello(Exception):
    """The peer's hello is missing, late, oversized or unreadable (the message says which)."""


async def read_hello(stream: anyio.abc.ByteStream) -> tuple[Hello, bytes]:
    """The hello, and whatever bytes the peer sent after it."""
    received = b""
    with anyio.move_on_after(HELLO_TIMEOUT_S):
        while b"\n" not in received:
            try:
                chunk = await stream.receive(65536)
            except (anyio.EndOfStream, anyio.BrokenResourceError, OSError):
                raise BadHello("connection closed before the hello") from None
            received += chunk
            if len(received) > MAX_HELLO_BYTES:
                raise BadHello("the hello is larger than 1 MiB")
    if b"\n" not in received:
        raise BadHello(f"no hello within {HELLO_TIMEOUT_S:.0f} s")
    first, _, rest = received.partition(b"\n")
    if not first.strip():
        raise BadHello("empty hello")
    try:
        message = handshake_decoder.decode(first)
    except msgspec.MsgspecError as exc:
        raise BadHello(f"unreadable hello: {exc}") from None
    if not isinstance(message, Hello):
        raise BadHello("the first message must be a hello")
    return message, rest


def mismatch_reason(hello: Hello) -> str | None:
    """Why this daemon cannot serve the peer's protocol, or None when it can."""
    if hello.protocol == PROTOCOL_VERSION:
        return None
    return (
        f"this daemon (mcpod {__version__}) speaks socket protocol {PROTOCOL_VERSION}, "
        f"the client (mcpod {hello.version}) speaks {hello.protocol}; run `mcpod stop` so "
        "the next client starts the installed version"
    )


async def welcome(stream: anyio.abc.ByteStream, session_id: str | None) -> None:
    message = Welcome(
        protocol=PROTOCOL_VERSION,
        version=__version__,
        pid=os.getpid(),
        capabilities=list(CAPABILITIES),
        session_id=session_id,
    )
    await stream.send(encoder.encode(message) + b"\n")


async def refuse(stream: anyio.abc.ByteStream, code: ErrorCode, message: str) -> None:
    refusal = encoder.encode(HandshakeError(code=int(code), message=message)) + b"\n"
    with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
        await stream.send(refusal)
