"""Connect, handshake and connect-or-spawn (shared by the shim and the CLI), the control
client, and one blocking stdio JSON-RPC client. Stdlib + `mcpod.protocol` only.

Every name is loaded on first use (PEP 562): the shim imports `mcpod.client.connect`
alone, and `StdioClient` imports `subprocess`, which no start-up path pays for.
"""

from mcpod.protocol.lazy import load

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mcpod.client.connect import (
        connect,
        connect_or_spawn,
        handshake,
        hello_message,
        spawn_daemon,
    )
    from mcpod.client.control import ControlClient
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

_MODULES = {
    "ControlClient": "mcpod.client.control",
    "StdioClient": "mcpod.client.stdio",
    **dict.fromkeys(
        ("connect", "connect_or_spawn", "handshake", "hello_message", "spawn_daemon"),
        "mcpod.client.connect",
    ),
}


def __getattr__(name: str) -> object:
    return load(globals(), _MODULES, name)
