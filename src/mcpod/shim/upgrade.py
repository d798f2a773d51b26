"""Version skew between a shim and the running daemon (stdlib only).

What the user would want: an idle daemon (no session but ours) is stopped, so that the
next connection starts the installed version; a busy one keeps serving its sessions.
"""

from __future__ import annotations

import time

from mcpod.client import ControlClient
from mcpod.protocol import McpodError, Paths

STOP_WAIT_S = 30.0


def restart_if_idle(paths: Paths) -> bool:
    """Stop the daemon if it serves no session; True once it has let go of the socket."""
    try:
        with ControlClient.open(paths, timeout=10) as control:
            if control.call("status").get("sessions", 1) > 0:
                return False
            control.call("shutdown")
    except (McpodError, OSError, ValueError):
        return False
    deadline = time.monotonic() + STOP_WAIT_S
    while paths.socket.exists() and time.monotonic() < deadline:
        time.sleep(0.02)  # the socket goes first, then the daemon (`connect_or_spawn` waits)
    return True
