"""One blocking JSON-RPC client over a child process's stdio (stdlib only).

Used by `mcpod check`, the tests and the benchmarks, for both sides of a comparison
(a server spoken to directly, or `mcpod-shim`), so the only difference measured is the
path. Every read has a deadline: a hung peer raises `TimeoutError`, never hangs.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import time

from mcpod.protocol import ErrorCode, LineSplitter, Oversized, RpcError, error_code

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

READ_TIMEOUT_S = 60.0
INIT_PARAMS = {
    "protocolVersion": "2025-11-25",
    "capabilities": {},
    "clientInfo": {"name": "mcpod-client", "version": "1"},
}


class PeerExited(EOFError):
    """The child closed its stdout (it exited, or closed the session)."""


class StdioClient:
    """A child spoken to with newline-delimited JSON-RPC.

    `request()` waits for its answer; `send_request()` + `wait()` pipeline (answers may
    be awaited in any order: one read early is kept); `next()` returns every message
    (notifications too) in arrival order. While `response()` and `wait()` look for an
    answer, the notifications they read are dropped.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
        stderr: int | None = subprocess.DEVNULL,
        timeout: float = READ_TIMEOUT_S,
    ) -> None:
        self.started = time.perf_counter()
        self.timeout = timeout
        self.program = str(argv[0])
        self.proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
            cwd=cwd,
        )
        self._next_id = 0
        self._splitter = LineSplitter()
        self._lines: list[bytes | Oversized] = []
        self._early: dict[tuple[str, Any], dict[str, Any]] = {}  # answers read before asked

    # -- writing -----------------------------------------------------------------------

    def send_bytes(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.send_bytes(json.dumps(message, separators=(",", ":")).encode() + b"\n")

    def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def send_request(
        self, method: str, params: dict[str, Any] | None = None, *, request_id: Any = None
    ) -> Any:
        """Send a request (with the next numeric id unless given one); return its id."""
        if request_id is None:
            self._next_id += 1
            request_id = self._next_id
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}})
        return request_id

    # -- reading -----------------------------------------------------------------------

    def next(self, timeout: float | None = None) -> dict[str, Any]:
        """The next message from the child, whatever it is."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not self._lines:
            self._fill(deadline)
        line = self._lines.pop(0)
        if isinstance(line, Oversized):
            raise ValueError(f"the peer sent an oversized line ({line.size} bytes)")
        message: dict[str, Any] = json.loads(line)
        return message

    def response(self, request_id: Any, timeout: float | None = None) -> dict[str, Any]:
        """The whole response message to `request_id` (result or error)."""
        wanted = _key(request_id)
        if wanted in self._early:
            return self._early.pop(wanted)
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            message = self.next(max(0.0, deadline - time.monotonic()))
            if "method" in message or "id" not in message:
                continue
            key = _key(message["id"])
            if key == wanted:
                return message
            self._early[key] = message

    def wait(self, request_id: Any, timeout: float | None = None) -> dict[str, Any]:
        """The result of `request_id`; an error answer raises `RpcError`."""
        message = self.response(request_id, timeout)
        if "error" in message:
            error = message["error"] if isinstance(message["error"], dict) else {}
            raise RpcError(
                str(error.get("message", "error")),
                code=error_code(error.get("code"), ErrorCode.INTERNAL_ERROR),
                data=error.get("data"),
            )
        result: dict[str, Any] = message["result"]
        return result

    def request(
        self, method: str, params: dict[str, Any] | None = None, timeout: float | None = None
    ) -> dict[str, Any]:
        return self.wait(self.send_request(method, params), timeout)

    def initialize(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """The handshake era's `initialize`, then `notifications/initialized`."""
        result = self.request("initialize", params or INIT_PARAMS)
        self.notify("notifications/initialized")
        return result

    def _fill(self, deadline: float) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise TimeoutError(f"no message from {self.program} in time")
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            raise PeerExited(f"{self.program} closed its stdout")
        self._lines.extend(self._splitter.feed(chunk))

    # -- ending ------------------------------------------------------------------------

    def close(self, timeout: float = 30.0) -> int:
        """Close stdin (the end of the session), wait for the child to exit; kill it if late."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):  # the child may have exited already
                self.proc.stdin.close()
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def __enter__(self) -> StdioClient:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.close(timeout=10)


def _key(request_id: Any) -> tuple[str, Any]:
    # JSON-RPC ids 1 and "1" are distinct; an unhashable id (a peer's bug) still gets a key.
    hashable = request_id if isinstance(request_id, int | str) else repr(request_id)
    return type(request_id).__name__, hashable
