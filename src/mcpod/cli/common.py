"""What the control-API commands share: connect (starting the daemon if needed), call."""

from __future__ import annotations

import sys
from typing import Any


def control_call(method: str, params: dict[str, Any] | None = None, *, spawn: bool = True) -> Any:
    """Call one control method; on failure print the reason to stderr and return None."""
    from mcpod.client import ControlClient
    from mcpod.protocol import McpodError, resolve_paths

    try:
        with ControlClient.open(resolve_paths(), spawn=spawn, timeout=120) as client:
            return client.call(method, params)
    except (McpodError, OSError) as exc:
        print(f"mcpod: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return None


def control_call_or_exit(
    method: str, params: dict[str, Any] | None = None, *, spawn: bool = False
) -> Any:
    """Call one control method; on failure print the reason and return the exit status
    (3: no daemon runs, 1: the call failed), so a command can `return` it."""
    from mcpod.client import ControlClient
    from mcpod.protocol import McpodError, resolve_paths

    try:
        with ControlClient.open(resolve_paths(), spawn=spawn, timeout=120) as client:
            return client.call(method, params)
    except (FileNotFoundError, ConnectionRefusedError):
        print("mcpod: the daemon is not running (any client session starts it; or "
              "`mcpod start`)", file=sys.stderr)  # fmt: skip
        return 3
    except (McpodError, OSError) as exc:
        print(f"mcpod: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 1
