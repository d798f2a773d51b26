"""Benchmark plumbing: one blocking stdio MCP client used for both sides (direct and
through mcpod), so the only difference measured is the path, and process-tree RSS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psutil

from mcpod.client.stdio import StdioClient

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "tools" / "node" / "node_modules"
NODE = NODE_MODULES / "node" / "bin" / "node"
MCP = NODE_MODULES / "@modelcontextprotocol"
BIN = Path(sys.executable).parent

READ_TIMEOUT_S = 60.0


def compile_bytecode() -> None:
    """Write mcpod's .pyc files, as `pip install` does: an editable checkout run with
    PYTHONDONTWRITEBYTECODE (this machine's default) would otherwise compile every module
    on every start, and the shim's start-up figure would measure the compiler."""
    import compileall

    compileall.compile_dir(ROOT / "src" / "mcpod", quiet=2)


compile_bytecode()

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


def stdio_peer(argv: Sequence[str], env: dict[str, str] | None = None) -> StdioClient:
    """A child spoken to with the project's one blocking stdio JSON-RPC client."""
    return StdioClient(argv, env={**os.environ, **(env or {})}, timeout=READ_TIMEOUT_S)


def direct_peer(spec: dict[str, Any]) -> StdioClient:
    return stdio_peer([spec["command"], *spec.get("args", [])], spec.get("env"))


def tree_memory(pids: Sequence[int]) -> tuple[int, int]:
    """(RSS, PSS) summed over the processes and their descendants, each counted once.

    PSS (proportional set size, from /proc/PID/smaps_rollup via psutil's
    `memory_full_info`) counts a page shared by N processes as 1/N in each: the
    interpreter and libraries that 10 shims or 10 Node servers share are counted once,
    which is what the machine really spends. RSS counts them in every process.
    """
    rss: dict[int, int] = {}
    pss: dict[int, int] = {}
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for proc in [root, *root.children(recursive=True)]:
                info = proc.memory_full_info()
                rss[proc.pid] = info.rss
                pss[proc.pid] = getattr(info, "pss", info.rss)  # no PSS off Linux: RSS
        except psutil.Error:
            continue
    return sum(rss.values()), sum(pss.values())


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


class Daemon:
    """An isolated mcpod daemon serving `servers()`, under a short temp dir."""

    def __init__(self, instances: int = 1) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="mcpod-b", dir="/tmp"))
        # Semantic search off: its model (~145 MB) is not part of the comparison with peers.
        self.env = {**os.environ, "MCPOD_HOME": str(self.home), "MCPOD_SEMANTIC": "off"}
        config = servers()
        if instances > 1:  # the echo server is stateless: it may run several copies
            config["everything"] = {**config["everything"], "instances": instances}
        (self.home / "config.json").write_text(json.dumps({"mcpServers": config}))
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

    def shim(self) -> StdioClient:
        return stdio_peer(
            [str(BIN / "mcpod-shim"), "--mode", "all"], {"MCPOD_HOME": str(self.home)}
        )

    def stop(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "mcpod", "stop"], env=self.env, capture_output=True, timeout=60
        )
        self.proc.wait(timeout=30)
