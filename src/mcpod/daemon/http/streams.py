"""An in-memory byte stream pair: what a daemon `Session` reads and writes when its
client is an HTTP exchange instead of a shim's socket."""

from __future__ import annotations

import math

import anyio
import anyio.abc
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

INBOUND_BUFFER = 64  # chunks from HTTP requests not yet read by the session


class MemoryByteStream(anyio.abc.ByteStream):
    """One end of a pipe. Has no raw socket, so the session's hang-up check says "not gone"."""

    def __init__(
        self, receive: MemoryObjectReceiveStream[bytes], send: MemoryObjectSendStream[bytes]
    ) -> None:
        self._receive = receive
        self._send = send
        self._leftover = b""

    async def receive(self, max_bytes: int = 65536) -> bytes:
        if not self._leftover:
            self._leftover = await self._receive.receive()
        chunk, self._leftover = self._leftover[:max_bytes], self._leftover[max_bytes:]
        return chunk

    async def send(self, item: bytes) -> None:
        await self._send.send(item)

    async def send_eof(self) -> None:
        self._send.close()

    async def aclose(self) -> None:
        self._send.close()
        self._receive.close()


def stream_pair() -> tuple[MemoryByteStream, MemoryByteStream]:
    """(session side, HTTP side): bytes sent on one are received on the other.

    Toward the session the buffer is bounded (a POST waits for room); toward HTTP it is
    not, because the session's `Outbox` already bounds what it queues for a client.
    """
    to_session, from_http = anyio.create_memory_object_stream[bytes](INBOUND_BUFFER)
    to_http, from_session = anyio.create_memory_object_stream[bytes](math.inf)
    return MemoryByteStream(from_http, to_http), MemoryByteStream(from_session, to_session)
