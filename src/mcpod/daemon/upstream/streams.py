"""A read stream that reports its end: how an upstream learns its server went away.

The SDK's dispatcher consumes the transport's read stream silently; wrapping it is the
one place where the end of the connection (server exit, HTTP stream closed) is visible.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import anyio

T = TypeVar("T")


class WatchedReadStream(Generic[T]):
    def __init__(self, inner: Any, ended: anyio.Event) -> None:
        self._inner = inner
        self._ended = ended

    async def receive(self) -> T:
        try:
            item: T = await self._inner.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
            self._ended.set()
            raise
        return item

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> T:
        try:
            return await self.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        self._ended.set()
        await self._inner.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __getattr__(self, name: str) -> Any:  # e.g. the SDK's optional `last_context`
        return getattr(self._inner, name)
