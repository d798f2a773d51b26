"""Where the daemon's socket is, with `os.path` only: the shim finds its daemon without
importing `pathlib` (~10 ms of start-up here). `mcpod.protocol.paths` builds every other
location on these same rules.

`MCPOD_HOME=DIR` puts the socket at DIR/run/mcpod.sock; `MCPOD_SOCKET` overrides it;
otherwise it lives in `$XDG_RUNTIME_DIR/mcpod`, or a per-user directory under the temp
dir, or `~/Library/Caches/mcpod` on macOS.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not `from typing`: start-up cannot afford it
if TYPE_CHECKING:
    from collections.abc import Mapping

SOCKET_NAME = "mcpod.sock"
# sun_path is 108 bytes on Linux and 104 on macOS, including the terminating NUL.
MAX_SOCKET_PATH_BYTES = 103 if sys.platform == "darwin" else 107


def absolute(path: str) -> str:
    """`Path(path).expanduser().absolute()`: `~` expanded, relative to the cwd, `..` kept."""
    path = os.path.expanduser(path)
    return path if os.path.isabs(path) else os.path.join(os.getcwd(), path)


def home_root(env: Mapping[str, str]) -> str | None:
    """The MCPOD_HOME directory, if one is set."""
    home = env.get("MCPOD_HOME")
    return absolute(home) if home else None


def runtime_dir(env: Mapping[str, str]) -> str:
    root = home_root(env)
    if root is not None:
        return os.path.join(root, "run")
    xdg = env.get("XDG_RUNTIME_DIR")
    if xdg and os.path.isabs(xdg) and os.path.isdir(xdg):
        return os.path.join(xdg, "mcpod")
    if sys.platform == "darwin":
        return os.path.join(os.path.expanduser("~"), "Library", "Caches", "mcpod")
    import tempfile  # lazily: only this fallback needs it

    return os.path.join(tempfile.gettempdir(), f"mcpod-{os.getuid()}")


def socket_location(env: Mapping[str, str] | None = None) -> str:
    """The daemon's socket path for this environment (`os.environ` by default)."""
    env = os.environ if env is None else env
    override = env.get("MCPOD_SOCKET")
    if override:
        return absolute(override)
    return os.path.join(runtime_dir(env), SOCKET_NAME)


def check_socket_length(path: str) -> None:
    """Raise `PathError` if `path` cannot be bound on this OS."""
    size = len(os.fsencode(path)) + 1  # bound first as "<socket>~" (see the daemon)
    if size > MAX_SOCKET_PATH_BYTES:
        from mcpod.protocol.errors import PathError

        raise PathError(
            f"socket path is {size} bytes, over the OS limit of {MAX_SOCKET_PATH_BYTES}: "
            f"{path}. Set MCPOD_SOCKET (or MCPOD_HOME) to a shorter path, e.g. "
            f"MCPOD_SOCKET=/tmp/mcpod-{os.getuid()}.sock"
        )
