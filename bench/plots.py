"""PNG plots of the scale and concurrency curves (`python -m bench.plots LATEST.json
OUT_DIR`, from `python -m bench`'s results), with matplotlib, installed for the benchmark
only (scripts/install-bench-peers)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def plot_scale(rows: list[dict[str, Any]], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    servers = [r["servers"] for r in rows]
    curves = {
        "daemon RSS (MB), no server started": [r["rss_mb_idle"] for r in rows],
        "session ready p50 (ms), lazy": [r["session_ready_lazy"]["p50_ms"] for r in rows],
        "session ready p50 (ms), all": [r["session_ready_all"]["p50_ms"] for r in rows],
        "`mcpod status` p50 (ms)": [r["status"]["p50_ms"] for r in rows],
    }
    figure, axis = plt.subplots(figsize=(7, 4))
    for label, values in curves.items():
        axis.plot(servers, values, marker="o", label=label)
    axis.set_xlabel("configured servers")
    axis.set_xscale("log")
    axis.set_xticks(servers, [str(s) for s in servers])
    axis.set_ylim(bottom=0)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    axis.set_title("mcpod with more configured servers (lower or flat is better)")
    out.mkdir(parents=True, exist_ok=True)
    path = out / "scale.png"
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return [path]


CONTENDERS = ("direct (status quo)", "mcpod", "mcpod, instances 4")


def plot_curves(rows: list[dict[str, Any]], out: Path) -> list[Path]:
    """Throughput and p50 per call at 1, 10 and 50 concurrent sessions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sessions = [r["sessions"] for r in rows]
    figure, (rate, latency) = plt.subplots(1, 2, figsize=(10, 4))
    for name in CONTENDERS:
        rate.plot(sessions, [r[name]["calls_per_s"] for r in rows], marker="o", label=name)
        latency.plot(sessions, [r[name]["p50_ms"] for r in rows], marker="o", label=name)
    for axis, title in (
        (rate, "calls/s (higher is better)"),
        (latency, "p50 ms per call (lower is better)"),
    ):
        axis.set_xlabel("concurrent sessions")
        axis.set_xscale("log")
        axis.set_xticks(sessions, [str(s) for s in sessions])
        axis.set_ylim(bottom=0)
        axis.grid(alpha=0.3)
        axis.set_title(title, fontsize=10)
        axis.legend(fontsize=8)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "curves.png"
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return [path]


def main() -> int:
    results = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    for path in [*plot_scale(results["scale"], out), *plot_curves(results["curves"], out)]:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
