"""`mcpod logs [SERVER] [-n N] [-f] [--json]`: the daemon's log, or one server's stderr.

Read straight from the files (no daemon needed); `-f` follows, across rotation. The
daemon's log is its structured one (`daemon.jsonl`), shown as text lines, or as they are
(one JSON object per line: time, level, logger, message[, error]) with `--json`. Exit
status: 0, 1 when the log does not exist (yet), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

FOLLOW_POLL_S = 0.25


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("server", nargs="?", help="a server's log (default: the daemon's)")
    parser.add_argument("-n", "--lines", type=int, default=50, help="how many lines (default 50)")
    parser.add_argument("-f", "--follow", action="store_true", help="keep printing new lines")
    parser.add_argument("--json", action="store_true", help="the daemon's log as JSON lines")


def run(args: argparse.Namespace) -> int:
    from mcpod.protocol import resolve_paths

    paths = resolve_paths()
    path = paths.server_log(args.server) if args.server else paths.event_log
    shown = _as_is if args.server or args.json else _readable
    if not path.exists():
        what = f"server {args.server!r}" if args.server else "the daemon"
        print(f"mcpod logs: no log of {what} yet ({path})", file=sys.stderr)
        return 1
    for line in tail(path, max(0, args.lines)):
        sys.stdout.write(shown(line))
    sys.stdout.flush()
    if args.follow:
        try:
            follow(path, shown)
        except KeyboardInterrupt:
            return 0
    return 0


def tail(path: Path, count: int) -> list[str]:
    with open(path, encoding="utf-8", errors="replace") as log:
        return list(deque(log, maxlen=count)) if count else []


def _as_is(line: str) -> str:
    return line


def _readable(line: str) -> str:
    """A structured log line as `time LEVEL logger: message`."""
    try:
        event = json.loads(line)
        text = f"{event['time']} {event['level'].upper()} {event['logger']}: {event['message']}"
    except (ValueError, KeyError, TypeError, AttributeError):
        return line
    error = event.get("error")
    return f"{text}\n{error}\n" if error else f"{text}\n"


def follow(path: Path, shown: Callable[[str], str]) -> None:
    """Print what is appended; start over when the file is rotated (a new inode)."""
    log = open(path, encoding="utf-8", errors="replace")  # noqa: SIM115 - reopened on rotation
    log.seek(0, 2)
    inode = path.stat().st_ino
    try:
        while True:
            line = log.readline()
            if line:
                sys.stdout.write(shown(line))
                sys.stdout.flush()
                continue
            time.sleep(FOLLOW_POLL_S)
            try:
                if path.stat().st_ino != inode:
                    log.close()
                    log = open(path, encoding="utf-8", errors="replace")  # noqa: SIM115
                    inode = path.stat().st_ino
            except FileNotFoundError:
                continue
    finally:
        log.close()
