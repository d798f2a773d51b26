"""A real `mcpod-shim` process spoken to through the project's one blocking stdio client,
for tests that need exact control of ids, tokens and bytes (the SDK client picks its own)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any, ClassVar

from mcpod.client.stdio import StdioClient

RAW_INIT = {
    "protocolVersion": "2025-11-25",
    "capabilities": {},
    "clientInfo": {"name": "raw-test", "version": "1"},
}


class ShimProcess(StdioClient):
    """`mcpod-shim` (in `all` mode unless told otherwise), its stderr kept for failures."""

    # Every shim a test started: the fixtures kill those a failing test left open, before
    # stopping the daemon (a live shim would reconnect, starting a daemon no one stops).
    started: ClassVar[list[StdioClient]] = []

    def __init__(self, env: dict[str, str], *args: str, cwd: str | None = None) -> None:
        argv = [sys.executable, "-m", "mcpod.shim", *(args or ("--mode", "all"))]
        super().__init__(argv, env=env, cwd=cwd, stderr=subprocess.PIPE, timeout=30)
        ShimProcess.started.append(self)

    @classmethod
    def kill_leftovers(cls) -> None:
        for shim in cls.started:
            shim.kill()
        cls.started.clear()

    def raw_request(
        self, request_id: Any, method: str, params: dict[str, Any] | None = None
    ) -> None:
        """Send a request with exactly this id, without waiting for its answer."""
        self.send_request(method, params, request_id=request_id)

    def initialize(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return super().initialize(params or RAW_INIT)
