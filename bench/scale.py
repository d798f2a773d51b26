"""How mcpod's costs grow with the number of configured servers: session-ready time,
daemon RSS and `mcpod status` wall time with 10, 100 and 300 configured servers
(`bench/peer_scripts/tiny_server.py`, three tools each, cheap to start).

For each size: a daemon indexes every server once (the first run on a machine), then a
new daemon starts on that state store, as it does every day after, and is measured with
no server started: RSS should follow servers started, not servers configured.
`python -m bench.scale [--sizes 10,100,300] [--sessions N]`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from bench.harness import BIN, ROOT, percentile

TINY = ROOT / "bench" / "peer_scripts" / "tiny_server.py"
INDEX_TIMEOUT_S = 600.0


class Home:
    def __init__(self, servers: int) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="mcpod-s", dir="/tmp"))
        self.env = {**os.environ, "MCPOD_HOME": str(self.dir), "MCPOD_SEMANTIC": "off"}
        config = {
            f"tiny{i:03d}": {"command": sys.executable, "args": [str(TINY)],
                             "env": {"TINY_NAME": f"thing{i:03d}"}}
            for i in range(servers)
        }  # fmt: skip
        (self.dir / "config.json").write_text(json.dumps({"mcpServers": config}))
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mcpod", "daemon"], env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not (self.dir / "run" / "mcpod.sock").exists():
            if time.monotonic() > deadline:
                raise RuntimeError("the daemon did not start")
            time.sleep(0.02)

    def cli(self, *args: str) -> str:
        return subprocess.run(
            [str(BIN / "mcpod"), *args], env=self.env, capture_output=True, text=True,
            check=True, timeout=120,
        ).stdout  # fmt: skip

    def wait_indexed(self, servers: int) -> float:
        started = time.monotonic()
        while True:
            listing = json.loads(self.cli("tools", "--json"))["servers"]
            if sum(s["indexed"] for s in listing) >= servers:
                return time.monotonic() - started
            if time.monotonic() - started > INDEX_TIMEOUT_S:
                raise RuntimeError("indexing did not finish")
            time.sleep(0.5)

    def stop(self) -> None:
        subprocess.run([str(BIN / "mcpod"), "stop"], env=self.env, capture_output=True,
                       timeout=120)  # fmt: skip
        if self.proc is not None:
            self.proc.wait(timeout=60)

    def rss_mb(self) -> float:
        assert self.proc is not None
        return psutil.Process(self.proc.pid).memory_info().rss / 2**20

    def started_servers(self) -> int:
        return sum(1 for s in json.loads(self.cli("status", "--json"))["servers"] if s.get("pid"))


def session_ready(home: Home, mode: str, runs: int) -> dict[str, float]:
    """Spawn a shim -> initialize -> tools/list answered (ms)."""
    request = (
        b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":'
        b'"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}\n'
        b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n'
        b'{"jsonrpc":"2.0","id":2,"method":"tools/list"}\n'
    )
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        shim = subprocess.Popen([str(BIN / "mcpod-shim"), "--mode", mode], env=home.env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
        assert shim.stdin is not None and shim.stdout is not None
        shim.stdin.write(request)
        shim.stdin.flush()
        shim.stdout.readline()
        shim.stdout.readline()  # the tools/list answer
        times.append((time.perf_counter() - started) * 1000)
        shim.stdin.close()
        shim.wait(timeout=30)
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 95), 1)}


def status_time(home: Home, runs: int) -> dict[str, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        home.cli("status")
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 95), 1)}


def measure(servers: int, runs: int) -> dict[str, Any]:
    home = Home(servers)
    try:
        home.start()
        indexing_s = home.wait_indexed(servers)
        home.stop()
        home.start()  # the everyday start: the catalog comes from the store
        time.sleep(1.0)
        figures = {
            "servers": servers,
            "first_indexing_s": round(indexing_s, 1),
            "rss_mb_idle": round(home.rss_mb(), 1),
            "servers_started": home.started_servers(),
            "session_ready_lazy": session_ready(home, "lazy", runs),
            "session_ready_all": session_ready(home, "all", runs),
            "status": status_time(home, runs),
            "rss_mb_after": round(home.rss_mb(), 1),
        }
        return figures
    finally:
        home.stop()
        shutil.rmtree(home.dir, ignore_errors=True)


def render(rows: list[dict[str, Any]]) -> str:
    lines = [
        "### Scale: configured servers (none started; catalog from the store)", "",
        "| servers | daemon RSS | servers started | session ready, lazy | session ready, all "
        "| `mcpod status` | first indexing |",
        "|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for r in rows:
        lines.append(
            f"| {r['servers']} | {r['rss_mb_idle']} MB | {r['servers_started']} "
            f"| {r['session_ready_lazy']['p50_ms']} ms | {r['session_ready_all']['p50_ms']} ms "
            f"| {r['status']['p50_ms']} ms | {r['first_indexing_s']} s |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale")
    parser.add_argument("--sizes", default="10,100,300")
    parser.add_argument("--sessions", type=int, default=10, help="runs per figure")
    args = parser.parse_args()
    rows = [measure(int(n), args.sessions) for n in args.sizes.split(",")]
    print(json.dumps(rows, indent=2), file=sys.stderr)
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
