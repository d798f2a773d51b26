"""Where one daemon keeps its config, state, logs, socket and lock.

`MCPOD_HOME=DIR` puts everything under DIR (isolated daemons for tests and users);
`MCPOD_SOCKET` overrides only the socket. Otherwise the XDG locations, with the
fallbacks of the architecture: a per-user directory under the temp dir when there is
no `$XDG_RUNTIME_DIR`, and `~/Library/Caches` on macOS.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from mcpod.protocol.errors import PathError
from mcpod.protocol.socketpath import check_socket_length, home_root, socket_location


class Paths:
    """The locations of one daemon (a plain class: the shim cannot afford `dataclasses`)."""

    __slots__ = ("config_file", "isolated", "log_dir", "runtime_dir", "socket", "state_dir")

    def __init__(
        self,
        config_file: Path,
        state_dir: Path,
        log_dir: Path,
        runtime_dir: Path,
        socket: Path,
        isolated: bool,  # True under MCPOD_HOME
    ) -> None:
        self.config_file = config_file
        self.state_dir = state_dir
        self.log_dir = log_dir
        self.runtime_dir = runtime_dir
        self.socket = socket
        self.isolated = isolated

    def __repr__(self) -> str:
        return f"Paths(socket={self.socket!s}, config_file={self.config_file!s})"

    @property
    def lock_file(self) -> Path:
        """Named after the socket: two daemons with sockets in one directory never share it."""
        return self.socket.with_name(self.socket.name + ".lock")

    @property
    def secrets_file(self) -> Path:
        """Next to the config file: the values its `${secret:NAME}` references stand for."""
        return self.config_file.with_name("secrets.json")

    @property
    def daemon_log(self) -> Path:
        """The daemon's stdout/stderr when a shim started it: its warnings and crashes."""
        return self.log_dir / "daemon.log"

    @property
    def event_log(self) -> Path:
        """The daemon's structured log: one JSON object per line, rotated (`mcpod logs`)."""
        return self.log_dir / "daemon.jsonl"

    def server_log(self, server: str) -> Path:
        return self.log_dir / "servers" / f"{server}.log"

    def check_socket_path(self) -> None:
        """Raise `PathError` if the socket path cannot be bound on this OS."""
        check_socket_length(os.fspath(self.socket))


def resolve_paths(environ: os._Environ[str] | dict[str, str] | None = None) -> Paths:
    env = os.environ if environ is None else environ
    sock = Path(socket_location(env))  # the socket's rules are `socketpath`'s (the shim's)
    root = home_root(env)
    if root is not None:
        base = Path(root)
        return Paths(
            config_file=base / "config.json",
            state_dir=base / "state",
            log_dir=base / "logs",
            runtime_dir=sock.parent,
            socket=sock,
            isolated=True,
        )
    state = _xdg(env, "XDG_STATE_HOME", ".local/state") / "mcpod"
    return Paths(
        config_file=_xdg(env, "XDG_CONFIG_HOME", ".config") / "mcpod" / "config.json",
        state_dir=state,
        log_dir=state / "logs",
        runtime_dir=sock.parent,
        socket=sock,
        isolated=False,
    )


def _xdg(env: os._Environ[str] | dict[str, str], var: str, default: str) -> Path:
    value = env.get(var)
    if value and os.path.isabs(value):
        return Path(value)
    return Path.home() / default


def ensure_private_dir(path: Path) -> None:
    """Create `path` as 0700 if needed; refuse an existing one that is not safe to use.

    A shared temp dir is where another user could plant a socket or a symlink, so a
    directory must be ours before anything in it is trusted. mcpod never changes the
    mode of a directory it did not create: one that others may write to (and that is
    not sticky, like /tmp) is refused, with what to do.
    """
    try:
        path.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        pass
    else:
        os.chmod(path, 0o700)  # ours: created just now (mkdir's mode passed the umask)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise PathError(f"{path} exists and is not a directory; remove it and retry")
    if info.st_uid != os.getuid():
        raise PathError(
            f"{path} belongs to uid {info.st_uid}, not to you; use a directory of your own "
            "(set MCPOD_HOME, or MCPOD_SOCKET to a path in a private directory)"
        )
    if info.st_mode & 0o022 and not info.st_mode & stat.S_ISVTX:
        raise PathError(
            f"{path} is writable by others (mode {stat.S_IMODE(info.st_mode):o}); mcpod does "
            f"not change the mode of a directory it did not create: `chmod go-w {path}`, or "
            "use another directory"
        )
