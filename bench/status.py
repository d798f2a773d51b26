"""`mcpod status` wall time against a running daemon (issue target: under 100 ms for the
whole command), beside the bare interpreter start it cannot beat (`python -c pass`) and
`python -m mcpod --version` (the CLI's own start). `python -m bench.status [--runs N]`."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from typing import Any

from bench.harness import BIN, Daemon, percentile


def timed(argv: list[str], env: dict[str, str], runs: int) -> dict[str, float]:
    times = []
    for _ in range(runs + 2):  # two warm-ups (.pyc, page cache)
        started = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True, timeout=30)
        times.append((time.perf_counter() - started) * 1000)
    times = times[2:]
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 95), 1)}


def run(runs: int = 20) -> dict[str, Any]:
    daemon = Daemon()
    try:
        return {
            "runs": runs,
            "python -c pass": timed([sys.executable, "-c", "pass"], daemon.env, runs),
            "mcpod --version": timed([str(BIN / "mcpod"), "--version"], daemon.env, runs),
            "mcpod status": timed([str(BIN / "mcpod"), "status"], daemon.env, runs),
            "mcpod status --json": timed(
                [str(BIN / "mcpod"), "status", "--json"], daemon.env, runs
            ),
        }
    finally:
        daemon.stop()


def render(r: dict[str, Any]) -> str:
    lines = [f"### `mcpod status` against a running daemon (3 servers, {r['runs']} runs)", "",
             "| command | p50 | p95 |", "|---|---|---|"]  # fmt: skip
    for name in ("python -c pass", "mcpod --version", "mcpod status", "mcpod status --json"):
        lines.append(f"| `{name}` | {r[name]['p50_ms']} ms | {r[name]['p95_ms']} ms |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.status")
    parser.add_argument("--runs", type=int, default=20)
    results = run(parser.parse_args().runs)
    print(json.dumps(results, indent=2), file=sys.stderr)
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
