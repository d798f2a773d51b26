"""Version skew between a shim and the running daemon (stdlib only).

What the user would want: an idle daemon (no session but ours) is stopped, so that the
next connection starts the installed version; a busy one keeps serving its sessions.
"""

from __future__ import annotations

import time

from mcpod.client import ControlClient
from mcpod.protocol import McpodError, Paths

TYPE_CHECKING = False
if TYPE_CHECKING:
    import _socket

STOP_WAIT_S = 30.0


def restart_if_idle(paths: Paths, ours: _socket.socket) -> bool:
    """Stop the daemon if it serves no session but `ours`.

    True when `ours` was closed (the caller connects again, to whichever daemon then
    answers); False when the daemon is busy or cannot be asked, and `ours` is kept.
    """
    try:
        control = ControlClient.open(paths, timeout=10)
    except (McpodError, OSError):
        return False
    with control:
        try:
            busy = control.call("status").get("sessions", 2) > 1
        except (McpodError, OSError, ValueError):
            return False
        if busy:
            return False
        ours.close()
        try:
            control.call("shutdown")
        except (McpodError, OSError, ValueError):
            return True
    deadline = time.monotonic() + STOP_WAIT_S
    while paths.socket.exists() and time.monotonic() < deadline:
        time.sleep(0.02)  # the socket goes first, then the daemon (`connect_or_spawn` waits)
    return True
