"""The outbox over a real (in-memory, unbuffered) anyio byte stream."""

from __future__ import annotations

import anyio
import anyio.abc
import pytest

from mcpod.daemon.server.outbox import Outbox

pytestmark = pytest.mark.anyio


class Pipe(anyio.abc.ByteSendStream):
    """A byte stream whose reader decides when each write completes."""

    def __init__(self) -> None:
        self.send_side, self.receive_side = anyio.create_memory_object_stream[bytes](0)

    async def send(self, item: bytes) -> None:
        await self.send_side.send(item)

    async def send_eof(self) -> None:
        await self.send_side.aclose()

    async def aclose(self) -> None:
        await self.send_side.aclose()


async def test_messages_are_written_in_order_without_the_caller_waiting() -> None:
    pipe, failures = Pipe(), []
    outbox = Outbox(pipe, failures.append)
    async with anyio.create_task_group() as tg:
        tg.start_soon(outbox.run)
        for n in range(5):
            assert outbox.put(b"%d" % n)  # returns at once though nobody reads yet
        writes = []
        while sum(map(len, writes)) < 5:
            writes.append(await pipe.receive_side.receive())
        await outbox.flush()
        tg.cancel_scope.cancel()
    assert b"".join(writes) == b"01234" and not failures
    assert len(writes) == 1, "what was queued together went out in one write"


async def test_a_client_that_does_not_read_is_cut_off_at_the_byte_bound() -> None:
    pipe, failures = Pipe(), []
    outbox = Outbox(pipe, failures.append, max_bytes=1000)
    async with anyio.create_task_group() as tg:
        tg.start_soon(outbox.run)
        accepted = [outbox.put(b"x" * 100) for _ in range(20)]
        tg.cancel_scope.cancel()
    assert accepted.count(True) <= 11 and accepted[-1] is False  # ~1000 bytes, then refused
    assert outbox.queued_bytes <= 1100
    assert failures and "not reading" in failures[0]
    assert outbox.put(b"more") is False


async def test_a_write_that_never_completes_ends_the_session() -> None:
    pipe, failures = Pipe(), []
    outbox = Outbox(pipe, failures.append, write_timeout=0.05)
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(outbox.run)
            outbox.put(b"stuck")
            while not failures:
                await anyio.sleep(0.01)
            tg.cancel_scope.cancel()
    assert "took over" in failures[0]


async def test_one_message_larger_than_the_bound_still_goes_out_alone() -> None:
    pipe, failures = Pipe(), []
    outbox = Outbox(pipe, failures.append, max_bytes=10)
    async with anyio.create_task_group() as tg:
        tg.start_soon(outbox.run)
        assert outbox.put(b"y" * 50)
        assert await pipe.receive_side.receive() == b"y" * 50
        tg.cancel_scope.cancel()
    assert not failures
