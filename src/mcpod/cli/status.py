"""`mcpod status [--json]`: the daemon, its sessions and its servers."""

from __future__ import annotations

import argparse
import json
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mcpod.protocol.control import SourceStatus, StatusResponse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    from mcpod.client import ControlClient
    from mcpod.protocol import McpodError, resolve_paths

    paths = resolve_paths()
    try:
        with ControlClient.open(paths) as client:
            status = client.call("status")
    except (FileNotFoundError, ConnectionRefusedError):
        if args.json:
            print(json.dumps({"running": False, "socket": str(paths.socket)}))
        else:
            print(f"mcpod daemon is not running (socket {paths.socket})")
        return 3
    except (McpodError, OSError) as exc:
        print(f"mcpod status: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"running": True, **status}, indent=2))
    else:
        from mcpod.cli.output import Fields

        # Read as the StatusResponse it is, without importing msgspec or typing: `mcpod
        # status` is meant to take well under 100 ms.
        print(render(Fields(status)))  # type: ignore[arg-type]
    return 0


def render(status: StatusResponse) -> str:
    from mcpod.cli.output import table

    own = status.daemon or {}
    memory = f"  rss {_mib(own.get('rss_bytes'))}" if own.get("rss_bytes") else ""
    lines = [
        f"mcpod {status.version}  pid {status.pid}  up {_duration(status.uptime_s)}  "
        f"sessions {status.sessions}{memory}",
        f"config  {status.config}",
        f"socket  {status.socket}",
        *(_source(source) for source in status.sources),
        "",
    ]
    rows = [("SERVER", "SCOPE", "STATE", "PID", "TOOLS", "CALLS", "ERRORS", "P50/P95 MS", "MEM",
             "SESSIONS", "NOTE")]  # fmt: skip
    for server in status.servers:
        rows.append(
            (
                server.name,
                server.instance or server.scope,  # an instance: "session <id>", "project <dir>"
                server.state,
                str(server.pid or "-"),
                str(server.tools if server.tools is not None else "-"),
                str(server.calls),
                str(server.errors),
                _latency(server.p50_ms, server.p95_ms),
                _mib(server.rss_bytes),
                _sessions(server.sessions),
                server.reason or server.last_error or "",
            )
        )
    lines.append(table(rows, state_column=2))
    if len(rows) == 1:
        lines.append(f"(no servers configured: add some to {status.config})")
    if status.session_details:
        lines += ["", table(_session_rows(status))]
    return "\n".join(lines)


def _session_rows(status: StatusResponse) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [
        ("SESSION", "CLIENT", "PROTOCOL", "MODE", "ACTIVE", "REQUESTS", "INFLIGHT", "CWD")
    ]
    for session in status.session_details:
        client = " ".join(p for p in (session.client, session.client_version) if p) or "-"
        mode = f"{session.mode} ({session.profile})" if session.profile else session.mode
        rows.append(
            (
                session.id,
                client,
                session.protocol_version or "-",
                mode,
                ",".join(session.active) or "-",
                str(session.requests),
                str(session.inflight),
                session.cwd or "-",
            )
        )
    return rows


def _latency(p50: float | None, p95: float | None) -> str:
    return "-" if p50 is None or p95 is None else f"{p50:g}/{p95:g}"


def _mib(size: float | int | None) -> str:
    return "-" if not size else f"{size / 2**20:.0f}M"


def _source(source: SourceStatus) -> str:
    if source.state == "ok":
        return f"{source.name:<7} {source.era} {source.version}: {source.detail}"
    return f"{source.name:<7} {source.state}: {source.detail}"


def _sessions(ids: list[str]) -> str:
    shown = ",".join(ids[:3]) or "-"
    return f"{shown} +{len(ids) - 3}" if len(ids) > 3 else shown


def _duration(seconds: float) -> str:
    return (
        time.strftime("%H:%M:%S", time.gmtime(seconds))
        if seconds < 86400
        else f"{seconds / 86400:.1f}d"
    )
