"""Connect, handshake and connect-or-spawn (shared by the shim and the CLI), the control
client, and one blocking stdio JSON-RPC client. Stdlib + `mcpod.protocol` only.

`StdioClient` is exported lazily: it imports `subprocess`, which the shim's start-up
does not pay for.
"""

from mcpod.client.connect import (
    connect,
    connect_or_spawn,
    handshake,
    hello_message,
    spawn_daemon,
)
from mcpod.client.control import ControlClient

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mcpod.client.stdio import StdioClient

__all__ = [
    "ControlClient",
    "StdioClient",
    "connect",
    "connect_or_spawn",
    "handshake",
    "hello_message",
    "spawn_daemon",
]


def __getattr__(name: str) -> object:
    if name == "StdioClient":
        from mcpod.client.stdio import StdioClient

        return StdioClient
    raise AttributeError(f"module 'mcpod.client' has no attribute {name!r}")
