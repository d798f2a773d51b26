"""`python -m bench` (or `make bench`): mcpod side by side with direct stdio connections.

Figures, each over repeated runs in this one invocation:
  1. shim start-up to the first forwarded answer, and its RSS, vs a Python process that
     only imports the `mcp` SDK client;
  2. session ready (spawn the client's side -> tools/list answered): spawning the servers
     directly vs `mcpod-shim` on a warm daemon;
  3. tools/call `echo` latency p50/p99, direct vs through mcpod;
  4. total memory of S sessions x M servers, direct vs through mcpod.
Writes bench/results/latest.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from typing import Any

import psutil

from bench.harness import ROOT, Daemon, StdioPeer, direct_peer, servers, summary, tree_rss


def shim_startup(daemon: Daemon, runs: int) -> dict[str, Any]:
    times, rss = [], []
    for _ in range(runs):
        peer = daemon.shim()
        peer.initialize()
        times.append((time.perf_counter() - peer.started) * 1000)
        rss.append(psutil.Process(peer.proc.pid).memory_info().rss)
        peer.close()
    return {"ms": summary(times), "rss_mb": statistics.median(rss) / 2**20}


def sdk_import(runs: int) -> dict[str, Any]:
    code = "import mcp.client.session, sys; sys.stdout.write('ready\\n'); sys.stdout.flush(); sys.stdin.read()"
    times, rss = [], []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert proc.stdout is not None and proc.stdin is not None
        proc.stdout.readline()
        times.append((time.perf_counter() - started) * 1000)
        rss.append(psutil.Process(proc.pid).memory_info().rss)
        proc.stdin.close()
        proc.wait()
    return {"ms": summary(times), "rss_mb": statistics.median(rss) / 2**20}


def ready_direct(runs: int) -> dict[str, Any]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        peers = [direct_peer(spec) for spec in servers().values()]
        ids = [p.send("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                     "clientInfo": {"name": "b", "version": "1"}}) for p in peers]  # fmt: skip
        for peer, request_id in zip(peers, ids, strict=True):
            peer.wait(request_id)
        for peer in peers:
            peer.request("tools/list")
        times.append((time.perf_counter() - started) * 1000)
        for peer in peers:
            peer.close()
    return {"ms": summary(times)}


def ready_mcpod(daemon: Daemon, runs: int) -> dict[str, Any]:
    times, tools = [], 0
    for _ in range(runs):
        peer = daemon.shim()
        peer.initialize()
        tools = len(peer.request("tools/list")["tools"])
        times.append((time.perf_counter() - peer.started) * 1000)
        peer.close()
    return {"ms": summary(times), "tools": tools}


def call_latency(peer: StdioPeer, name: str, calls: int) -> dict[str, Any]:
    params = {"name": name, "arguments": {"message": "hello"}}
    for _ in range(20):  # warm-up
        peer.request("tools/call", params)
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        peer.request("tools/call", params)
        times.append((time.perf_counter() - started) * 1000)
    return {"ms": summary(times)}


def memory_direct(sessions: int) -> int:
    peers = [direct_peer(spec) for _ in range(sessions) for spec in servers().values()]
    for peer in peers:
        peer.initialize()
        peer.request("tools/list")
    total = tree_rss([p.proc.pid for p in peers])
    for peer in peers:
        peer.close()
    return total


def memory_mcpod(daemon: Daemon, sessions: int) -> int:
    peers = [daemon.shim() for _ in range(sessions)]
    for peer in peers:
        peer.initialize()
        peer.request("tools/list")
    total = tree_rss([daemon.proc.pid, *(p.proc.pid for p in peers)])
    for peer in peers:
        peer.close()
    return total


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--runs", type=int, default=15, help="repetitions for start-up figures")
    parser.add_argument("--calls", type=int, default=400, help="tools/call repetitions")
    parser.add_argument("--sessions", default="1,5,10", help="session counts for the memory figure")
    args = parser.parse_args()
    sessions = [int(s) for s in args.sessions.split(",")]
    results: dict[str, Any] = {"machine": machine(), "args": vars(args)}
    step("starting an isolated mcpod daemon and warming its servers")
    daemon = Daemon()
    try:
        step("shim start-up vs importing the mcp client")
        results["shim"] = shim_startup(daemon, args.runs)
        results["sdk_import"] = sdk_import(args.runs)
        step("session ready: direct vs through mcpod")
        results["ready_direct"] = ready_direct(max(3, args.runs // 3))
        results["ready_mcpod"] = ready_mcpod(daemon, args.runs)
        step("tools/call echo latency")
        direct = direct_peer(servers()["everything"])
        direct.initialize()
        results["call_direct"] = call_latency(direct, "echo", args.calls)
        direct.close()
        shim = daemon.shim()
        shim.initialize()
        results["call_mcpod"] = call_latency(shim, "everything__echo", args.calls)
        shim.close()
        step("memory: S sessions x 3 servers")
        results["memory"] = {
            s: {"direct_mb": memory_direct(s) / 2**20, "mcpod_mb": memory_mcpod(daemon, s) / 2**20}
            for s in sessions
        }
    finally:
        daemon.stop()
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    table = render(results)
    (out / "latest.md").write_text(table)
    print(table)
    return 0


def render(r: dict[str, Any]) -> str:
    def ms(block: dict[str, Any], key: str = "p50") -> str:
        return f"{block['ms'][key]:.1f} ms"

    ratio = r["ready_direct"]["ms"]["p50"] / r["ready_mcpod"]["ms"]["p50"]
    overhead = r["call_mcpod"]["ms"]["p50"] - r["call_direct"]["ms"]["p50"]
    lines = [
        f"Machine: {r['machine']['description']}",
        "",
        "| figure | direct / baseline | through mcpod | ratio |",
        "|---|---|---|---|",
        f"| shim start-up to first answer (p50, min..max) vs `import mcp.client.session` "
        f"| {ms(r['sdk_import'])} ({r['sdk_import']['ms']['min']:.0f}..{r['sdk_import']['ms']['max']:.0f}) "
        f"| {ms(r['shim'])} ({r['shim']['ms']['min']:.0f}..{r['shim']['ms']['max']:.0f}) "
        f"| {r['sdk_import']['ms']['p50'] / r['shim']['ms']['p50']:.1f}x faster |",
        f"| client-side process RSS | {r['sdk_import']['rss_mb']:.1f} MB | {r['shim']['rss_mb']:.1f} MB "
        f"| {r['sdk_import']['rss_mb'] / r['shim']['rss_mb']:.1f}x smaller |",
        f"| session ready: spawn -> tools/list answered, 3 servers ({r['ready_mcpod']['tools']} tools), p50 "
        f"| {ms(r['ready_direct'])} | {ms(r['ready_mcpod'])} | {ratio:.1f}x faster |",
        f"| tools/call echo p50 | {ms(r['call_direct'])} | {ms(r['call_mcpod'])} "
        f"| +{overhead * 1000:.0f} us |",
        f"| tools/call echo p99 | {ms(r['call_direct'], 'p99')} | {ms(r['call_mcpod'], 'p99')} "
        f"| +{(r['call_mcpod']['ms']['p99'] - r['call_direct']['ms']['p99']) * 1000:.0f} us |",
    ]
    for s, mem in r["memory"].items():
        lines.append(
            f"| total RSS, {s} session(s) x 3 servers | {mem['direct_mb']:.0f} MB | {mem['mcpod_mb']:.0f} MB "
            f"| {mem['direct_mb'] / mem['mcpod_mb']:.1f}x less |"
        )
    return "\n".join(lines) + "\n"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    with open("/proc/cpuinfo") as f:
        models = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
    description = (
        f"{models[0] if models else cpu}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )
    return {"description": description}


def step(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
