"""`mcpod daemon`: run the daemon in the foreground (logs to stderr)."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spawned", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")


def run(args: argparse.Namespace) -> int:
    # Lazy import: only this command pays for anyio, msgspec and the mcp SDK.
    import anyio

    from mcpod.daemon.app import run as run_daemon
    from mcpod.protocol import resolve_paths
    from mcpod.protocol.redact import redact

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(_Redacting(redact))
    for noisy in ("httpx", "httpx2", "mcp", "opentelemetry", "watchfiles"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    code: int = anyio.run(lambda: run_daemon(resolve_paths(), spawned=args.spawned))
    return code


class _Redacting(logging.Filter):
    """Masks credentials in URLs in every record, the SDK's and httpx's included."""

    def __init__(self, redact: Callable[[str], str]) -> None:
        super().__init__()
        self._redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self._redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
