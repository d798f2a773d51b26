"""Every figure for every contender, in one run (see bench/contenders.py for who)."""

from __future__ import annotations

import statistics
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import psutil

from bench.contenders import ALL, Contender
from bench.harness import INIT_PARAMS, StdioClient, percentile, tree_memory
from mcpod.daemon.catalog import estimate_tokens
from mcpod.daemon.exposure import META_TOOLS

LARGE = 1 << 20  # 1 MiB of text, echoed back


def spread(values: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def shim_startup(c: Contender, runs: int) -> dict[str, Any] | None:
    if c.shim is None:
        return None
    times, rss = [], []
    for _ in range(runs):
        peer = c.session()[0]
        peer.initialize()
        times.append((time.perf_counter() - peer.started) * 1000)
        rss.append(psutil.Process(peer.proc.pid).memory_info().rss / 2**20)
        _close_all(c, [peer])
    return {"ms": spread(times), "rss_mb": spread(rss)}


def session_ready(c: Contender, runs: int) -> dict[str, Any]:
    times, tools = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        peers = c.session()
        ids = [p.send_request("initialize", INIT_PARAMS) for p in peers]
        for peer, request_id in zip(peers, ids, strict=True):
            peer.wait(request_id)
            peer.notify("notifications/initialized")
        lists = [p.request("tools/list")["tools"] for p in peers]
        times.append((time.perf_counter() - started) * 1000)
        tools = sum(len(tl) for tl in lists)
        _close_all(c, peers)
    return {"ms": spread(times), "tools": tools}


def call_latency(c: Contender, rounds: int, calls: int, size: int) -> dict[str, Any]:
    peer = c.echo_session()
    peer.initialize()
    params = {"name": c.echo_tool, "arguments": {"message": "x" * size}}
    for _ in range(5):
        _check_echo(peer.request("tools/call", params), size)
    p50s, p99s = [], []
    for _ in range(rounds):
        times = []
        for _ in range(calls):
            started = time.perf_counter()
            result = peer.request("tools/call", params)
            times.append((time.perf_counter() - started) * 1000)
        p50s.append(statistics.median(times))
        p99s.append(percentile(times, 99))
    _check_echo(result, size)
    _close_all(c, [peer])
    return {"p50_ms": spread(p50s), "p99_ms": spread(p99s)}


def throughput(c: Contender, sessions: int, calls: int, rounds: int) -> dict[str, Any]:
    rates = []
    for _ in range(rounds):
        peers = [c.echo_session() for _ in range(sessions)]
        for peer in peers:
            peer.initialize()
        params = {"name": c.echo_tool, "arguments": {"message": "hello"}}

        def work(peer: StdioClient, params: dict[str, Any] = params) -> None:
            for _ in range(calls):
                peer.request("tools/call", params)

        started = time.perf_counter()
        threads = [threading.Thread(target=work, args=(p,)) for p in peers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rates.append(sessions * calls / (time.perf_counter() - started))
        _close_all(c, peers)
    return {"calls_per_s": spread(rates)}


def memory(c: Contender, sessions: int) -> tuple[float, float]:
    """(RSS, PSS) in MiB of every process of `sessions` sessions with their servers."""
    peers = [p for _ in range(sessions) for p in c.session()]
    for peer in peers:
        peer.initialize()
        peer.request("tools/list")
    rss, pss = tree_memory(c.shared_pids() + [p.proc.pid for p in peers])
    _close_all(c, peers)
    return rss / 2**20, pss / 2**20


def memory_figures(c: Contender) -> dict[str, Any]:
    """RSS and PSS at 1, 5 and 10 sessions, twice each."""
    samples = {s: [memory(c, s) for _ in range(2)] for s in (1, 5, 10)}
    return {
        "memory_mb": {s: spread([rss for rss, _ in v]) for s, v in samples.items()},
        "memory_pss_mb": {s: spread([pss for _, pss in v]) for s, v in samples.items()},
    }


def tokens(c: Contender) -> int:
    peers = c.session()
    listed = []
    for peer in peers:
        peer.initialize()
        listed += peer.request("tools/list")["tools"]
    _close_all(c, peers)
    return estimate_tokens({"tools": listed})


def measure(c: Contender, quick: bool, step: Callable[[str], None]) -> dict[str, Any]:
    runs, calls, rounds = (5, 100, 2) if quick else (10, 300, 3)
    out: dict[str, Any] = {"name": c.name, "shim": c.shim, "note": c.note, "failed": {}}
    figures: list[tuple[str, Callable[[], Any]]] = [
        # Memory first, for everyone alike: large calls leave any process's heap bigger.
        ("memory", lambda: memory_figures(c)),
        ("tokens", lambda: tokens(c)),
        ("startup", lambda: shim_startup(c, runs)),
        ("ready", lambda: session_ready(c, runs)),
        ("call_small", lambda: call_latency(c, rounds, calls, 5)),
        ("call_large", lambda: call_latency(c, rounds, max(10, calls // 15), LARGE)),
        ("throughput", lambda: throughput(c, 10, calls // 3, rounds)),
    ]
    for key, figure in figures:
        started = time.perf_counter()
        try:
            value = figure()
            if key == "memory":
                out.update(value)  # memory_mb (RSS) and memory_pss_mb
            else:
                out[key] = value
        except Exception as exc:  # one figure failing must not lose the others
            out["failed"][key] = f"{type(exc).__name__}: {exc}"[:160]
        step(f"{c.name}: {key} in {time.perf_counter() - started:.1f} s")
    if c.name == "mcpod":
        out["tokens_lazy"] = estimate_tokens({"tools": META_TOOLS})
    return out


def run(quick: bool = False, step: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    step = step or _stderr
    results = []
    for kind in ALL:
        contender = kind()
        if not contender.installed():
            results.append(
                {"name": contender.name, "missing": "not installed (scripts/install-bench-peers)"}
            )
            continue
        contender.start()
        try:
            results.append(measure(contender, quick, step))
        except Exception as exc:  # one peer failing must not lose the others' figures
            results.append({"name": contender.name, "missing": f"failed: {exc!r}"[:200]})
        finally:
            contender.stop()
    return results


def _check_echo(result: dict[str, Any], size: int) -> None:
    text = result["content"][0].get("text", "")
    if result.get("isError") or len(text) < size:
        raise RuntimeError(
            f"a {size}-byte echo came back as {'an error' if result.get('isError') else 'short'}: {text[:60]!r}"
        )


def _stderr(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def _close_all(c: Contender, peers: list[StdioClient]) -> None:
    for peer in peers:
        peer.close()


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
