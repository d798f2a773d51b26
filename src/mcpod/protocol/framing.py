"""NDJSON framing with a hard maximum line size, shared by the shim, the CLI and the daemon.

Pure bytes logic with no I/O, so blocking sockets and anyio streams use the same rules.
A line longer than the limit is dropped up to its newline and reported as `Oversized`,
so one bad message costs one error answer, never the connection or the daemon.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not `from typing`: the shim's start-up cannot afford it
if TYPE_CHECKING:
    from collections.abc import Iterator

MAX_LINE_BYTES = 32 * 1024 * 1024
"""Upper bound of one message. MCP results carry images and file contents; 32 MiB is
far above real traffic yet keeps a runaway peer from exhausting the daemon's memory."""


class Oversized:
    """Stands in for a line that exceeded the limit and was discarded.

    A plain class, not a dataclass: `dataclasses` costs the shim ~7 ms of start-up.
    """

    __slots__ = ("size",)

    def __init__(self, size: int) -> None:
        self.size = size

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Oversized) and other.size == self.size

    def __hash__(self) -> int:
        return hash(self.size)

    def __repr__(self) -> str:
        return f"Oversized({self.size})"


class LineSplitter:
    """Feed bytes, get complete lines (without the newline) or `Oversized` markers."""

    def __init__(self, max_line: int = MAX_LINE_BYTES) -> None:
        self._max_line = max_line
        self._buffer = bytearray()
        self._discarding = 0  # bytes dropped so far of an oversized line, 0 when not dropping

    def feed(self, data: bytes) -> Iterator[bytes | Oversized]:
        start = 0
        while True:
            newline = data.find(b"\n", start)
            if newline < 0:
                self._keep(data[start:])
                return
            piece = data[start:newline]
            start = newline + 1
            if self._discarding:
                yield Oversized(self._discarding + len(piece))
                self._discarding = 0
                continue
            if len(self._buffer) + len(piece) > self._max_line:
                yield Oversized(len(self._buffer) + len(piece))
                self._buffer.clear()
                continue
            if self._buffer:
                self._buffer += piece
                line = bytes(self._buffer)
                self._buffer.clear()
            else:
                line = piece
            if line.strip():
                yield line

    def _keep(self, rest: bytes) -> None:
        if self._discarding:
            self._discarding += len(rest)
        elif len(self._buffer) + len(rest) > self._max_line:
            self._discarding = len(self._buffer) + len(rest)
            self._buffer.clear()
        else:
            self._buffer += rest

    @property
    def pending(self) -> int:
        """Bytes of an unfinished line held back (for EOF diagnostics)."""
        return len(self._buffer) + self._discarding
