"""A blocking client for the daemon's control API (used by the CLI and the tests)."""

from __future__ import annotations

import json

from mcpod.client.connect import connect, connect_or_spawn, handshake, hello_message
from mcpod.protocol import (
    ROLE_CONTROL,
    ErrorCode,
    LineSplitter,
    McpodError,
    Oversized,
    Paths,
    RpcError,
    error_code,
)

TYPE_CHECKING = False  # not `from typing`: the shim's start-up cannot afford it
if TYPE_CHECKING:
    import _socket
    from typing import Any


class ControlClient:
    """One control connection: `call(method, params)` returns the result or raises `RpcError`."""

    def __init__(self, sock: _socket.socket, welcome: dict[str, Any], rest: bytes) -> None:
        self._sock = sock
        self.welcome = welcome
        self._splitter = LineSplitter()
        self._lines: list[bytes | Oversized] = list(self._splitter.feed(rest))
        self._next_id = 0

    @classmethod
    def open(cls, paths: Paths, *, spawn: bool = False, timeout: float = 30.0) -> ControlClient:
        sock = connect_or_spawn(paths) if spawn else connect(paths)
        try:
            welcome, rest = handshake(sock, hello_message(ROLE_CONTROL))
        except BaseException:
            sock.close()
            raise
        sock.settimeout(timeout)
        return cls(sock, welcome, rest)

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        self._next_id += 1
        request = {"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params or {}}
        self._sock.sendall(json.dumps(request).encode() + b"\n")
        while True:
            message = self._read_message()
            if message.get("id") == self._next_id:
                break
        if "error" in message:
            err = message["error"]
            raise RpcError(
                err.get("message", "error"),
                code=error_code(err.get("code"), ErrorCode.INTERNAL_ERROR),
                data=err.get("data"),
            )
        return message.get("result")

    def _read_message(self) -> dict[str, Any]:
        while not self._lines:
            chunk = self._sock.recv(1 << 20)
            if not chunk:
                raise McpodError("the daemon closed the control connection")
            self._lines.extend(self._splitter.feed(chunk))
        line = self._lines.pop(0)
        if isinstance(line, Oversized):
            raise McpodError(f"the daemon sent an oversized message ({line.size} bytes)")
        message: dict[str, Any] = json.loads(line)
        return message

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> ControlClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
