"""SIGTERM and SIGINT stop the daemon in order; SIGHUP reloads the config."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable

import anyio

log = logging.getLogger(__name__)


async def watch_signals(
    request_shutdown: Callable[[str], None], request_reload: Callable[[str], None]
) -> None:
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT, signal.SIGHUP) as signals:
        async for signum in signals:
            if signum == signal.SIGHUP:
                request_reload("SIGHUP")
                continue
            request_shutdown(signal.Signals(signum).name)
