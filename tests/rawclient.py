"""A raw JSON-RPC client over a real `mcpod-shim` process, for tests that need exact
control of ids, tokens and bytes (the SDK client picks its own)."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from typing import Any


class ShimProcess:
    def __init__(self, env: dict[str, str], *args: str) -> None:
        args = args or ("--mode", "all")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mcpod.shim", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )  # fmt: skip
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.messages.put(json.loads(line))
        self.messages.put(None)

    def send_bytes(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.send_bytes(json.dumps(message).encode() + b"\n")

    def request(self, request_id: Any, method: str, params: dict[str, Any] | None = None) -> None:
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}})

    def next(self, timeout: float = 30) -> dict[str, Any]:
        message = self.messages.get(timeout=timeout)
        if message is None:
            raise EOFError(f"the shim closed stdout (stderr: {self.stderr()})")
        return message

    def response(self, request_id: Any, timeout: float = 30) -> dict[str, Any]:
        while True:
            message = self.next(timeout)
            if message.get("id") == request_id and "method" not in message:
                return message

    def initialize(self) -> dict[str, Any]:
        self.request(0, "initialize", {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "raw-test", "version": "1"},
        })  # fmt: skip
        result = self.response(0)["result"]
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return dict(result)

    def stderr(self) -> str:
        if self.proc.poll() is None or self.proc.stderr is None:
            return ""
        return self.proc.stderr.read().decode(errors="replace")

    def close(self) -> int:
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        return self.proc.wait(timeout=30)
