"""Shared fixtures: isolated daemons under short temp dirs, real servers, real clients."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest

ROOT = Path(__file__).resolve().parent.parent
NODE_TOOLS = ROOT / "tools" / "node" / "node_modules"
NODE = NODE_TOOLS / "node" / "bin" / "node"
EVERYTHING = NODE_TOOLS / "@modelcontextprotocol" / "server-everything" / "dist" / "index.js"
MEMORY = NODE_TOOLS / "@modelcontextprotocol" / "server-memory" / "dist" / "index.js"
INSPECTOR = NODE_TOOLS / ".bin" / "mcp-inspector"
PROBE = Path(__file__).resolve().parent / "servers" / "probe_server.py"


def require_node_tools() -> None:
    missing = [p for p in (NODE, EVERYTHING, INSPECTOR) if not p.exists()]
    if missing:
        pytest.fail(f"test tools missing ({missing[0]}): run scripts/install-test-tools")


def everything_server() -> dict[str, Any]:
    require_node_tools()
    return {"command": str(NODE), "args": [str(EVERYTHING), "stdio"]}


def time_server() -> dict[str, Any]:
    return {"command": sys.executable, "args": ["-m", "mcp_server_time", "--local-timezone", "UTC"]}


def probe_server(marks: Path | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"command": sys.executable, "args": [str(PROBE)]}
    if marks is not None:
        spec["env"] = {"PROBE_MARKS": str(marks)}
    return spec


def short_tempdir() -> Path:
    # AF_UNIX paths are capped at ~107 bytes: pytest's tmp_path is too deep for sockets.
    return Path(tempfile.mkdtemp(prefix="mcpod-t", dir="/tmp"))


@dataclass
class DaemonHome:
    home: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def socket(self) -> Path:
        return self.home / "run" / "mcpod.sock"

    def write_config(self, servers: dict[str, Any]) -> None:
        (self.home / "config.json").write_text(json.dumps({"mcpServers": servers}))

    def mcpod(
        self, *args: str, check: bool = True, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mcpod", *args],
            env=self.env, capture_output=True, text=True, check=check, timeout=timeout,
        )  # fmt: skip

    def status(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.mcpod("status", "--json").stdout)
        return result

    def start(self) -> None:
        log = open(self.home / "daemon-fg.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mcpod", "daemon"], env=self.env, stdout=log, stderr=log
        )
        log.close()
        wait_for(self.socket.exists, 30, "the daemon's socket")

    def shim_params(self, *args: str) -> Any:
        """The SDK's parameters to spawn `mcpod-shim` (in `all` mode unless told otherwise)."""
        from mcp import StdioServerParameters

        args = args or ("--mode", "all")
        return StdioServerParameters(
            command=sys.executable, args=["-m", "mcpod.shim", *args], env=self.shim_env()
        )

    def shim_env(self) -> dict[str, str]:
        return {"MCPOD_HOME": str(self.home), "PATH": os.environ.get("PATH", "")}

    def daemon_log(self) -> str:
        """Everything the daemon logged: its stderr files and its structured log."""
        logs = [self.home / "daemon-fg.log", self.home / "logs" / "daemon.log"]
        texts = [p.read_text(errors="replace") for p in logs if p.exists()]
        events = self.home / "logs" / "daemon.jsonl"
        if events.exists():
            for line in events.read_text(errors="replace").splitlines():
                with contextlib.suppress(ValueError):
                    texts.append(json.loads(line)["message"])
        return "\n".join(texts)


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def daemon_processes(home: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline", "environ"]):
        try:
            cmd = proc.info["cmdline"] or []
            if (
                "daemon" in cmd
                and "mcpod" in cmd
                and (proc.info["environ"] or {}).get("MCPOD_HOME") == str(home)
            ):
                found.append(proc)
        except psutil.Error:
            continue
    return found


def _processes(pids: list[int]) -> list[psutil.Process]:
    found = []
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            found.append(psutil.Process(pid))
    return found


@pytest.fixture
def mcpod_home() -> Iterator[DaemonHome]:
    """An isolated MCPOD_HOME; on teardown the daemon is stopped and nothing may survive."""
    home = short_tempdir()
    # Semantic search off unless a test turns it on: its model adds ~145 MB to the daemon,
    # which would blur every memory figure (tests/e2e/test_semantic.py runs it for real).
    env = {**os.environ, "MCPOD_HOME": str(home), "MCPOD_SEMANTIC": "off"}
    env.pop("MCPOD_SOCKET", None)
    handle = DaemonHome(home=home, env=env)
    yield handle
    from tests.rawclient import ShimProcess

    ShimProcess.kill_leftovers()
    upstream_pids: list[int] = []
    if handle.socket.exists():
        with contextlib.suppress(Exception):
            upstream_pids = [s["pid"] for s in handle.status()["servers"] if s.get("pid")]
    upstreams = _processes(upstream_pids)  # taken before stop: pids can be reused after
    daemons = daemon_processes(home)
    handle.mcpod("stop", check=False)
    if handle.process is not None:
        handle.process.wait(timeout=30)
    _, alive = psutil.wait_procs(upstreams + daemons, timeout=15)
    for proc in alive:
        proc.kill()
    shutil.rmtree(home, ignore_errors=True)
    assert not alive, f"processes survived mcpod stop: {alive}"


@pytest.fixture
def daemon(mcpod_home: DaemonHome) -> DaemonHome:
    """A running daemon (foreground process) serving the everything and probe servers."""
    marks = mcpod_home.home / "marks"
    marks.mkdir()
    mcpod_home.write_config({"everything": everything_server(), "probe": probe_server(marks)})
    mcpod_home.start()
    return mcpod_home


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
