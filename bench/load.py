"""Load: 50 concurrent sessions x 200 `echo` calls through one mcpod daemon, beside the
same load on direct connections (each session its own server), in the same run.

Every call carries a message unique to its session and number; an answer that does not
echo exactly that message is misrouted, a call without an answer is lost. Both must be
zero: the run fails loudly otherwise. `python -m bench.load [--sessions N --calls N]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from typing import Any

from bench.contenders import Direct, Mcpod, McpodInstances
from bench.harness import StdioClient, percentile

WARM_UP_CALLS = 10  # per session, concurrently and not timed (starts `instances` copies)


class LoadError(AssertionError):
    pass


def load(contender: Any, sessions: int, calls: int) -> dict[str, Any]:
    peers: list[StdioClient] = [contender.echo_session() for _ in range(sessions)]
    for peer in peers:
        peer.initialize()
    latencies: list[list[float]] = [[] for _ in peers]
    problems: list[str] = []

    def work(index: int, peer: StdioClient) -> None:
        for n in range(calls):
            message = f"s{index}-c{n}"
            params = {"name": contender.echo_tool, "arguments": {"message": message}}
            started = time.perf_counter()
            try:
                result = peer.request("tools/call", params, timeout=30)
            except Exception as exc:  # a lost or failed call is counted, not raised here
                problems.append(f"lost: session {index} call {n}: {exc}")
                continue
            latencies[index].append((time.perf_counter() - started) * 1000)
            text = result["content"][0].get("text", "")
            if text != f"Echo: {message}":
                problems.append(f"misrouted: session {index} call {n} got {text[:40]!r}")

    def warm_up(index: int, peer: StdioClient) -> None:  # every copy started, caches warm
        for n in range(WARM_UP_CALLS):
            params = {"name": contender.echo_tool, "arguments": {"message": f"warm{index}-{n}"}}
            peer.request("tools/call", params, timeout=60)

    warmers = [threading.Thread(target=warm_up, args=(i, p)) for i, p in enumerate(peers)]
    for thread in warmers:
        thread.start()
    for thread in warmers:
        thread.join()
    threads = [threading.Thread(target=work, args=(i, p)) for i, p in enumerate(peers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for peer in peers:
        peer.close(timeout=10)
    times = [t for per_session in latencies for t in per_session]
    lost = sum(p.startswith("lost") for p in problems)
    misrouted = sum(p.startswith("misrouted") for p in problems)
    return {
        "sessions": sessions, "calls": sessions * calls, "answered": len(times),
        "lost": lost, "misrouted": misrouted, "problems": problems[:5],
        "calls_per_s": round(len(times) / elapsed, 1),
        "p50_ms": round(statistics.median(times), 3) if times else None,
        "p99_ms": round(percentile(times, 99), 3) if times else None,
    }  # fmt: skip


def run(sessions: int = 50, calls: int = 200) -> dict[str, Any]:
    results = {}
    for kind in (Mcpod, Direct):
        contender = kind()
        contender.start()
        try:
            results[contender.name] = load(contender, sessions, calls)
        finally:
            contender.stop()
    mcpod = results["mcpod"]
    if mcpod["lost"] or mcpod["misrouted"]:
        raise LoadError(f"mcpod lost {mcpod['lost']} and misrouted {mcpod['misrouted']} calls: "
                        f"{mcpod['problems']}")  # fmt: skip
    return results


def curves(sizes: tuple[int, ...] = (1, 10, 50), calls: int = 100) -> list[dict[str, Any]]:
    """Throughput and latency at each number of concurrent sessions, for direct, mcpod and
    mcpod with `instances`; lost or misrouted calls fail the run, as in `run`."""
    rows = []
    for sessions in sizes:
        row: dict[str, Any] = {"sessions": sessions}
        for kind in (Direct, Mcpod, McpodInstances):
            contender = kind()
            contender.start()
            try:
                row[contender.name] = figures = load(contender, sessions, calls)
            finally:
                contender.stop()
            if figures["lost"] or figures["misrouted"]:
                raise LoadError(f"{contender.name}: {figures['problems']}")
        rows.append(row)
    return rows


def render_curves(rows: list[dict[str, Any]]) -> str:
    names = ("direct (status quo)", "mcpod", "mcpod, instances 4")
    lines = ["### Concurrent sessions: calls/s and p50 / p99 per echo call", "",
             "| sessions | " + " | ".join(names) + " | mcpod vs direct |",
             "|---|---|---|---|---|"]  # fmt: skip
    for row in rows:
        cells = [f"{row[n]['calls_per_s']:,.0f}/s, {row[n]['p50_ms']} / {row[n]['p99_ms']} ms"
                 for n in names]  # fmt: skip
        best = max(row["mcpod"]["calls_per_s"], row["mcpod, instances 4"]["calls_per_s"])
        ratio = best / row["direct (status quo)"]["calls_per_s"]
        lines.append(f"| {row['sessions']} | " + " | ".join(cells) + f" | x{ratio:.2f} |")
    return "\n".join(lines) + "\n"


def render(r: dict[str, Any]) -> str:
    mcpod, direct = r["mcpod"], r["direct (status quo)"]
    lines = [
        f"### Load: {mcpod['sessions']} concurrent sessions x "
        f"{mcpod['calls'] // mcpod['sessions']} echo calls",
        "",
        "| system | calls/s | vs direct | p50 | p99 | lost | misrouted |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in (("mcpod (one daemon, one server)", mcpod),
                      ("direct (a server per session)", direct)):  # fmt: skip
        lines.append(
            f"| {name} | {row['calls_per_s']:,.0f} | x{row['calls_per_s'] / direct['calls_per_s']:.2f} "
            f"| {row['p50_ms']} ms | {row['p99_ms']} ms | {row['lost']} | {row['misrouted']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--curves", action="store_true",
                        help="1, 10 and 50 sessions; direct, mcpod, mcpod with instances")  # fmt: skip
    args = parser.parse_args()
    if args.curves:
        rows = curves(calls=args.calls)
        print(json.dumps(rows, indent=2), file=sys.stderr)
        print(render_curves(rows))
        return 0
    results = run(args.sessions, args.calls)
    print(json.dumps(results, indent=2), file=sys.stderr)
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
