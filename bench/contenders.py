"""The systems compared, each set up as its own documentation describes, all serving the
same three upstreams (server-everything, server-memory, mcp-server-time):

- direct:    the clients' status quo: each session spawns its own servers over stdio;
- mcpod:     `mcpod-shim` -> the mcpod daemon (one warm instance of each server);
- mcp-proxy: `mcp-proxy --named-server-config` as the daemon (one route per server, no
             aggregation) and its stdio client mode as the shim, one shim per server;
- mcp-hub:   the `mcp-hub` hub (SSE at /mcp, aggregated); it has no stdio shim of its own,
             so clients reach it through mcp-proxy's stdio client, as its users do;
- fastmcp:   a fastmcp proxy with one long-lived connected backend client (its docs'
             recommendation over a fresh backend session per request), over streamable
             HTTP, reached through the same mcp-proxy stdio client.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from bench.harness import NODE, ROOT, Daemon, StdioClient, direct_peer, servers, stdio_peer

PEERS = ROOT / "bench" / ".peers"
MCP_PROXY = PEERS / "mcp-proxy" / "bin" / "mcp-proxy"
FASTMCP_PY = PEERS / "fastmcp" / "bin" / "python"
MCP_HUB = PEERS / "node" / "node_modules" / "mcp-hub" / "dist" / "cli.js"


class Contender:
    name = ""
    shim: str | None = None  # what runs in the client's config; None: no intermediary
    note = ""
    echo_tool = "everything__echo"

    def installed(self) -> bool:
        return True

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def session(self) -> list[StdioClient]:
        """The client-side processes of one new session, spawned now."""
        raise NotImplementedError

    def echo_session(self) -> StdioClient:
        """One client-side process that reaches the everything server's echo."""
        return self.session()[0]

    def shared_pids(self) -> list[int]:
        """Long-lived processes (daemons) whose trees count toward memory."""
        return []


class Direct(Contender):
    name, note, echo_tool = "direct (status quo)", "each session spawns its own servers", "echo"

    def session(self) -> list[StdioClient]:
        return [direct_peer(spec) for spec in servers().values()]

    def echo_session(self) -> StdioClient:
        return direct_peer(servers()["everything"])


class Mcpod(Contender):
    name, shim = "mcpod", "mcpod-shim"
    instances = 1

    def start(self) -> None:
        self.daemon = Daemon(self.instances)

    def stop(self) -> None:
        self.daemon.stop()

    def session(self) -> list[StdioClient]:
        return [self.daemon.shim()]

    def shared_pids(self) -> list[int]:
        return [self.daemon.proc.pid]


class McpodInstances(Mcpod):
    """mcpod with the echo server's `instances: 4` (it is stateless)."""

    name = "mcpod, instances 4"
    instances = 4


class HttpPeer(Contender):
    """A peer daemon on a loopback port, reached through mcp-proxy's stdio client."""

    shim = "mcp-proxy (stdio client)"
    transport = "streamablehttp"

    def installed(self) -> bool:
        return MCP_PROXY.exists()

    def start(self) -> None:
        self.port = free_port()
        self.config = Path(tempfile.mkdtemp(prefix="mcpod-peer")) / "config.json"
        self.config.write_text(json.dumps({"mcpServers": servers()}))
        self.proc = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, env=self.env(),
        )  # fmt: skip
        wait_port(self.port, 60)
        warm = self.session()  # make the peer start its backends before anything is timed
        for peer in warm:
            peer.initialize()
            peer.request("tools/list")
            peer.close()

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def bridge(self, path: str) -> StdioClient:
        url = f"http://127.0.0.1:{self.port}{path}"
        args = (
            ["--transport", "streamablehttp", url] if self.transport == "streamablehttp" else [url]
        )
        return stdio_peer([str(MCP_PROXY), *args])

    def shared_pids(self) -> list[int]:
        return [self.proc.pid]

    def env(self) -> dict[str, str]:
        return dict(os.environ)

    def command(self) -> list[str]:
        raise NotImplementedError


class McpProxy(HttpPeer):
    name, note, echo_tool = "mcp-proxy 0.13.0", "no aggregation: one shim per server", "echo"

    def command(self) -> list[str]:
        return [str(MCP_PROXY), "--named-server-config", str(self.config), "--port", str(self.port)]

    def session(self) -> list[StdioClient]:
        return [self.bridge(f"/servers/{name}/mcp") for name in servers()]

    def echo_session(self) -> StdioClient:
        return self.bridge("/servers/everything/mcp")


class McpHub(HttpPeer):
    name, note, transport = "mcp-hub 4.2.1", "SSE only; no shim of its own", "sse"

    def installed(self) -> bool:
        return super().installed() and MCP_HUB.exists()

    def command(self) -> list[str]:
        return [str(NODE), str(MCP_HUB), "--port", str(self.port), "--config", str(self.config)]

    def session(self) -> list[StdioClient]:
        return [self.bridge("/mcp")]


class FastMcp(HttpPeer):
    name, note, echo_tool = (
        "fastmcp 4.1.2 proxy",
        "long-lived backend client; no shim of its own",
        "everything_echo",
    )

    def installed(self) -> bool:
        return super().installed() and FASTMCP_PY.exists()

    def command(self) -> list[str]:
        script = ROOT / "bench" / "peer_scripts" / "fastmcp_proxy.py"
        return [str(FASTMCP_PY), str(script), str(self.config), str(self.port)]

    def env(self) -> dict[str, str]:
        return {**os.environ, "FASTMCP_SHOW_SERVER_BANNER": "false", "FASTMCP_LOG_LEVEL": "WARNING"}

    def session(self) -> list[StdioClient]:
        return [self.bridge("/mcp")]


ALL: list[type[Contender]] = [Direct, Mcpod, McpProxy, McpHub, FastMcp]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listened on port {port} within {timeout} s")
