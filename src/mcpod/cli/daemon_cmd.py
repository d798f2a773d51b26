"""`mcpod daemon`: run the daemon in the foreground.

Logging: every record goes to the structured log (`daemon.jsonl`: one JSON object per
line, rotated at 5 MiB, three old files kept), which `mcpod logs` reads; and to stderr,
as text (everything in the foreground; warnings and worse when a shim started the daemon,
whose stderr is `daemon.log`, so that a start that fails can be explained from its tail).
Credentials are masked in both.
"""

from __future__ import annotations

import argparse
import json
import logging
import logging.handlers
import time
from collections.abc import Callable
from pathlib import Path

EVENT_LOG_BYTES = 5 * 1024 * 1024
EVENT_LOG_KEEP = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spawned", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument(
        "--http",
        metavar="HOST:PORT",
        help="also serve HTTP there: /mcp, /mcp/SERVER, /api and a dashboard "
        "(loopback only unless the config's http.token is set)",
    )


def run(args: argparse.Namespace) -> int:
    # Lazy import: only this command pays for anyio, msgspec and the mcp SDK.
    import anyio

    from mcpod.daemon.app import run as run_daemon
    from mcpod.protocol import ensure_private_dir, resolve_paths
    from mcpod.protocol.redact import redact

    paths = resolve_paths()
    level = logging.DEBUG if args.verbose else logging.INFO
    stderr = logging.StreamHandler()
    stderr.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    stderr.setLevel(logging.WARNING if args.spawned else level)
    handlers: list[logging.Handler] = [stderr]
    try:
        ensure_private_dir(paths.log_dir)
        handlers.append(_event_log(paths.event_log))
    except Exception as exc:  # the daemon runs without it; stderr says why
        logging.getLogger(__name__).warning("no structured log at %s: %s", paths.event_log, exc)
    logging.basicConfig(level=level, handlers=handlers, force=True)
    for handler in handlers:
        handler.addFilter(_Redacting(redact))
    for noisy in ("httpx", "httpx2", "mcp", "opentelemetry", "watchfiles"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    code: int = anyio.run(lambda: run_daemon(paths, spawned=args.spawned, http=args.http))
    return code


def _event_log(path: Path) -> logging.Handler:
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=EVENT_LOG_BYTES, backupCount=EVENT_LOG_KEEP, encoding="utf-8"
    )
    handler.setFormatter(JsonLines())
    return handler


class JsonLines(logging.Formatter):
    """`{"time", "level", "logger", "message"[, "error"]}` per line."""

    def format(self, record: logging.LogRecord) -> str:
        event = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(record.created))
            + f".{int(record.msecs):03d}",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            event["error"] = self.formatException(record.exc_info)
        return json.dumps(event, ensure_ascii=False)


class _Redacting(logging.Filter):
    """Masks credentials in every record (the SDK's and httpx's included)."""

    def __init__(self, redact: Callable[[str], str]) -> None:
        super().__init__()
        self._redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self._redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
