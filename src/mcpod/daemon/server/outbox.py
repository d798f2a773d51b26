"""A session's outgoing messages: queued without blocking, written by one task.

Nothing that writes to a client waits on that client: fan-out to many sessions enqueues
and moves on, so one client that stops reading cannot stall notifications to the others.
The queue is bounded in bytes and each write has a deadline; a client past either bound
is not reading, and its session is ended (`failed` says why). Output held for one slow
client is thus at most `MAX_QUEUED_BYTES` of encoded messages, plus one message that
arrived when the queue was empty (a single result may be larger). The daemon's RSS grows
by up to about 2.5 times the encoded bytes (allocator overhead; measured by
tests/e2e/test_backpressure.py).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import anyio
import anyio.abc

log = logging.getLogger(__name__)

MAX_QUEUED_BYTES = 32 << 20
WRITE_TIMEOUT_S = 30.0
COALESCE_BYTES = 256 << 10  # joined into one write while queued (copying more gains nothing)


class Outbox:
    def __init__(
        self,
        stream: anyio.abc.ByteSendStream,
        on_failure: Callable[[str], None],
        *,
        max_bytes: int = MAX_QUEUED_BYTES,
        write_timeout: float = WRITE_TIMEOUT_S,
    ) -> None:
        self._stream = stream
        self._on_failure = on_failure
        self._max_bytes = max_bytes
        self._write_timeout = write_timeout
        self._send, self._receive = anyio.create_memory_object_stream[bytes](math.inf)
        self.queued_bytes = 0
        self.failed: str | None = None  # why writing stopped, once it has
        self._empty = anyio.Event()
        self._empty.set()

    def put(self, data: bytes) -> bool:
        """Queue one encoded message; False when the session no longer takes output."""
        if self.failed is not None:
            return False
        if self.queued_bytes and self.queued_bytes + len(data) > self._max_bytes:
            mib = (self.queued_bytes + len(data)) / 2**20
            self._fail(f"the client is not reading its messages ({mib:.0f} MiB unsent)")
            return False
        self.queued_bytes += len(data)
        self._empty = anyio.Event() if self._empty.is_set() else self._empty
        self._send.send_nowait(data)
        return True

    async def run(self) -> None:
        """The writer: until the queue is closed, or a write fails or misses its deadline."""
        try:
            async for first in self._receive:
                data = self._coalesced(first)
                with anyio.move_on_after(self._write_timeout) as deadline:
                    await self._stream.send(data)
                self.queued_bytes -= len(data)
                if deadline.cancelled_caught:
                    self._fail(f"a write to the client took over {self._write_timeout:.0f} s")
                    return
                if not self.queued_bytes:
                    self._empty.set()
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError) as exc:
            self._fail(f"the client went away ({type(exc).__name__})")
        finally:
            self._empty.set()

    def _coalesced(self, first: bytes) -> bytes:
        """`first` and whatever else is queued already, up to `COALESCE_BYTES`: under load
        one write (one syscall, one deadline) carries many answers."""
        if len(first) >= COALESCE_BYTES:
            return first
        batch, size = [first], len(first)
        while size < COALESCE_BYTES:
            try:
                data = self._receive.receive_nowait()
            except (anyio.WouldBlock, anyio.EndOfStream):
                break
            batch.append(data)
            size += len(data)
        return first if len(batch) == 1 else b"".join(batch)

    async def flush(self) -> None:
        """Until everything queued so far has been written or dropped (callers bound it)."""
        await self._empty.wait()

    def _fail(self, reason: str) -> None:
        if self.failed is None:
            self.failed = reason
            self._send.close()
            self._empty.set()
            self._on_failure(reason)
