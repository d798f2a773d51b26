"""Connect, handshake and connect-or-spawn, shared by the shim and the CLI (stdlib only)."""

from mcpod.client.connect import (
    connect,
    connect_or_spawn,
    handshake,
    hello_message,
    spawn_daemon,
)
from mcpod.client.control import ControlClient

__all__ = [
    "ControlClient",
    "connect",
    "connect_or_spawn",
    "handshake",
    "hello_message",
    "spawn_daemon",
]
