"""The anyio daemon. Imported only by `mcpod daemon` (lazily) and by the tests."""

from mcpod.daemon.app import Daemon, run

__all__ = ["Daemon", "run"]
