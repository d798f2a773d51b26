"""`python -m bench [--quick]` (or `make bench`, which installs the peers first).

One run measures, for the clients' status quo (direct stdio), mcpod, and the peers users
would pick instead (mcp-proxy, mcp-hub, the fastmcp proxy; see bench/contenders.py), on
the same three upstreams: client-side start-up and RSS, session-ready time, tools/call
latency (small and 1 MiB), throughput with 10 sessions, total memory for 1/5/10
sessions, and the initial tools/list token footprint. Then load (50 concurrent sessions,
zero lost or misrouted answers asserted: bench/load.py) and lazy exposure on the real
Docker catalog (bench/catalog.py), `mcpod status` wall time (bench/status.py), and the
scale figures with 10/100/300 configured servers (bench/scale.py, plotted by bench/plots.py).
Writes bench/results/latest.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from typing import Any

import psutil

from bench import catalog, load, peers, scale, status
from bench.harness import ROOT


def sdk_import(runs: int) -> dict[str, Any]:
    """A Python process that only imports the mcp SDK client: what a shim built on it costs."""
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
        rss.append(psutil.Process(proc.pid).memory_info().rss / 2**20)
        proc.stdin.close()
        proc.wait()
    return {"ms": peers.spread(times), "rss_mb": peers.spread(rss)}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "--quick", action="store_true", help="fewer repetitions (about half the time)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine(), "quick": args.quick}
    results["contenders"] = peers.run(quick=args.quick)
    results["sdk_import"] = sdk_import(5 if args.quick else 10)
    results["load"] = load.run(50, 50 if args.quick else 200)
    results["catalog"] = catalog.run()
    results["status"] = status.run(10 if args.quick else 20)
    results["scale"] = [scale.measure(n, 5 if args.quick else 10) for n in (10, 100, 300)]
    results["curves"] = load.curves(calls=50 if args.quick else 100)
    results["seconds"] = round(time.perf_counter() - started)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    report = "\n".join(
        [
            render(results),
            load.render(results["load"]),
            catalog.render(results["catalog"]),
            status.render(results["status"]),
            scale.render(results["scale"]),
            load.render_curves(results["curves"]),
        ]
    )
    (out / "latest.md").write_text(report)
    try:
        from bench.plots import plot_curves, plot_scale

        plot_scale(results["scale"], out)  # bench/results/scale.png
        plot_curves(results["curves"], out)  # bench/results/curves.png
    except ImportError:
        print("(no plots: matplotlib is not installed; scripts/install-bench-peers does)")
    print(report)
    return 0


# -- rendering -------------------------------------------------------------------------


def render(r: dict[str, Any]) -> str:
    rows = r["contenders"]
    mcpod = next(c for c in rows if c["name"] == "mcpod")
    lines = [
        f"Machine: {r['machine']}. Run took {r['seconds']} s{' (--quick)' if r['quick'] else ''}.",
        "Each cell: median (min-max over repeated runs); the ratio is to mcpod (x1.0).",
        "",
        "### Client side: start-up to the first answer, and RSS (lower is better)",
        "",
        "| system | client-side process | start-up | vs mcpod | RSS | vs mcpod |",
        "|---|---|---|---|---|---|",
    ]
    for c in rows:
        if _missing(c, lines, 6):
            continue
        if c.get("startup") is None:
            lines.append(f"| {c['name']} | none: {c['note']} | - | - | - | - |")
            continue
        s = c["startup"]
        lines.append(
            f"| {c['name']} | {c['shim']} | {_cell(s['ms'], 'ms')} | {_ratio(s['ms'], mcpod['startup']['ms'])} "
            f"| {_cell(s['rss_mb'], 'MB')} | {_ratio(s['rss_mb'], mcpod['startup']['rss_mb'])} |"
        )
    sdk = r["sdk_import"]
    lines.append(
        f"| (baseline) | a Python process importing `mcp.client.session` | {_cell(sdk['ms'], 'ms')} "
        f"| {_ratio(sdk['ms'], mcpod['startup']['ms'])} | {_cell(sdk['rss_mb'], 'MB')} "
        f"| {_ratio(sdk['rss_mb'], mcpod['startup']['rss_mb'])} |"
    )
    lines += _table(
        rows,
        mcpod,
        "Session ready: new client process(es) -> tools/list answered, 3 servers (lower is better)",
        [("ready", "ms", "ms", "session ready")],
    )
    lines += _table(
        rows, mcpod, "tools/call latency through one session (lower is better)",
        [("call_small", "p50_ms", "ms", "echo p50"), ("call_small", "p99_ms", "ms", "echo p99"),
         ("call_large", "p50_ms", "ms", "1 MiB p50"), ("call_large", "p99_ms", "ms", "1 MiB p99")],
    )  # fmt: skip
    lines += _table(
        rows,
        mcpod,
        "Throughput: 10 concurrent sessions calling echo (higher is better)",
        [("throughput", "calls_per_s", "calls/s", "calls/s")],
    )
    lines += _memory_table(
        rows, mcpod, "memory_mb", "Total memory: RSS of every process involved (lower is better)"
    )
    lines += _memory_table(
        rows, mcpod, "memory_pss_mb", "Total memory as PSS: shared pages counted once (lower is "
        "better)", against_one=True,
    )  # fmt: skip
    lines += [
        "",
        "### Initial tools/list for the same 3 servers (lower is better; deterministic)",
        "",
    ]
    lines += ["| system | tokens (estimate: chars/4) | vs mcpod lazy |", "|---|---|---|"]
    lazy = mcpod["tokens_lazy"]
    lines.append(f"| mcpod, lazy mode (default) | {lazy:,} | x1.0 |")
    for c in rows:
        if "tokens" in c:
            label = f"{c['name']}, all mode" if c["name"] == "mcpod" else c["name"]
            lines.append(f"| {label} | {c['tokens']:,} | x{c['tokens'] / lazy:.1f} |")
    failures = [(c["name"], k, v) for c in rows for k, v in c.get("failed", {}).items()]
    if failures:
        lines += ["", "Figures a system could not produce:"]
        lines += [f"- {name}, {key}: {why}" for name, key, why in failures]
    return "\n".join(lines) + "\n"


def _table(
    rows: list[dict[str, Any]],
    mcpod: dict[str, Any],
    title: str,
    cols: list[tuple[str, str, str, str]],
) -> list[str]:
    head = "| system | " + " | ".join(f"{label} | vs mcpod" for *_, label in cols) + " |"
    lines = ["", f"### {title}", "", head, "|---|" + "---|---|" * len(cols)]
    for c in rows:
        if _missing(c, lines, 1 + 2 * len(cols)):
            continue
        cells = []
        for figure, key, unit, _ in cols:
            block = c.get(figure)
            if block is None:
                why = c.get("failed", {}).get(figure, "n/a").split(":")[0]
                cells.append(f"cannot ({why}, see below) | -")
                continue
            value, base = block[key], mcpod.get(figure, {}).get(key)
            cells.append(f"{_cell(value, unit)} | {_ratio(value, base) if base else '-'}")
        lines.append(f"| {c['name']} | " + " | ".join(cells) + " |")
    return lines


def _memory_table(
    rows: list[dict[str, Any]], mcpod: dict[str, Any], key: str, title: str,
    against_one: bool = False,
) -> list[str]:  # fmt: skip
    """1, 5 and 10 sessions of `key` (RSS or PSS), with 10 against 1 session if asked."""
    extra = " 10 sessions vs 1 |" if against_one else ""
    lines = ["", f"### {title}", "",
             f"| system | 1 session x 3 servers | 5 sessions | 10 sessions |{extra} "
             "10 sessions vs mcpod |", "|---|---|---|---|" + "---|" * (2 if against_one else 1)]  # fmt: skip
    for c in rows:
        if _missing(c, lines, 5 if against_one else 4) or key not in c:
            continue
        m, ten = c[key], _get(c[key], 10)["median"]
        growth = f" x{ten / _get(m, 1)['median']:.2f} |" if against_one else ""
        lines.append(
            f"| {c['name']} | {_mb(m, 1)} | {_mb(m, 5)} | {_mb(m, 10)} |{growth} "
            f"x{ten / _get(mcpod[key], 10)['median']:.1f} |"
        )
    return lines


def _missing(c: dict[str, Any], lines: list[str], width: int) -> bool:
    if "missing" in c:
        lines.append(f"| {c['name']} | {c['missing']} |" + " - |" * (width - 1))
        return True
    return False


def _cell(s: dict[str, float], unit: str) -> str:
    digits = 2 if s["median"] < 10 else 0 if s["median"] >= 100 else 1
    return f"{s['median']:.{digits}f} {unit} ({s['min']:.{digits}f}-{s['max']:.{digits}f})"


def _ratio(s: dict[str, float], base: dict[str, float]) -> str:
    return f"x{s['median'] / base['median']:.1f}" if base["median"] else "-"


def _get(m: dict[Any, Any], sessions: int) -> dict[str, float]:
    value: dict[str, float] = m.get(sessions, m.get(str(sessions)))
    return value


def _mb(m: dict[Any, Any], sessions: int) -> str:
    s = _get(m, sessions)
    return f"{s['median']:,.0f} MB ({s['min']:,.0f}-{s['max']:,.0f})"


def machine() -> str:
    with open("/proc/cpuinfo") as f:
        models = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
    return (
        f"{models[0] if models else platform.machine()}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, Node {_node_version()}"
    )


def _node_version() -> str:
    from bench.harness import NODE

    try:
        return subprocess.run(
            [str(NODE), "--version"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except OSError:
        return "not installed"


if __name__ == "__main__":
    sys.exit(main())
