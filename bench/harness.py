"""Benchmark plumbing: one blocking stdio MCP client used for both sides (direct and
through mcpod), so the only difference measured is the path, and process-tree RSS."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "tools" / "node" / "node_modules"
NODE = NODE_MODULES / "node" / "bin" / "node"
MCP = NODE_MODULES / "@modelcontextprotocol"
BIN = Path(sys.executable).parent

READ_TIMEOUT_S = 60.0

INIT_PARAMS = {
    "protocolVersion": "2025-11-25",
    "capabilities": {},
    "clientInfo": {"name": "mcpod-bench", "version": "1"},
}


def servers() -> dict[str, dict[str, Any]]:
    """The same three upstreams for every contender."""
    return {
        "everything": {
            "command": str(NODE),
            "args": [str(MCP / "server-everything/dist/index.js"), "stdio"],
        },
        "memory": {
            "command": str(NODE),
            "args": [str(MCP / "server-memory/dist/index.js")],
            "env": {
                "MEMORY_FILE_PATH": str(Path(tempfile.gettempdir()) / "mcpod-bench-memory.jsonl")
            },
        },
        "time": {
            "command": sys.executable,
            "args": ["-m", "mcp_server_time", "--local-timezone", "UTC"],
        },
    }


class StdioPeer:
    """A child process spoken to with newline-delimited JSON-RPC."""

    def __init__(self, argv: Sequence[str], env: dict[str, str] | None = None) -> None:
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
        self._id = 0
        self._buffer = b""
        self._lines: list[bytes] = []

    def send(self, method: str, params: dict[str, Any] | None = None) -> int:
        self._id += 1
        line = json.dumps(
            {"jsonrpc": "2.0", "id": self._id, "method": method, "params": params or {}}
        )
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()
        return self._id

    def wait(self, request_id: int, timeout: float = READ_TIMEOUT_S) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            message: dict[str, Any] = json.loads(self._readline(deadline))
            if message.get("id") == request_id and "method" not in message:
                if "error" in message:
                    raise RuntimeError(message["error"])
                result: dict[str, Any] = message["result"]
                return result

    def _readline(self, deadline: float) -> bytes:
        """One line from the child's stdout, or TimeoutError: a hung peer must not hang the run."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while not self._lines:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError(
                    f"no answer from {self.proc.args[0]} within {READ_TIMEOUT_S:.0f} s"
                )
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise RuntimeError(f"{self.proc.args} exited with {self.proc.wait()}")
            *complete, self._buffer = (self._buffer + chunk).split(b"\n")
            self._lines.extend(line for line in complete if line.strip())
        return self._lines.pop(0)

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.wait(self.send(method, params))

    def initialize(self) -> dict[str, Any]:
        result = self.request("initialize", INIT_PARAMS)
        self.notify_initialized()
        return result

    def notify_initialized(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        self.proc.stdin.flush()

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def direct_peer(spec: dict[str, Any]) -> StdioPeer:
    return StdioPeer([spec["command"], *spec.get("args", [])], spec.get("env"))


def tree_rss(pids: Sequence[int]) -> int:
    """Sum of RSS over the processes and all their descendants (each counted once)."""
    seen: dict[int, int] = {}
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for proc in [root, *root.children(recursive=True)]:
                seen[proc.pid] = proc.memory_info().rss
        except psutil.Error:
            continue
    return sum(seen.values())


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


class Daemon:
    """An isolated mcpod daemon serving `servers()`, under a short temp dir."""

    def __init__(self) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="mcpod-b", dir="/tmp"))
        self.env = {**os.environ, "MCPOD_HOME": str(self.home)}
        (self.home / "config.json").write_text(json.dumps({"mcpServers": servers()}))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mcpod", "daemon"], env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not (self.home / "run" / "mcpod.sock").exists():
            if time.monotonic() > deadline:
                raise RuntimeError("the daemon did not start")
            time.sleep(0.02)
        self.control("start")  # warm every server

    def control(self, method: str) -> Any:
        out = subprocess.run(
            [sys.executable, "-c", f"import json;from mcpod.client import ControlClient;"
             f"from mcpod.protocol import resolve_paths;"
             f"print(json.dumps(ControlClient.open(resolve_paths()).call({method!r})))"],
            env=self.env, capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip
        return json.loads(out.stdout)

    def shim(self) -> StdioPeer:
        return StdioPeer([str(BIN / "mcpod-shim"), "--mode", "all"], {"MCPOD_HOME": str(self.home)})

    def stop(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "mcpod", "stop"], env=self.env, capture_output=True, timeout=60
        )
        self.proc.wait(timeout=30)
