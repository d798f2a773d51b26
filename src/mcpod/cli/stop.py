"""`mcpod stop`: ask the daemon to stop, then wait until its process has exited.

`mcpod stop SERVER...` stops those servers instead (see `mcpod.cli.servers_cmd`).
Exit status: 0 stopped (or not running), 1 still running after `--timeout`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

STOP_WAIT_S = 30.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("servers", nargs="*", metavar="SERVER",
                        help="stop these servers, not the daemon")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=STOP_WAIT_S, help="seconds to wait")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    if args.servers:
        from mcpod.cli.servers_cmd import run_stop_servers

        return run_stop_servers(args)
    from mcpod.client import ControlClient
    from mcpod.protocol import McpodError, resolve_paths

    paths = resolve_paths()
    try:
        with ControlClient.open(paths) as client:
            pid = client.call("shutdown")["pid"]
    except (FileNotFoundError, ConnectionRefusedError):
        print(json.dumps({"stopped": False, "running": False}) if args.json
              else "mcpod daemon is not running")  # fmt: skip
        return 0
    except (McpodError, OSError) as exc:
        print(f"mcpod stop: {exc}", file=sys.stderr)
        return 1
    if not _wait_exit(pid, args.timeout):
        print(
            f"mcpod stop: daemon pid {pid} still running after {args.timeout:.0f} s",
            file=sys.stderr,
        )
        return 1
    print(json.dumps({"stopped": True, "pid": pid}) if args.json
          else f"mcpod daemon (pid {pid}) stopped")  # fmt: skip
    return 0


def _wait_exit(pid: int, timeout: float) -> bool:
    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            # A zombie has exited; only its parent (e.g. a test runner) has yet to reap it.
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.02)
    return False
